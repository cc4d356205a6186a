package cli

import (
	"bytes"
	"context"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
	"github.com/redis/go-redis/v9"
)

var listeningRE = regexp.MustCompile(`Embedded Redis server listening on (redis://\S+) \(development only; data is kept in memory\)\. Press Ctrl-C to stop\.\n`)

func TestDevServer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &rqtest.Buffer{}
	root := New()
	root.SetArgs([]string{"dev-server", "--addr", "127.0.0.1:0"})
	root.SetOut(out)
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	var url string
	rqtest.WaitFor(t, 10*time.Second, "the listening message", func() bool {
		select {
		case err := <-done:
			t.Fatalf("dev-server returned early: %v; output: %q", err, out.String())
		default:
		}
		m := listeningRE.FindStringSubmatch(out.String())
		if m != nil {
			url = m[1]
		}
		return m != nil
	})
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("announced URL %q: %v", url, err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	pingCtx, pingCancel := context.WithTimeout(ctx, 10*time.Second)
	defer pingCancel()
	if err := rdb.Set(pingCtx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET on %s: %v", url, err)
	}
	if got, err := rdb.Get(pingCtx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("GET on %s = %q, %v", url, got, err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("dev-server: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("dev-server did not stop within 10s of its context's end")
	}
	if !strings.HasSuffix(out.String(), "\nEmbedded Redis server stopped.\n") {
		t.Fatalf("output = %q", out.String())
	}
	if conn, err := net.DialTimeout("tcp", opts.Addr, time.Second); err == nil {
		conn.Close()
		t.Fatalf("server on %s still accepts connections after stopping", url)
	}
}

// The servers of rq say in one line that their address is taken, and
// which flag chooses another.
func TestServersAddressInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addr := l.Addr().String()
	for _, args := range [][]string{
		{"dev-server", "--addr", addr},
		{"dashboard", "--listen", addr, "-u", rqtest.URL(t)},
	} {
		var stdout, stderr bytes.Buffer
		if status := run(args, &stdout, &stderr); status != 1 {
			t.Fatalf("rq %v: exit status %d, want 1", args, status)
		}
		msg := stderr.String()
		if strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "Error: ") ||
			!strings.Contains(msg, addr) || !strings.Contains(msg, "already in use") ||
			!strings.Contains(msg, args[1]) {
			t.Errorf("rq %v: stderr = %q, want one line naming %s and %s", args, msg, addr, args[1])
		}
		if stdout.Len() != 0 {
			t.Errorf("rq %v: stdout = %q", args, stdout.String())
		}
	}
}

func TestErrorsAreOneLine(t *testing.T) {
	for _, args := range [][]string{
		{"dev-serv"},
		{"--no-such-flag"},
		{"dev-server", "extra-argument"},
	} {
		var stdout, stderr bytes.Buffer
		if status := run(args, &stdout, &stderr); status != 1 {
			t.Errorf("rq %v: exit status %d, want 1", args, status)
		}
		msg := stderr.String()
		if strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "Error: ") {
			t.Errorf("rq %v: stderr = %q, want one Error: line", args, msg)
		}
	}
}

func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if status := run([]string{"--help"}, &stdout, &stderr); status != 0 {
		t.Fatalf("exit status %d; stderr %q", status, stderr.String())
	}
	for _, want := range []string{"rq: command-line tool of rqlite, a Go port of Python RQ", "dev-server", "--url", "--config", "--serializer"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, stdout.String())
		}
	}
}

func TestGlobalFlags(t *testing.T) {
	t.Setenv("REDIS_URL", "")
	flags := New().PersistentFlags()
	for name, want := range map[string]string{"url": rqlite.DefaultURL, "config": "", "serializer": "json"} {
		if got := flags.Lookup(name).DefValue; got != want {
			t.Errorf("--%s defaults to %q, want %q", name, got, want)
		}
	}
	for short, name := range map[string]string{"u": "url", "c": "config", "S": "serializer"} {
		if f := flags.ShorthandLookup(short); f == nil || f.Name != name {
			t.Errorf("-%s is not --%s", short, name)
		}
	}

	t.Setenv("REDIS_URL", "redis://:secret@redis.example:6380/3")
	f := New().PersistentFlags().Lookup("url")
	if got := f.Value.String(); got != "redis://:secret@redis.example:6380/3" {
		t.Errorf("--url defaults to %q with REDIS_URL set", got)
	}
	if strings.Contains(f.DefValue, "secret") {
		t.Errorf("help shows the password: %q", f.DefValue)
	}
}

func TestRedisURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:6379": "redis://127.0.0.1:6379/0",
		"[::]:6379":      "redis://localhost:6379/0",
		"0.0.0.0:7000":   "redis://localhost:7000/0",
		"[::1]:6379":     "redis://[::1]:6379/0",
	} {
		if got := redisURL(addr); got != want {
			t.Errorf("redisURL(%q) = %q, want %q", addr, got, want)
		}
	}
}
