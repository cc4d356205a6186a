// Command rqliteworker is an rqlite worker (or worker pool) with the bench's
// no-op task and nothing else, which the bench starts to measure the memory
// of an idle worker. It runs until SIGINT or SIGTERM.
//
//	rqliteworker -url redis://127.0.0.1:6379/15 -queue bench -workers 10
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

func noop(i int) {}

func main() {
	rqlite.Register("bench.noop", noop, "i")
	rqlite.ServeHorseIfChild(nil)
	url := flag.String("url", rqlite.DefaultURL, "Redis URL")
	queue := flag.String("queue", "bench", "queue to listen on")
	workers := flag.Int("workers", 1, "1 for a Worker, more for a WorkerPool")
	flag.Parse()
	if err := run(*url, *queue, *workers); err != nil {
		fmt.Fprintf(os.Stderr, "rqliteworker: %v\n", err)
		os.Exit(1)
	}
}

func run(url, queue string, workers int) error {
	ctx := context.Background()
	rdb, err := rqlite.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer rdb.Close()
	opts := &rqlite.WorkerOptions{Logger: &rqlite.Logger{Out: io.Discard, Level: rqlite.LevelWarning}}
	if workers == 1 {
		w, err := rqlite.NewWorker(rdb, []string{queue}, opts)
		if err != nil {
			return err
		}
		return w.Run(ctx)
	}
	p, err := rqlite.NewWorkerPool(rdb, []string{queue}, workers, opts)
	if err != nil {
		return err
	}
	return p.Run(ctx)
}
