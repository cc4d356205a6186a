// Command asynqworker is an asynq server with a no-op handler and nothing
// else, which the bench starts to measure the memory of an idle asynq
// server. It runs until SIGINT or SIGTERM.
//
//	asynqworker -url redis://127.0.0.1:6379/15 -queue bench -concurrency 10
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

func main() {
	url := flag.String("url", "redis://127.0.0.1:6379/15", "Redis URL")
	queue := flag.String("queue", "bench", "queue to serve")
	concurrency := flag.Int("concurrency", 1, "tasks run at once")
	flag.Parse()
	o, err := redis.ParseURL(*url)
	if err != nil {
		fmt.Fprintf(os.Stderr, "asynqworker: %v\n", err)
		os.Exit(2)
	}
	mux := asynq.NewServeMux()
	mux.HandleFunc("noop", func(ctx context.Context, t *asynq.Task) error { return nil })
	srv := asynq.NewServer(asynq.RedisClientOpt{Network: o.Network, Addr: o.Addr, Username: o.Username,
		Password: o.Password, DB: o.DB, TLSConfig: o.TLSConfig},
		asynq.Config{Concurrency: *concurrency, Queues: map[string]int{*queue: 1}, LogLevel: asynq.WarnLevel})
	if err := srv.Run(mux); err != nil {
		fmt.Fprintf(os.Stderr, "asynqworker: %v\n", err)
		os.Exit(1)
	}
}
