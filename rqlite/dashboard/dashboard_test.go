package dashboard_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/dashboard"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// scriptArg and scriptExc are job data that must reach the pages escaped.
const (
	scriptArg = "<script>alert('args')</script>"
	scriptExc = "<script>alert('exc')</script>"
)

// jobs are the jobs of populate.
type jobs struct {
	queued1, queued2, deferred, scheduled, canceled *rqlite.Job
	finished, failed, started                       *rqlite.Job
}

// populate fills Redis with a job in every state: in queue alpha two
// queued, a deferred, a scheduled and a canceled job; in beta a finished
// and a failed one, run by a burst worker; in gamma a job that a worker
// (busy-worker) runs until the test ends or it is stopped.
func (e *env) populate() jobs {
	e.t.Helper()
	var js jobs
	js.queued1 = e.enqueue("alpha", "test.echo", "hello")
	js.queued2 = e.enqueue("alpha", "test.echo", "world")
	var err error
	js.deferred, err = e.queue("alpha").EnqueueCall(e.ctx, "test.echo",
		&rqlite.EnqueueOptions{Args: []any{"later"}, DependsOn: []string{js.queued1.ID}, Meta: map[string]any{"owner": "<b>ana</b>"}})
	must(e.t, err)
	js.scheduled, err = e.queue("alpha").EnqueueIn(e.ctx, time.Hour, "test.echo", "in an hour")
	must(e.t, err)
	js.canceled = e.enqueue("alpha", "test.echo", "never")
	must(e.t, js.canceled.Cancel(e.ctx, false))

	js.finished = e.enqueue("beta", "test.echo", scriptArg)
	js.failed = e.enqueue("beta", "test.fail", scriptExc)
	e.burst("beta")

	js.started = e.enqueue("gamma", "test.block")
	e.startWorker("busy-worker", "gamma")
	e.waitStatus(js.started.ID, rqlite.StatusStarted)
	return js
}

func TestPages(t *testing.T) {
	e := newEnv(t, nil)
	js := e.populate()

	status, body := e.get("/rq/")
	if status != http.StatusOK {
		t.Fatalf("GET /rq/: %d\n%s", status, body)
	}
	contains(t, "the queues page", body,
		`<title>Queues · rq dashboard</title>`,
		`href="/rq/queues/alpha"`, `href="/rq/queues/beta/failed">1</a>`,
		`href="/rq/queues/alpha">2</a>`, // queued
		`href="/rq/queues/alpha/deferred">1</a>`,
		`href="/rq/queues/alpha/scheduled">1</a>`,
		`href="/rq/queues/alpha/canceled">1</a>`,
		`href="/rq/queues/beta/finished">1</a>`,
		`href="/rq/queues/gamma/started">1</a>`,
		`<strong>1</strong> worker</a>`,
		`href="/rq/static/style.css"`, `<meta http-equiv="refresh"`)

	for _, c := range []struct {
		path  string
		wants []string
	}{
		{"/rq/queues/alpha", []string{js.queued1.ID, js.queued2.ID, `test.echo(&#39;hello&#39;)`, "status-queued", "Empty queue"}},
		{"/rq/queues/alpha/queued", []string{js.queued1.ID}},
		{"/rq/queues/alpha/deferred", []string{js.deferred.ID, "status-deferred"}},
		{"/rq/queues/alpha/scheduled", []string{js.scheduled.ID, "<th>Due</th>", ">in 5"}},
		{"/rq/queues/alpha/canceled", []string{js.canceled.ID, "status-canceled"}},
		{"/rq/queues/beta/finished", []string{js.finished.ID, "status-finished"}},
		{"/rq/queues/beta/failed", []string{js.failed.ID, "status-failed", "Requeue all"}},
		{"/rq/queues/gamma/started", []string{js.started.ID, "status-started"}},
		{"/rq/workers", []string{"busy-worker", "status-busy", `href="/rq/jobs/` + js.started.ID + `"`, `href="/rq/queues/gamma"`}},
		{"/rq/jobs/" + js.failed.ID, []string{"test.fail", "Exception", "status-failed", "Requeue", "Delete", "beta"}},
		{"/rq/jobs/" + js.finished.ID, []string{"<h2>Results</h2>", "status-finished", "&lt;script&gt;"}},
		{"/rq/jobs/" + js.deferred.ID, []string{"Depends on", `href="/rq/jobs/` + js.queued1.ID + `"`, "&lt;b&gt;ana&lt;/b&gt;", "Cancel"}},
		{"/rq/jobs/" + js.queued1.ID, []string{"Dependents", `href="/rq/jobs/` + js.deferred.ID + `"`}},
		{"/rq/jobs/" + js.started.ID, []string{"busy-worker", "Stop", "status-started"}},
	} {
		status, body := e.get(c.path)
		if status != http.StatusOK {
			t.Errorf("GET %s: %d\n%s", c.path, status, body)
			continue
		}
		contains(t, c.path, body, c.wants...)
	}

	for _, path := range []string{"/rq/queues/alpha/nope", "/rq/jobs/nope", "/rq/nope", "/rq/queues/a%20b",
		"/rq/static/nope.css", "/rq/static/..%2Ftemplates%2Flayout.html", "/rq/static/%2E%2E", "/rq/static/%2E"} {
		if status, _ := e.get(path); status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, status)
		}
	}
	for path, ctype := range map[string]string{"/rq/static/style.css": "text/css", "/rq/static/dashboard.js": "javascript"} {
		resp := e.request(http.MethodGet, path, nil, nil)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), ctype) {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	// The service's own pages are untouched, and /rq goes to /rq/.
	if status, body := e.get("/"); status != http.StatusOK || body != "the service's own page" {
		t.Errorf("GET /: %d %q", status, body)
	}
	resp := e.request(http.MethodGet, "/rq", nil, nil)
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode/100 != 3 || loc != "/rq/" {
		t.Errorf("GET /rq: %d to %q", resp.StatusCode, loc)
	}
	// A job that the dashboard's serializer cannot read is shown raw, from
	// the one read of its hash that found it cannot be decoded.
	must(t, e.rdb.HSet(e.ctx, "rq:job:raw", "data", "not zlib", "status", "queued", "origin", "alpha").Err())
	cmds := rqtest.WatchCommands(e.rdb)
	_, body = e.get("/rq/jobs/raw")
	contains(t, "the raw job page", body, "cannot decode data with the json serializer", "(8 bytes)", "<th>origin</th><td>alpha</td>")
	if n := cmds.Count("evalsha"); n != 1 {
		t.Errorf("the raw job page ran %d scripts (%v), want one read of the hash", n, cmds.Names())
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, nil)
	resp := e.request(http.MethodGet, "/rq/", nil, nil)
	resp.Body.Close()
	for h, want := range map[string]string{
		"Content-Security-Policy": "frame-ancestors 'none'",
		"X-Frame-Options":         "DENY",
		"X-Content-Type-Options":  "nosniff",
	} {
		if !strings.Contains(resp.Header.Get(h), want) {
			t.Errorf("%s: %q, want %q in it", h, resp.Header.Get(h), want)
		}
	}
}

var rowRE = regexp.MustCompile(`<td class="id"><a href="/rq/jobs/([^"]+)">`)

// pageIDs returns the job IDs listed on a page, in order.
func pageIDs(body string) []string {
	var ids []string
	for _, m := range rowRE.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func TestPaging(t *testing.T) {
	e := newEnv(t, &dashboard.Options{PageSize: 25})
	q := rqlite.NewQueue("many", e.rdb, &rqlite.QueueOptions{Tasks: e.tasks, NewID: counter()})
	calls := make([]rqlite.Call, 60)
	for i := range calls {
		calls[i] = rqlite.Call{Func: "test.echo", EnqueueOptions: rqlite.EnqueueOptions{Args: []any{fmt.Sprint(i)}}}
	}
	_, err := q.EnqueueMany(e.ctx, calls)
	must(t, err)

	_, body := e.get("/rq/queues/many")
	if ids := pageIDs(body); len(ids) != 25 || ids[0] != "job-01" || ids[24] != "job-25" {
		t.Errorf("page 1 lists %v", ids)
	}
	contains(t, "page 1", body, "Page 1 of 3", "jobs 1–25 of 60", `href="/rq/queues/many?page=2" rel="next"`, `href="/rq/queues/many?page=3">Last`)
	_, body = e.get("/rq/queues/many?page=3")
	if ids := pageIDs(body); len(ids) != 10 || ids[0] != "job-51" || ids[9] != "job-60" {
		t.Errorf("page 3 lists %v", ids)
	}
	contains(t, "page 3", body, "Page 3 of 3", "jobs 51–60 of 60", `href="/rq/queues/many?page=2" rel="prev"`, `href="/rq/queues/many">« First`)
	_, body = e.get("/rq/queues/many?page=9")
	if ids := pageIDs(body); len(ids) != 0 {
		t.Errorf("page 9 lists %v", ids)
	}
	contains(t, "page 9", body, "No jobs here on page 9", `href="/rq/queues/many?page=3" rel="prev"`)
	if status, _ := e.get("/rq/queues/many?page=9223372036854775807"); status != http.StatusOK {
		t.Errorf("the last possible page: %d", status)
	}

	// A registry pages the same way, and a missing job hash shows as such.
	e.burst("many")
	must(t, e.rdb.Del(e.ctx, "rq:job:job-27").Err())
	_, body = e.get("/rq/queues/many/finished?page=2")
	if ids := pageIDs(body); len(ids) != 25 || ids[0] != "job-26" {
		t.Errorf("finished page 2 lists %v", ids)
	}
	contains(t, "finished page 2", body, "The job&#39;s data is gone")
}

// counter makes the IDs job-01, job-02…
func counter() func() string {
	n := 0
	return func() string {
		n++
		return fmt.Sprintf("job-%02d", n)
	}
}

func TestActions(t *testing.T) {
	e := newEnv(t, nil)
	js := e.populate()
	tok := e.token("/rq/")

	// Requeue one failed job: back to the page given, with a message.
	status, loc := e.post("/rq/jobs/"+js.failed.ID+"/requeue", tok, "/rq/queues/beta/failed?page=1")
	if status != http.StatusSeeOther || loc != "/rq/queues/beta/failed?done=requeued&n=1&page=1" {
		t.Errorf("requeue: %d to %q", status, loc)
	}
	if e.zcard("rq:failed:beta") != 0 || e.llen("rq:queue:beta") != 1 {
		t.Errorf("after requeue: failed %d, queued %d", e.zcard("rq:failed:beta"), e.llen("rq:queue:beta"))
	}
	_, body := e.get(loc)
	contains(t, "the page after requeue", body, `<p class="flash" role="status">Requeued 1 job.</p>`)

	// Requeue all: fail it again, and two more.
	e.enqueue("beta", "test.fail", "again")
	e.enqueue("beta", "test.fail", "and again")
	e.burst("beta")
	if n := e.zcard("rq:failed:beta"); n != 3 {
		t.Fatalf("%d failed jobs, want 3", n)
	}
	status, loc = e.post("/rq/queues/beta/requeue", tok, "/rq/")
	if status != http.StatusSeeOther || loc != "/rq/?done=requeued&n=3" {
		t.Errorf("requeue all: %d to %q", status, loc)
	}
	if e.zcard("rq:failed:beta") != 0 || e.llen("rq:queue:beta") != 3 {
		t.Errorf("after requeue all: failed %d, queued %d", e.zcard("rq:failed:beta"), e.llen("rq:queue:beta"))
	}

	// Empty a queue: its jobs are deleted.
	status, loc = e.post("/rq/queues/beta/empty", tok, "/rq/queues/beta")
	if status != http.StatusSeeOther || loc != "/rq/queues/beta?done=emptied&n=3" {
		t.Errorf("empty: %d to %q", status, loc)
	}
	if n := e.llen("rq:queue:beta"); n != 0 {
		t.Errorf("after empty: %d queued", n)
	}
	if n, _ := e.rdb.Exists(e.ctx, "rq:job:"+js.failed.ID).Result(); n != 0 {
		t.Error("after empty the job hash is still there")
	}

	// Delete a job.
	status, _ = e.post("/rq/jobs/"+js.queued2.ID+"/delete", tok, "/rq/queues/alpha")
	if n, _ := e.rdb.Exists(e.ctx, "rq:job:"+js.queued2.ID).Result(); status != http.StatusSeeOther || n != 0 {
		t.Errorf("delete: %d, hash exists %d", status, n)
	}
	if ids, _ := e.rdb.LRange(e.ctx, "rq:queue:alpha", 0, -1).Result(); len(ids) != 1 || ids[0] != js.queued1.ID {
		t.Errorf("after delete the queue holds %v", ids)
	}

	// Cancel a scheduled job; cancel it again: 409.
	status, _ = e.post("/rq/jobs/"+js.scheduled.ID+"/cancel", tok, "/rq/")
	if status != http.StatusSeeOther || e.zcard("rq:scheduled:alpha") != 0 || e.zcard("rq:canceled:alpha") != 2 {
		t.Errorf("cancel: %d, scheduled %d, canceled %d", status, e.zcard("rq:scheduled:alpha"), e.zcard("rq:canceled:alpha"))
	}
	if status, _ = e.post("/rq/jobs/"+js.scheduled.ID+"/cancel", tok, "/rq/"); status != http.StatusConflict {
		t.Errorf("cancel twice: %d, want 409", status)
	}

	// Stop the running job: its worker ends it as stopped.
	status, _ = e.post("/rq/jobs/"+js.started.ID+"/stop", tok, "/rq/jobs/"+js.started.ID)
	if status != http.StatusSeeOther {
		t.Errorf("stop: %d", status)
	}
	e.waitStatus(js.started.ID, rqlite.StatusStopped)
	if n := e.zcard("rq:failed:gamma"); n != 1 {
		t.Errorf("the stopped job is not in the failed registry (%d)", n)
	}
	// It is no longer running: 409.
	if status, _ = e.post("/rq/jobs/"+js.started.ID+"/stop", tok, "/rq/"); status != http.StatusConflict {
		t.Errorf("stop a stopped job: %d, want 409", status)
	}

	// Missing jobs and unknown actions.
	if status, _ = e.post("/rq/jobs/nope/delete", tok, "/rq/"); status != http.StatusNotFound {
		t.Errorf("delete a missing job: %d", status)
	}
	if status, _ = e.post("/rq/jobs/"+js.queued1.ID+"/explode", tok, "/rq/"); status != http.StatusNotFound {
		t.Errorf("unknown action: %d", status)
	}
	// Actions are POSTs only.
	if status, _ = e.get("/rq/jobs/" + js.queued1.ID + "/delete"); status != http.StatusMethodNotAllowed {
		t.Errorf("GET of an action: %d", status)
	}
}

func TestNextStaysInTheDashboard(t *testing.T) {
	e := newEnv(t, nil)
	e.enqueue("alpha", "test.echo", "x")
	tok := e.token("/rq/")
	for _, next := range []string{"https://evil.example/", "//evil.example/rq/", "/elsewhere", "/\\evil.example", "", "javascript:alert(1)"} {
		e.enqueue("alpha", "test.echo", "x")
		if _, loc := e.post("/rq/queues/alpha/empty", tok, next); !strings.HasPrefix(loc, "/rq/?") {
			t.Errorf("next %q sends to %q", next, loc)
		}
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t, nil)
	j := e.enqueue("alpha", "test.echo", "x")
	good := e.token("/rq/")
	for name, form := range map[string]url.Values{
		"missing": {"next": {"/rq/"}},
		"bad":     {"csrf_token": {strings.Repeat("0", len(good))}, "next": {"/rq/"}},
		"short":   {"csrf_token": {good[:10]}},
	} {
		for _, path := range []string{"/rq/queues/alpha/empty", "/rq/jobs/" + j.ID + "/delete"} {
			if status, _ := e.do(http.MethodPost, path, form); status != http.StatusForbidden {
				t.Errorf("%s token, POST %s: %d, want 403", name, path, status)
			}
		}
	}
	if n := e.llen("rq:queue:alpha"); n != 1 {
		t.Errorf("the queue has %d jobs after refused actions, want 1", n)
	}
	// Another dashboard has another token.
	other := newEnv(t, nil)
	other.enqueue("alpha", "test.echo", "x")
	if other.token("/rq/") == good {
		t.Error("two dashboards share a token")
	}
}

func TestReadOnly(t *testing.T) {
	e := newEnv(t, &dashboard.Options{ReadOnly: true})
	j := e.enqueue("alpha", "test.echo", "x")
	for _, path := range []string{"/rq/", "/rq/queues/alpha", "/rq/jobs/" + j.ID} {
		_, body := e.get(path)
		lacks(t, path, body, "<form", "csrf_token")
		contains(t, path, body, "read-only")
	}
	if status, _ := e.do(http.MethodPost, "/rq/queues/alpha/empty", url.Values{"csrf_token": {"x"}}); status != http.StatusForbidden {
		t.Errorf("POST on a read-only dashboard: %d", status)
	}
	if n := e.llen("rq:queue:alpha"); n != 1 {
		t.Errorf("the queue has %d jobs, want 1", n)
	}
}

func TestBasicAuth(t *testing.T) {
	e := newEnv(t, &dashboard.Options{Username: "admin", Password: "s3cret"})
	for _, path := range []string{"/rq/", "/rq/metrics", "/rq/workers", "/rq/static/style.css"} {
		for _, c := range []struct {
			user, pass string
			set        bool
			want       int
		}{
			{want: http.StatusUnauthorized},
			{"admin", "wrong", true, http.StatusUnauthorized},
			{"other", "s3cret", true, http.StatusUnauthorized},
			{"admin", "s3cret", true, http.StatusOK},
		} {
			resp := e.request(http.MethodGet, path, nil, func(r *http.Request) {
				if c.set {
					r.SetBasicAuth(c.user, c.pass)
				}
			})
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("GET %s as %q/%q: %d, want %d", path, c.user, c.pass, resp.StatusCode, c.want)
			}
			if c.want == http.StatusUnauthorized && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("GET %s: no basic challenge", path)
			}
		}
	}
}

func TestEscaping(t *testing.T) {
	e := newEnv(t, nil)
	js := e.populate()
	// A queue whose name is HTML too.
	e.enqueue("<i>q</i>", "test.echo", scriptArg)
	for _, path := range []string{
		"/rq/", "/rq/queues/beta/finished", "/rq/queues/beta/failed", "/rq/queues/" + url.PathEscape("<i>q</i>"),
		"/rq/jobs/" + js.finished.ID, "/rq/jobs/" + js.failed.ID, "/rq/workers",
	} {
		status, body := e.get(path)
		if status != http.StatusOK {
			t.Errorf("GET %s: %d", path, status)
		}
		lacks(t, path, body, "<script>alert", "<i>q</i>")
	}
	_, body := e.get("/rq/jobs/" + js.failed.ID)
	contains(t, "the failed job", body, "&lt;script&gt;alert(&#39;exc&#39;)&lt;/script&gt;")
	_, body = e.get("/rq/jobs/" + js.finished.ID)
	contains(t, "the finished job", body, "&lt;script&gt;alert(&#39;args&#39;)&lt;/script&gt;")
	_, body = e.get("/rq/")
	contains(t, "the queues page", body, "&lt;i&gt;q&lt;/i&gt;", `href="/rq/queues/%3Ci%3Eq%3C%2Fi%3E"`)
}

func TestRedisPasswordHidden(t *testing.T) {
	e := newEnv(t, &dashboard.Options{RedisURL: "redis://:s3cret@redis.example:6379/2"})
	_, body := e.get("/rq/")
	lacks(t, "the queues page", body, "s3cret")
	contains(t, "the queues page", body, "redis://:***@redis.example:6379/2")
	// By default, the address of the client.
	d := newEnv(t, nil)
	_, body = d.get("/rq/")
	contains(t, "the queues page", body, `<span class="redis" title="Redis">redis://`+d.rdb.Options().Addr)
}

func TestQueuesOption(t *testing.T) {
	e := newEnv(t, &dashboard.Options{Queues: []string{"beta", "alpha"}})
	js := e.populate()
	_, body := e.get("/rq/")
	if a, b := strings.Index(body, `href="/rq/queues/alpha"`), strings.Index(body, `href="/rq/queues/beta"`); a < 0 || b < 0 || b > a {
		t.Error("the queues are not shown in the order given")
	}
	lacks(t, "the queues page", body, "gamma")
	contains(t, "the queues page", body, "<strong>0</strong> workers")
	for _, path := range []string{"/rq/queues/gamma", "/rq/queues/gamma/started", "/rq/jobs/" + js.started.ID} {
		if status, _ := e.get(path); status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, status)
		}
	}
	tok := e.token("/rq/")
	if status, _ := e.post("/rq/jobs/"+js.started.ID+"/stop", tok, "/rq/"); status != http.StatusNotFound {
		t.Errorf("stop a job of another queue: %d, want 404", status)
	}
	if status, _ := e.post("/rq/queues/gamma/empty", tok, "/rq/"); status != http.StatusNotFound {
		t.Errorf("empty another queue: %d, want 404", status)
	}
	_, body = e.get("/rq/workers")
	lacks(t, "the workers page", body, "busy-worker")
}

func TestRefreshToggle(t *testing.T) {
	e := newEnv(t, &dashboard.Options{RefreshInterval: 3 * time.Second})
	_, body := e.get("/rq/workers")
	contains(t, "the default", body, `<meta http-equiv="refresh" content="3; url=/rq/workers">`, `href="/rq/workers?refresh=off"`)
	_, body = e.get("/rq/workers?refresh=off")
	lacks(t, "after turning it off", body, `http-equiv="refresh"`)
	contains(t, "after turning it off", body, `href="/rq/workers?refresh=on"`)
	// The choice is kept for the other pages.
	_, body = e.get("/rq/")
	lacks(t, "another page", body, `http-equiv="refresh"`)
	_, body = e.get("/rq/?refresh=on")
	contains(t, "after turning it on", body, `<meta http-equiv="refresh" content="3; url=/rq/">`)
}

func TestMountedAtRoot(t *testing.T) {
	rdb := newEnv(t, nil).rdb
	srv := http.Handler(dashboard.New(rdb, nil))
	for _, path := range []string{"/", "/workers", "/static/style.css", "/metrics"} {
		req, _ := http.NewRequest(http.MethodGet, path, nil)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d", path, rec.Code)
		}
		if path == "/" {
			contains(t, path, rec.Body.String(), `href="/static/style.css"`, `href="/workers"`)
		}
	}
}
