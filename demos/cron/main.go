// Trabajos periódicos. Tres planificadores cron (el CronScheduler de
// RQ 2.x) con los mismos trabajos, leídos de demos/cron/cron.yaml, sobre un
// reloj simulado que el programa adelanta segundo a segundo. En cada
// segundo miran los tres, por turnos; cada trabajo se encola una sola vez
// en cada periodo, lo encole el que lo encole. Es lo que pasa con varios
// «rq cron demos/cron/cron.yaml» en marcha a la vez, sin esperar minutos.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"sort"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	_ "github.com/colasrq/rqlite-tutorial/tareas" // registra las tareas
)

// inicio y fin son las horas del reloj simulado (en UTC, como lee RQ las
// expresiones cron).
var (
	inicio = time.Date(2026, 11, 27, 15, 9, 55, 0, time.UTC)
	fin    = time.Date(2026, 11, 27, 15, 11, 5, 0, time.UTC)
)

func main() {
	ctx := context.Background()
	fichero := "demos/cron/cron.yaml"
	if len(os.Args) > 1 {
		fichero = os.Args[1]
	}
	rdb, err := rqlite.Connect(ctx, os.Getenv("REDIS_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer rdb.Close()

	trabajos, err := rqlite.ReadCronFile(fichero)
	if err != nil {
		log.Fatal(err)
	}
	hora := inicio
	reloj := func() time.Time { return hora }
	planificadores := crear(ctx, rdb, trabajos, reloj)
	fmt.Printf("Tres planificadores, con %d trabajos cada uno.\n",
		len(trabajos))

	fmt.Printf("Reloj simulado de %s a %s; "+
		"cada segundo miran los tres, por turnos:\n",
		inicio.Format(time.TimeOnly), fin.Format(time.TimeOnly))
	for s := 0; !hora.After(fin); s++ {
		for i := range planificadores {
			mirar(ctx, planificadores[(s+i)%len(planificadores)], hora)
		}
		hora = hora.Add(time.Second)
	}

	fmt.Println("En Redis, como los lista CronScheduler.all() de RQ:")
	listar(ctx, rdb)
	fmt.Printf("Trabajos en cola: avisos %d, cuentas %d\n",
		contar(ctx, rdb, "avisos"), contar(ctx, rdb, "cuentas"))

	for _, p := range planificadores {
		if err := p.Stop(ctx); err != nil {
			log.Fatal(err)
		}
	}
	quedan, err := rqlite.AllCronSchedulers(ctx, rdb)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Parados los tres, quedan registrados: %d\n", len(quedan))
}

// crear pone en marcha tres planificadores con los trabajos dados y el
// reloj simulado. Su registro no se escribe: lo que cuenta es lo que
// encolan, y eso lo escribe mirar.
func crear(ctx context.Context, rdb *redis.Client,
	trabajos []rqlite.CronJob, reloj func() time.Time) []*rqlite.CronScheduler {
	var out []*rqlite.CronScheduler
	for _, letra := range []string{"a", "b", "c"} {
		nombre := "planificador-" + letra
		p, err := rqlite.NewCronScheduler(rdb, &rqlite.CronOptions{
			Name: nombre, ConfigFile: "demos/cron/cron.yaml", Now: reloj,
			Logger: &rqlite.Logger{Out: io.Discard, Err: io.Discard},
		})
		if err != nil {
			log.Fatal(err)
		}
		for _, t := range trabajos {
			if _, err := p.Register(t); err != nil {
				log.Fatal(err)
			}
		}
		if err := p.Start(ctx); err != nil {
			log.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// mirar hace que p encole lo que toca y escribe qué ha encolado: los
// trabajos cuya última vez es ahora.
func mirar(ctx context.Context, p *rqlite.CronScheduler, ahora time.Time) {
	if _, err := p.EnqueueDue(ctx); err != nil {
		log.Fatal(err)
	}
	for _, t := range p.Jobs() {
		if t.LatestRun.Equal(ahora) {
			fmt.Printf("  %s  %s encola %s en %s\n",
				ahora.Format(time.TimeOnly), p.Name(), t.FuncName, t.Queue)
		}
	}
}

// listar escribe los planificadores registrados en Redis, con la última
// vez que cada uno encoló cada trabajo y la próxima vez que toca.
func listar(ctx context.Context, rdb *redis.Client) {
	todos, err := rqlite.AllCronSchedulers(ctx, rdb)
	if err != nil {
		log.Fatal(err)
	}
	sort.Slice(todos, func(i, j int) bool {
		return todos[i].Name < todos[j].Name
	})
	for _, p := range todos {
		fmt.Printf("  %s (%s)\n", p.Name, p.ConfigFile)
		for _, t := range p.Jobs {
			cuando := fmt.Sprintf("cada %v s", t.Interval.Seconds())
			if t.Cron != "" {
				cuando = fmt.Sprintf("cron «%s»", t.Cron)
			}
			ultima := "nunca"
			if !t.LatestRun.IsZero() {
				ultima = t.LatestRun.Format(time.TimeOnly)
			}
			fmt.Printf("    %s en %s, %s: última %s, próxima %s\n",
				t.FuncName, t.Queue, cuando, ultima,
				t.NextRun.Format(time.TimeOnly))
		}
	}
}

// contar devuelve cuántos trabajos esperan en la cola nombre.
func contar(ctx context.Context, rdb *redis.Client, nombre string) int64 {
	n, err := rqlite.NewQueue(nombre, rdb, nil).Count(ctx)
	if err != nil {
		log.Fatal(err)
	}
	return n
}
