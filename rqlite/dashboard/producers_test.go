package dashboard_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/dashboard"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// The pages of what producers add beside queues: groups, cron schedulers
// and concurrency limits.

func TestGroupPages(t *testing.T) {
	e := newEnv(t, &dashboard.Options{Queues: []string{"alpha"}})
	g, err := rqlite.NewGroup(e.rdb, "informes", &rqlite.QueueOptions{Tasks: e.tasks})
	must(t, err)
	jobs, err := g.EnqueueMany(e.ctx, e.queue("alpha"), []rqlite.Call{
		{Func: "test.echo", EnqueueOptions: rqlite.EnqueueOptions{Args: []any{"uno"}}},
		{Func: "test.echo", EnqueueOptions: rqlite.EnqueueOptions{Args: []any{"dos"}}},
	})
	must(t, err)
	other, err := rqlite.NewGroup(e.rdb, "ajenos", nil)
	must(t, err)
	_, err = other.EnqueueMany(e.ctx, e.queue("beta"), []rqlite.Call{{Func: "test.echo", EnqueueOptions: rqlite.EnqueueOptions{Args: []any{"tres"}}}})
	must(t, err)

	_, body := e.get("/rq/groups")
	contains(t, "the groups page", body, `href="/rq/groups/informes">informes</a>`, `<td class="num">2</td>`, `href="/rq/groups/ajenos"`)
	_, body = e.get("/rq/groups/informes")
	contains(t, "a group's page", body, "2 jobs in the group", `href="/rq/jobs/`+jobs[0].ID+`"`, `href="/rq/jobs/`+jobs[1].ID+`"`,
		`test.echo(&#39;dos&#39;)`, `href="/rq/queues/alpha"`, "status-queued")
	// A job of a queue the dashboard does not show is counted, not shown.
	_, body = e.get("/rq/groups/ajenos")
	contains(t, "a group of another queue", body, "1 job of this page belong")
	lacks(t, "a group of another queue", body, "tres")
	// The job's page links to its group.
	_, body = e.get("/rq/jobs/" + jobs[0].ID)
	contains(t, "a job of a group", body, `<th>Group</th><td><a href="/rq/groups/informes">informes</a>`)

	for _, path := range []string{"/rq/groups/nada", "/rq/groups/a%20b"} {
		if status, _ := e.get(path); status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, status)
		}
	}
}

// A set of a million group names is read a page at a time.
func TestGroupPagesPaged(t *testing.T) {
	e := newEnv(t, &dashboard.Options{PageSize: 10})
	names := make([]any, 5000)
	for i := range names {
		names[i] = fmt.Sprintf("g%05d", i)
	}
	must(t, e.rdb.SAdd(e.ctx, "rq:groups", names...).Err())
	seen := map[string]bool{}
	path := "/rq/groups"
	for pages := 0; path != ""; pages++ {
		if pages > 5000 {
			t.Fatal("the pages never end")
		}
		_, body := e.get(path)
		for _, m := range groupLink.FindAllStringSubmatch(body, -1) {
			seen[m[1]] = true
		}
		if n := strings.Count(body, "(its jobs are gone)"); n > 100 {
			t.Fatalf("one page shows %d groups", n)
		}
		path = ""
		if m := nextLink.FindStringSubmatch(body); m != nil {
			path = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	if len(seen) != len(names) {
		t.Errorf("the pages show %d groups, want %d", len(seen), len(names))
	}
}

func TestCronPage(t *testing.T) {
	e := newEnv(t, nil)
	_, body := e.get("/rq/cron")
	contains(t, "no cron scheduler", body, "No cron scheduler is running")

	s, err := rqlite.NewCronScheduler(e.rdb, &rqlite.CronOptions{Name: "reloj", Tasks: e.tasks, Logger: silent, ConfigFile: "cron.yaml"})
	must(t, err)
	_, err = s.Register(rqlite.CronJob{Queue: "alpha", Task: "test.echo", Args: []any{"tic"}, Interval: time.Hour})
	must(t, err)
	_, err = s.Register(rqlite.CronJob{Queue: "beta", Task: "test.echo", Args: []any{"tac"}, Cron: "30 4 * * *"})
	must(t, err)
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	rqtest.WaitFor(t, 20*time.Second, "the scheduler's first run", func() bool {
		n, _ := e.rdb.LLen(e.ctx, "rq:queue:alpha").Result()
		return n == 1
	})
	_, body = e.get("/rq/cron")
	contains(t, "the cron page", body, `<h2 class="id">reloj</h2>`, "cron.yaml", "test.echo",
		`href="/rq/queues/alpha"`, "1h0m0s", `<code>30 4 * * *</code>`, ">in ")
}

func TestLimitsPage(t *testing.T) {
	e := newEnv(t, &dashboard.Options{Queues: []string{"alpha", "beta"}})
	_, body := e.get("/rq/limits")
	contains(t, "no limits", body, "No concurrency limits are set")

	must(t, rqlite.SetConcurrencyLimit(e.ctx, e.rdb, rqlite.LimitQueue, "alpha", 1))
	must(t, rqlite.SetConcurrencyLimit(e.ctx, e.rdb, rqlite.LimitQueue, "gamma", 4))
	must(t, rqlite.SetConcurrencyLimit(e.ctx, e.rdb, rqlite.LimitTask, "test.echo", 3))
	must(t, e.rdb.HSet(e.ctx, "rq:concurrency:queues", "beta", "<b>lots</b>").Err())
	j := e.enqueue("alpha", "test.block")
	e.startWorker("limited", "alpha")
	e.waitStatus(j.ID, rqlite.StatusStarted)

	_, body = e.get("/rq/limits")
	contains(t, "the limits page", body,
		`<a href="/rq/queues/alpha/started">alpha</a></td>
  <td class="num bad">1</td>
  <td class="num">1</td>`,
		"test.echo", `<td class="num">3</td>`,
		"&lt;b&gt;lots&lt;/b&gt; is not a limit")
	lacks(t, "the limits page", body, "gamma")
}

var (
	groupLink = regexp.MustCompile(`<td class="id">(g\d+)</td>`)
	nextLink  = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
)

func TestLimitMetrics(t *testing.T) {
	e := newEnv(t, &dashboard.Options{Queues: []string{"alpha", "beta"}})
	must(t, rqlite.SetConcurrencyLimit(e.ctx, e.rdb, rqlite.LimitQueue, "alpha", 1))
	must(t, rqlite.SetConcurrencyLimit(e.ctx, e.rdb, rqlite.LimitQueue, "gamma", 4))
	must(t, rqlite.SetConcurrencyLimit(e.ctx, e.rdb, rqlite.LimitTask, "test.block", 3))
	must(t, e.rdb.HSet(e.ctx, "rq:concurrency:queues", "beta", "lots").Err())
	j := e.enqueue("alpha", "test.block")
	e.startWorker("limited", "alpha")
	e.waitStatus(j.ID, rqlite.StatusStarted)

	fams := e.scrape()
	want := map[string]map[string]float64{
		"rq_concurrency_limit":   {"kind=queue,name=alpha": 1, "kind=task,name=test.block": 3},
		"rq_concurrency_running": {"kind=queue,name=alpha": 1, "kind=task,name=test.block": 1},
	}
	for fam, w := range want {
		if got := values(fams[fam]); !maps.Equal(got, w) {
			t.Errorf("%s = %v, want %v", fam, got, w)
		}
	}
}
