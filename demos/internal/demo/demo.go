// Package demo reúne lo que comparten los ejemplos numerados y que no forma
// parte de la lección: conectar con Redis y terminar con un mensaje claro
// cuando algo va mal.
package demo

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/tareas"
)

// Conectar devuelve un cliente del Redis de REDIS_URL (por defecto
// redis://localhost:6379/0). Si no contesta, explica en una línea cómo
// arrancar uno y termina el programa.
func Conectar(ctx context.Context) *redis.Client {
	Comprobar(tareas.Comprobar())
	rqlite.SilenceRedisLogs() // los errores ya se explican aquí, en una línea
	url := os.Getenv("REDIS_URL")
	if url == "" {
		url = rqlite.DefaultURL
	}
	rdb, err := rqlite.Connect(ctx, url)
	if err != nil {
		fmt.Fprintf(os.Stderr, "No hay ningún Redis en %s: arranca uno con «docker compose up -d» o «go run ./cmd/rq dev-server», o indica otro con REDIS_URL.\n", rqlite.RedactURL(url))
		os.Exit(1)
	}
	return rdb
}

// Comprobar termina el programa con el mensaje de err, en una línea, si err
// no es nil.
func Comprobar(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, strings.TrimPrefix(err.Error(), "rqlite: "))
		os.Exit(1)
	}
}
