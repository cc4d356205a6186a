package dashboard_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/dashboard"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// registrySize is the number of finished jobs of BenchmarkRegistryPage.
const registrySize = 100_000

// BenchmarkRegistryPage renders a page from the middle of a finished
// registry of 100,000 jobs: the cost must not grow with the registry, as
// only the page's IDs and hashes are read.
func BenchmarkRegistryPage(b *testing.B) {
	ctx := context.Background()
	rdb := rqtest.New(b)
	tasks := rqlite.NewTaskRegistry()
	if err := tasks.Register("test.echo", echo, "s"); err != nil {
		b.Fatal(err)
	}

	// One real job hash, copied under 100,000 IDs, each in the registry
	// until tomorrow; written in pipelines of ZADD and HSET.
	j, err := rqlite.NewQueue("big", rdb, &rqlite.QueueOptions{Tasks: tasks}).Enqueue(ctx, "test.echo", "thumbnail.png")
	if err != nil {
		b.Fatal(err)
	}
	hash, err := rdb.HGetAll(ctx, "rq:job:"+j.ID).Result()
	if err != nil {
		b.Fatal(err)
	}
	if err := rdb.Del(ctx, "rq:job:"+j.ID, "rq:queue:big").Err(); err != nil {
		b.Fatal(err)
	}
	hash["status"] = string(rqlite.StatusFinished)
	hash["started_at"] = hash["enqueued_at"]
	hash["ended_at"] = hash["enqueued_at"]
	fields := make([]any, 0, 2*len(hash))
	for k, v := range hash {
		fields = append(fields, k, v)
	}
	expiry := float64(time.Now().Add(24 * time.Hour).Unix())
	const batch = 5_000
	for start := 0; start < registrySize; start += batch {
		_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := start; i < start+batch; i++ {
				id := fmt.Sprintf("job-%06d", i)
				p.ZAdd(ctx, "rq:finished:big", redis.Z{Score: expiry, Member: id})
				p.HSet(ctx, "rq:job:"+id, fields...)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}

	h := dashboard.New(rdb, nil)
	page := registrySize / dashboard.DefaultPageSize / 2
	req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/queues/big/finished?page=%d", page), nil)
	render := func() string {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d", req.URL, rec.Code)
		}
		return rec.Body.String()
	}
	body := render()
	first := fmt.Sprintf("job-%06d", (page-1)*dashboard.DefaultPageSize)
	if !strings.Contains(body, first) || !strings.Contains(body, fmt.Sprintf("of %d", registrySize)) {
		b.Fatalf("page %d does not list %s of %d jobs", page, first, registrySize)
	}

	for b.Loop() {
		render()
	}
}
