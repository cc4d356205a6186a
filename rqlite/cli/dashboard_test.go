package cli

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

var dashboardRE = regexp.MustCompile(`at (http://\S+)/ \(metrics`)

// rq dashboard answers the Host names of --allowed-host and the loopback
// ones, and refuses the others (DNS rebinding) with 400.
func TestDashboardAllowedHost(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &rqtest.Buffer{}
	root := New()
	root.SetArgs([]string{"dashboard", "--listen", "127.0.0.1:0", "-u", rqtest.URL(t),
		"--allowed-host", "panel.example", "--allowed-host", ".corp.example"})
	root.SetOut(out)
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	var base string
	rqtest.WaitFor(t, 10*time.Second, "the listening message", func() bool {
		m := dashboardRE.FindStringSubmatch(out.String())
		if m != nil {
			base = m[1]
		}
		return m != nil
	})
	port := base[strings.LastIndex(base, ":"):]
	for host, want := range map[string]int{
		"panel.example" + port:   http.StatusOK,
		"x.corp.example" + port:  http.StatusOK,
		"localhost" + port:       http.StatusOK,
		"127.0.0.1" + port:       http.StatusOK,
		"evil.example" + port:    http.StatusBadRequest,
		"panel.example.evil.net": http.StatusBadRequest,
	} {
		req, err := http.NewRequest(http.MethodGet, base+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET / with Host %s: %d, want %d", host, resp.StatusCode, want)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("rq dashboard: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("rq dashboard did not stop within 10s of its context's end")
	}
}

func TestDashboardAllowedHostInvalid(t *testing.T) {
	for _, h := range []string{"panel.example:9181", "", "http://panel.example/"} {
		var stdout, stderr bytes.Buffer
		if status := run([]string{"dashboard", "--allowed-host", h}, &stdout, &stderr); status != 1 {
			t.Errorf("--allowed-host %q: exit status %d, want 1", h, status)
		}
		if msg := stderr.String(); strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "invalid --allowed-host") {
			t.Errorf("--allowed-host %q: stderr = %q", h, msg)
		}
	}
}

func TestAllowedHostsAddsListenName(t *testing.T) {
	got, err := allowedHosts("mi-maquina", []string{"panel.example", "*"})
	if err != nil || strings.Join(got, " ") != "panel.example * mi-maquina" {
		t.Errorf("allowedHosts = %q, %v", got, err)
	}
	if got, _ := allowedHosts("0.0.0.0", nil); len(got) != 0 {
		t.Errorf("an IP address of --listen is added: %q", got)
	}
}
