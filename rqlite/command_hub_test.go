package rqlite_test

import (
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// A pool's workers share one subscription to their command channels: one
// connection for the pool, not one per worker; a command reaches its own
// worker only; the subscription ends with the last worker.
func TestPoolSharesOneCommandSubscription(t *testing.T) {
	rqtest.RequireRealRedis(t) // CLIENT LIST
	b, _ := workerSetup(t)
	p, err := rqlite.NewWorkerPool(b.rdb, []string{"default"}, 3, &rqlite.WorkerOptions{Name: "pool", Tasks: b.reg,
		Logger: &rqlite.Logger{Out: io.Discard, Err: io.Discard}})
	must(t, err)
	ctx, cancel := context.WithCancel(b.ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.Work(ctx) }()
	subscribers := func() []int { return pubsubClients(t, b) }
	waitFor(t, "one subscription to the three channels", func() bool { return slices.Equal(subscribers(), []int{3}) })

	must(t, b.rdb.Publish(b.ctx, "rq:pubsub:pool-2", `{"command": "shutdown"}`).Err())
	waitFor(t, "pool-2 to stop, alone", func() bool {
		ws, err := rqlite.Workers(b.ctx, b.rdb, "")
		must(t, err)
		var names []string
		for _, w := range ws {
			names = append(names, w.Name)
		}
		slices.Sort(names)
		return slices.Equal(names, []string{"pool-1", "pool-3"}) && slices.Equal(subscribers(), []int{2})
	})
	p.RequestStop()
	must(t, <-done)
	waitFor(t, "the subscription to end", func() bool { return len(subscribers()) == 0 })
}

// pubsubClients are the channel counts of the connections to b's database
// that are subscribed to channels, as CLIENT LIST gives them.
func pubsubClients(t *testing.T, b *bundle) []int {
	t.Helper()
	list, err := b.rdb.ClientList(b.ctx).Result()
	must(t, err)
	db := "db=" + strconv.Itoa(b.rdb.Options().DB)
	var subs []int
	for _, line := range strings.Split(list, "\n") {
		fields := strings.Fields(line)
		if !slices.Contains(fields, db) {
			continue
		}
		for _, f := range fields {
			if n, ok := strings.CutPrefix(f, "sub="); ok && n != "0" {
				k, _ := strconv.Atoi(n)
				subs = append(subs, k)
			}
		}
	}
	return subs
}
