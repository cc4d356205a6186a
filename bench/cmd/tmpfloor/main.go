package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

func noop(i int) {}

func main() {
	rqlite.Register("bench.noop", noop, "i")
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6399", DB: 14})
	cl := asynq.NewClient(asynq.RedisClientOpt{Addr: "127.0.0.1:6399", DB: 14})
	q := rqlite.NewQueue("bench", rdb, nil)
	n := 10000
	for r := 0; r < 3; r++ {
		rdb.FlushDB(ctx)
		t0 := time.Now()
		for i := 0; i < n; i++ {
			rdb.Ping(ctx)
		}
		fmt.Printf("ping %.0f/s  ", float64(n)/time.Since(t0).Seconds())
		t0 = time.Now()
		for i := 0; i < n; i++ {
			cl.Enqueue(asynq.NewTask("noop", []byte(strconv.Itoa(i))), asynq.Queue("bench"))
		}
		fmt.Printf("asynq %.0f/s  ", float64(n)/time.Since(t0).Seconds())
		t0 = time.Now()
		for i := 0; i < n; i++ {
			if _, err := q.Enqueue(ctx, noop, i); err != nil {
				panic(err)
			}
		}
		fmt.Printf("rqlite %.0f/s\n", float64(n)/time.Since(t0).Seconds())
	}
}
