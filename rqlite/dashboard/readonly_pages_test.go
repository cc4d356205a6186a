package dashboard_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/dashboard"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// Looking changes nothing but what RQ's own viewers change. The only
// commands the pages send that Redis itself flags as writes are the
// registries' cleanup that counting a registry does in RQ (Queue.Stats:
// ZREMRANGEBYSCORE of the expired entries, the started registry's cleanup
// script), as django-rq's pages and rq info do; the workers page would
// also forget a worker whose hash is gone, as RQ's Worker.all does (none
// is, here). That holds whatever the database holds: jobs in every state,
// a running worker, a group, a live and a stale cron scheduler, limits.
// The stale cron scheduler stays in the registry, for the schedulers' own
// cleanup.
func TestPagesOnlyRead(t *testing.T) {
	e := newEnv(t, nil)
	js := e.populate()
	g, err := rqlite.NewGroup(e.rdb, "lote", &rqlite.QueueOptions{Tasks: e.tasks})
	must(t, err)
	_, err = g.EnqueueMany(e.ctx, e.queue("delta"), []rqlite.Call{{Func: "test.echo", EnqueueOptions: rqlite.EnqueueOptions{Args: []any{"g"}}}})
	must(t, err)
	must(t, rqlite.SetConcurrencyLimit(e.ctx, e.rdb, rqlite.LimitQueue, "alpha", 2))
	for name, age := range map[string]time.Duration{"live": time.Second, "stale": time.Hour} {
		must(t, e.rdb.HSet(e.ctx, "rq:cron_scheduler:"+name, "hostname", "h", "name", name,
			"created_at", "2026-03-01T09:00:00.000000Z", "config_file", "").Err())
		must(t, e.rdb.ZAdd(e.ctx, "rq:cron_schedulers", redis.Z{Score: float64(time.Now().Add(-age).Unix()), Member: name}).Err())
	}

	viewer := redis.NewClient(e.rdb.Options())
	t.Cleanup(func() { viewer.Close() })
	sent := rqtest.WatchCommands(viewer)
	srv := httptest.NewServer(dashboard.New(viewer, &dashboard.Options{}))
	t.Cleanup(srv.Close)
	for _, path := range []string{"/", "/queues/alpha", "/queues/alpha/deferred", "/queues/alpha/scheduled",
		"/queues/alpha/canceled", "/queues/beta/finished", "/queues/beta/failed", "/queues/gamma/started",
		"/jobs/" + js.failed.ID, "/jobs/" + js.deferred.ID, "/jobs/" + js.started.ID, "/workers",
		"/groups", "/groups/lote", "/cron", "/limits", "/metrics"} {
		res, err := http.Get(srv.URL + path)
		must(t, err)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, res.StatusCode)
		}
	}

	info, err := e.rdb.Command(e.ctx).Result()
	must(t, err)
	for _, name := range sent.Names() {
		c, ok := info[name]
		if name == "zremrangebyscore" || name == "evalsha" {
			continue // the registries' cleanup, as RQ counts them
		}
		if !ok || slices.Contains(c.Flags, "write") {
			t.Errorf("a GET sent %s, which Redis flags as a write (known: %v)", name, ok)
		}
	}
	if n := e.rdb.ZCard(e.ctx, "rq:cron_schedulers").Val(); n != 2 {
		t.Errorf("%d cron schedulers registered after the pages, want both (the stale one too)", n)
	}
}
