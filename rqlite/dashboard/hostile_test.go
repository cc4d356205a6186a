package dashboard_test

import (
	"io"
	"log"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/colasrq/rqlite-tutorial/rqlite/dashboard"
)

// withHost sends a request as if the browser had reached the server by
// the name host (a DNS-rebinding page, for a name not the dashboard's).
func (e *env) withHost(method, path, host string, form url.Values, headers ...string) (int, string) {
	e.t.Helper()
	resp := e.request(method, path, form, func(r *http.Request) {
		if host != "" {
			r.Host = host
		}
		for i := 0; i+1 < len(headers); i += 2 {
			r.Header.Set(headers[i], headers[i+1])
		}
	})
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	must(e.t, err)
	return resp.StatusCode, string(b)
}

// refused fails the test unless a refusal is one plain line without the
// CSRF token.
func refused(t *testing.T, what string, status, want int, body string) {
	t.Helper()
	if status != want {
		t.Errorf("%s: status %d, want %d", what, status, want)
	}
	if strings.Count(body, "\n") != 1 || strings.Contains(body, "<") || tokenRE.MatchString(body) {
		t.Errorf("%s: body is not one plain line: %q", what, body)
	}
}

func TestHostHeader(t *testing.T) {
	e := newEnv(t, nil)
	port := e.srv.URL[strings.LastIndex(e.srv.URL, ":"):]
	for _, host := range []string{"evil.example" + port, "evil.example", "localhost.evil.example" + port, "127.0.0.1.nip.io" + port, "10.1.2.3" + port} {
		status, body := e.withHost(http.MethodGet, "/rq/", host, nil)
		refused(t, "GET Host "+host, status, http.StatusBadRequest, body)
	}
	for _, host := range []string{"localhost" + port, "LOCALHOST" + port, "127.0.0.1" + port, "[::1]" + port, "127.0.0.2"} {
		if status, _ := e.withHost(http.MethodGet, "/rq/", host, nil); status != http.StatusOK {
			t.Errorf("GET Host %s: %d, want 200", host, status)
		}
	}

	e = newEnv(t, &dashboard.Options{AllowedHosts: []string{"Panel.Example", ".corp.example"}})
	for host, want := range map[string]int{
		"panel.example" + port:      http.StatusOK,
		"a.b.corp.example" + port:   http.StatusOK,
		"corp.example":              http.StatusOK,
		"evilcorp.example" + port:   http.StatusBadRequest,
		"panel.example.evil" + port: http.StatusBadRequest,
		"localhost" + port:          http.StatusOK,
	} {
		if status, _ := e.withHost(http.MethodGet, "/rq/metrics", host, nil); status != want {
			t.Errorf("AllowedHosts, GET /metrics Host %s: %d, want %d", host, status, want)
		}
	}

	e = newEnv(t, &dashboard.Options{AllowedHosts: []string{"*"}})
	if status, _ := e.withHost(http.MethodGet, "/rq/", "anything.example", nil); status != http.StatusOK {
		t.Errorf(`AllowedHosts "*": %d, want 200`, status)
	}
}

// TestRebindingCannotAct is DNS rebinding: a page of evil.example whose
// name now points at the dashboard cannot get the token nor use it, and a
// form sent from another site is refused even with the token.
func TestRebindingCannotAct(t *testing.T) {
	e := newEnv(t, nil)
	e.enqueue("alpha", "test.echo", "x")
	token := e.token("/rq/")
	port := e.srv.URL[strings.LastIndex(e.srv.URL, ":"):]
	form := url.Values{"csrf_token": {token}, "next": {"/rq/"}}

	status, body := e.withHost(http.MethodPost, "/rq/queues/alpha/empty", "evil.example"+port, form, "Origin", "http://evil.example"+port)
	refused(t, "POST with a rebinding Host", status, http.StatusBadRequest, body)
	for _, h := range [][]string{
		{"Origin", "http://evil.example" + port},
		{"Origin", "null"},
		{"Origin", "https://127.0.0.1" + port + ".evil.example"},
		{"Referer", "http://evil.example/page"},
		{"Referer", "://no-scheme"},
	} {
		status, body := e.withHost(http.MethodPost, "/rq/queues/alpha/empty", "", form, h...)
		refused(t, "POST with "+h[0]+" "+h[1], status, http.StatusForbidden, body)
	}
	if n := e.llen("rq:queue:alpha"); n != 1 {
		t.Fatalf("the queue has %d jobs after refused forms, want 1", n)
	}

	// The dashboard's own pages: Origin, else Referer, names this Host.
	for _, h := range [][]string{
		{"Origin", e.srv.URL},
		{"Referer", e.srv.URL + "/rq/queues/alpha"},
		{}, // not a browser: the token is enough
	} {
		e.enqueue("alpha", "test.echo", "y")
		status, _ := e.withHost(http.MethodPost, "/rq/queues/alpha/empty", "", form, h...)
		if status != http.StatusSeeOther || e.llen("rq:queue:alpha") != 0 {
			t.Errorf("POST with %v: %d, want 303 and an empty queue", h, status)
		}
	}
}

// TestNotUTF8Names: a queue, a job and a worker whose names are not UTF-8
// (Redis takes any bytes) neither break /metrics nor the pages, and what
// they send is UTF-8.
func TestNotUTF8Names(t *testing.T) {
	e := newEnv(t, nil)
	j := e.enqueue("q\xff", "test.echo", "a\xfe")
	e.rawWorker("w\xc3", "q\xff,beta", "busy\xff")

	status, body := e.get("/rq/metrics")
	if status != http.StatusOK || !utf8.ValidString(body) {
		t.Fatalf("GET /metrics: %d, UTF-8 %v:\n%s", status, utf8.ValidString(body), body)
	}
	contains(t, "/metrics", body, `rq_jobs{queue="q\\xff",status="queued"} 1`,
		`rq_worker_failed_jobs_total{queues="q\\xff,beta",worker="w\\xc3"} 0`,
		`rq_workers{queue="q\\xff",state="busy\\xff"} 1`)
	fams := e.scrape()
	if got := values(fams["rq_jobs"])[`queue=q\xff,status=queued`]; got != 1 {
		t.Errorf(`rq_jobs{queue="q\\xff",status="queued"} = %v, want 1`, got)
	}

	for _, path := range []string{"/rq/", "/rq/queues/q%FF", "/rq/queues/q%FF/failed", "/rq/jobs/" + j.ID, "/rq/workers"} {
		status, body := e.get(path)
		if status != http.StatusOK || !utf8.ValidString(body) || strings.Contains(body, "goroutine ") {
			t.Errorf("GET %s: %d, UTF-8 %v", path, status, utf8.ValidString(body))
		}
	}
}

// rawWorker registers a worker straight in Redis, as any program could.
func (e *env) rawWorker(name, queues, state string) {
	e.t.Helper()
	must(e.t, e.rdb.SAdd(e.ctx, "rq:workers", "rq:worker:"+name).Err())
	must(e.t, e.rdb.HSet(e.ctx, "rq:worker:"+name, "queues", queues, "state", state, "current_job", "j\xff").Err())
}

// TestMetricsErrorIsOneLine: when the metrics cannot be read, /metrics
// answers 500 with one line, and the reason goes to the log only.
func TestMetricsErrorIsOneLine(t *testing.T) {
	var logged strings.Builder
	e := newEnv(t, &dashboard.Options{ErrorLog: log.New(&logged, "", 0)})
	e.rdb.Close()
	status, body := e.get("/rq/metrics")
	refused(t, "GET /metrics without Redis", status, http.StatusInternalServerError, body)
	if strings.Contains(body, "closed") || !strings.Contains(logged.String(), "client is closed") {
		t.Errorf("the reason is in the body (%q) or not in the log (%q)", body, logged.String())
	}
}
