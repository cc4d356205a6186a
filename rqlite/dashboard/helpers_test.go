package dashboard_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/dashboard"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// The tasks of these tests.
func echo(s string) string  { return s }
func fail(msg string) error { return errors.New(msg) }
func block(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

// silent is a worker log that writes nothing.
var silent = &rqlite.Logger{Out: io.Discard, Err: io.Discard}

// env is a Redis database with tasks and a dashboard mounted under /rq/ of
// a test server, as a web service would mount it.
type env struct {
	t      *testing.T
	ctx    context.Context
	rdb    *redis.Client
	tasks  *rqlite.TaskRegistry
	srv    *httptest.Server
	client *http.Client // keeps cookies, does not follow redirects
}

func newEnv(t *testing.T, opts *dashboard.Options) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), rdb: rqtest.New(t), tasks: rqlite.NewTaskRegistry()}
	must(t, e.tasks.Register("test.echo", echo, "s"))
	must(t, e.tasks.Register("test.fail", fail, "msg"))
	must(t, e.tasks.Register("test.block", block))
	if opts == nil {
		opts = &dashboard.Options{}
	}
	if opts.Prefix == "" {
		opts.Prefix = "/rq/"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "the service's own page") })
	mux.Handle("/rq/", http.StripPrefix("/rq", dashboard.New(e.rdb, opts)))
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	jar, _ := cookiejar.New(nil)
	e.client = &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
	return e
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) queue(name string) *rqlite.Queue {
	return rqlite.NewQueue(name, e.rdb, &rqlite.QueueOptions{Tasks: e.tasks})
}

func (e *env) enqueue(q, task string, args ...any) *rqlite.Job {
	e.t.Helper()
	j, err := e.queue(q).Enqueue(e.ctx, task, args...)
	must(e.t, err)
	return j
}

// burst runs a worker on the queues until they are empty.
func (e *env) burst(queues ...string) {
	e.t.Helper()
	w, err := rqlite.NewWorker(e.rdb, queues, &rqlite.WorkerOptions{Burst: true, Tasks: e.tasks, Logger: silent})
	must(e.t, err)
	must(e.t, w.Work(e.ctx))
}

// startWorker runs a worker on the queues until the test ends.
func (e *env) startWorker(name string, queues ...string) {
	e.t.Helper()
	w, err := rqlite.NewWorker(e.rdb, queues, &rqlite.WorkerOptions{Name: name, Tasks: e.tasks, Logger: silent})
	must(e.t, err)
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = w.Work(ctx)
	}()
	e.t.Cleanup(func() {
		cancel()
		<-done
	})
}

// waitStatus waits until job id has the status.
func (e *env) waitStatus(id string, want rqlite.Status) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s, _ := e.rdb.HGet(e.ctx, "rq:job:"+id, "status").Result()
		if s == string(want) {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("job %s has status %q, want %q", id, s, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// get fetches a path of the test server and returns the status and body.
func (e *env) get(path string) (int, string) {
	e.t.Helper()
	return e.do(http.MethodGet, path, nil)
}

func (e *env) do(method, path string, form url.Values) (int, string) {
	e.t.Helper()
	resp := e.request(method, path, form, nil)
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	must(e.t, err)
	return resp.StatusCode, string(b)
}

func (e *env) request(method, path string, form url.Values, edit func(*http.Request)) *http.Response {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	must(e.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if edit != nil {
		edit(req)
	}
	resp, err := e.client.Do(req)
	must(e.t, err)
	return resp
}

var tokenRE = regexp.MustCompile(`name="csrf_token" value="([0-9a-f]+)"`)

// token reads the CSRF token of the forms of a page.
func (e *env) token(path string) string {
	e.t.Helper()
	_, body := e.get(path)
	m := tokenRE.FindStringSubmatch(body)
	if m == nil {
		e.t.Fatalf("no CSRF token on %s", path)
	}
	return m[1]
}

// post submits an action's form with the page's token, and returns the
// status and the Location it redirects to.
func (e *env) post(path, token, next string) (int, string) {
	e.t.Helper()
	resp := e.request(http.MethodPost, path, url.Values{"csrf_token": {token}, "next": {next}}, nil)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// contains fails the test unless body has each of the strings.
func contains(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s does not contain %q", what, w)
		}
	}
}

// lacks fails the test if body has any of the strings.
func lacks(t *testing.T, what, body string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(body, u) {
			t.Errorf("%s contains %q", what, u)
		}
	}
}

func (e *env) zcard(key string) int64 {
	e.t.Helper()
	n, err := e.rdb.ZCard(e.ctx, key).Result()
	must(e.t, err)
	return n
}

func (e *env) llen(key string) int64 {
	e.t.Helper()
	n, err := e.rdb.LLen(e.ctx, key).Result()
	must(e.t, err)
	return n
}
