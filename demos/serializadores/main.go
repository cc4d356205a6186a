// Serializadores: la misma llamada encolada con JSON y con pickle, tal como
// queda en el campo data del trabajo, y qué tipos de Go sobreviven a un
// viaje de ida y vuelta por cada serializador.
package main

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"math"
	"math/big"
	"os"
	"strings"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/tareas"
)

// Punto es un tipo propio: ninguno de los dos serializadores lo conoce.
type Punto struct {
	X int `json:"x"`
	Y int `json:"y"`
}

func main() {
	ctx := context.Background()

	rdb, err := rqlite.Connect(ctx, os.Getenv("REDIS_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer rdb.Close()

	// 1. La misma llamada en dos colas, una con cada serializador.
	for _, s := range []rqlite.Serializer{rqlite.JSON, rqlite.Pickle} {
		opciones := &rqlite.QueueOptions{Serializer: s}
		q := rqlite.NewQueue("con-"+s.Name(), rdb, opciones)
		saludo := rqlite.Kwargs{"saludo": "¿qué tal?"}
		job, err := q.Enqueue(ctx, tareas.Saludar, "Ana", saludo)
		if err != nil {
			log.Fatal(err)
		}

		// El campo data del hash rq:job:ID guarda la llamada serializada y
		// comprimida con zlib, como en RQ.
		data, err := rdb.HGet(ctx, "rq:job:"+job.ID, "data").Bytes()
		if err != nil {
			log.Fatal(err)
		}
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			log.Fatal(err)
		}
		crudo, err := io.ReadAll(zr)
		if err != nil {
			log.Fatal(err)
		}

		fmt.Printf("== Cola %s, trabajo %s\n", q.Name, job.ID)
		fmt.Printf("data, ya descomprimido: %d bytes\n", len(crudo))
		if s == rqlite.JSON {
			fmt.Printf("%s\n", crudo) // texto, legible tal cual
		} else {
			fmt.Print(hex.Dump(crudo)) // binario: mejor en hexadecimal
		}
		// Leído de vuelta: (función, objeto, args, kwargs), la tupla de RQ.
		v, err := s.Unmarshal(crudo)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("leído: %s\n\n", literal(v))
	}

	// 2. Ida y vuelta de algunos valores de Go por cada serializador.
	valores := []any{
		nil,
		true,
		42,
		2.5,
		3.0,
		"año",
		[]byte("hola"),
		[]int{1, 2},
		map[string]int{"a": 1},
		map[int]string{1: "uno"},
		Punto{X: 1, Y: 2},
		time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		int64(math.MaxInt64),
		uint64(math.MaxUint64),
	}
	fmt.Println("== Ida y vuelta")
	for _, v := range valores {
		fmt.Println(literal(v))
		for _, s := range []rqlite.Serializer{rqlite.JSON, rqlite.Pickle} {
			fmt.Printf("  %-6s → %s\n", s.Name(), idaYVuelta(s, v))
		}
	}
}

// idaYVuelta serializa v con s, lo lee de vuelta y dice qué ha quedado.
func idaYVuelta(s rqlite.Serializer, v any) string {
	b, err := s.Marshal(v)
	if err != nil {
		return "error al escribir: " + err.Error()
	}
	w, err := s.Unmarshal(b)
	if err != nil {
		return "error al leer: " + err.Error()
	}
	return literal(w)
}

// literal escribe v como un literal de Go, con su tipo, y any en vez de
// interface {}, que es más corto y significa lo mismo.
func literal(v any) string {
	s := fmt.Sprintf("%#v", v)
	switch v.(type) {
	case nil:
		s = "nil"
	case bool, int, int64, float64, string:
		s = fmt.Sprintf("%T(%s)", v, s)
	case uint64:
		s = fmt.Sprintf("uint64(%d)", v) // %#v lo escribiría en hexadecimal
	case *big.Int:
		s = fmt.Sprintf("*big.Int(%s)", v)
	}
	return strings.ReplaceAll(s, "interface {}", "any")
}
