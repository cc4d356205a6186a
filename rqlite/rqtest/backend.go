package rqtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// The values returned by [Kind].
const (
	// KindRedisURL: the server named by the REDIS_URL environment variable.
	KindRedisURL = "REDIS_URL"
	// KindRedisServer: a redis-server started by rqtest from PATH.
	KindRedisServer = "redis-server"
	// KindEmbedded: an in-process github.com/alicebob/miniredis/v2 server.
	KindEmbedded = "embedded"
)

const (
	// startTimeout bounds how long a started redis-server may take to
	// answer PING.
	startTimeout = 20 * time.Second
	// pingTimeout bounds the PING that checks REDIS_URL.
	pingTimeout = 5 * time.Second
	// defaultDatabases is used when CONFIG GET databases fails.
	defaultDatabases = 16
	// serverDatabases is the number of databases of a started redis-server.
	serverDatabases = 64
)

// backend is the Redis server that the tests of this process use.
type backend struct {
	kind  string
	opts  *redis.Options // database 0
	base  *url.URL       // URL of the server; its database is replaced
	admin *redis.Client  // database 0, where the leases live
	dbs   int            // number of databases, including 0
	stop  func()         // stops a server that rqtest started
}

var (
	chosenOnce sync.Once
	chosen     *backend
	chosenErr  error
)

// current returns the backend of this process, choosing it on first use. It
// fails tb if no usable server could be had.
func current(tb testing.TB) *backend {
	tb.Helper()
	chosenOnce.Do(func() {
		chosen, chosenErr = chooseBackend(os.Getenv, exec.LookPath)
	})
	if chosenErr != nil {
		tb.Fatalf("rqtest: %v", chosenErr)
	}
	return chosen
}

// chooseBackend applies the rules of the package documentation.
func chooseBackend(getenv func(string) string, lookPath func(string) (string, error)) (*backend, error) {
	if raw := getenv("REDIS_URL"); raw != "" {
		return connectURL(raw)
	}
	if path, err := lookPath("redis-server"); err == nil {
		return startRedisServer(path)
	}
	if getenv("CI") != "" {
		return nil, errors.New("a real Redis server is required in CI (CI is set), " +
			"but REDIS_URL is unset and redis-server is not on PATH; " +
			"the embedded server is only for local runs")
	}
	return startEmbedded()
}

// connectURL uses the server named by REDIS_URL, after checking that it
// answers PING.
func connectURL(raw string) (*backend, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL is not a valid URL: %v", err)
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL=%s is not a valid Redis URL: %v", u.Redacted(), err)
	}
	opts.DB = 0
	ctx, cancel := context.WithTimeout(context.Background(), pingTimeout)
	defer cancel()
	if err := ping(ctx, opts); err != nil {
		return nil, fmt.Errorf("REDIS_URL=%s does not answer PING: %v "+
			"(start that server, or unset REDIS_URL to let rqtest start one)", u.Redacted(), err)
	}
	b := newBackend(KindRedisURL, opts, u)
	b.dbs = countDatabases(ctx, b.admin)
	if b.dbs < 2 {
		_ = b.admin.Close()
		return nil, fmt.Errorf("REDIS_URL=%s has %d database(s); rqtest needs at least 2 (database 0 is never used by tests)",
			u.Redacted(), b.dbs)
	}
	return b, nil
}

// startRedisServer starts redis-server on a free loopback port. A port
// picked as free may be taken before the server binds it, so a server that
// exits at once is retried on another port.
func startRedisServer(path string) (*backend, error) {
	var err error
	for range 3 {
		var b *backend
		var exited bool
		b, exited, err = tryRedisServer(path)
		if err == nil {
			return b, nil
		}
		if !exited {
			break
		}
	}
	return nil, err
}

func tryRedisServer(path string) (b *backend, exited bool, err error) {
	port, err := freePort()
	if err != nil {
		return nil, false, fmt.Errorf("cannot find a free loopback port for redis-server: %v", err)
	}
	dir, err := os.MkdirTemp("", "rqtest-redis-")
	if err != nil {
		return nil, false, fmt.Errorf("cannot create a directory for redis-server: %v", err)
	}
	// With no persistence the server writes nothing in its directory, so
	// the directory is removed as soon as the server runs (or fails).
	defer os.RemoveAll(dir)

	p, err := startServerProcess(path, port, dir)
	if err != nil {
		return nil, false, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	opts := &redis.Options{Addr: addr}
	if exited, err := p.waitForPing(addr, opts); err != nil {
		return nil, exited, err
	}
	u := &url.URL{Scheme: "redis", Host: addr, Path: "/0"}
	b = newBackend(KindRedisServer, opts, u)
	b.stop = func() {
		_ = b.admin.Close()
		p.kill()
	}
	ctx, cancel := context.WithTimeout(context.Background(), pingTimeout)
	defer cancel()
	b.dbs = countDatabases(ctx, b.admin)
	return b, false, nil
}

// serverProcess is a redis-server that rqtest started.
type serverProcess struct {
	path   string
	cmd    *exec.Cmd
	out    *tailBuffer // the end of its output
	waited chan error  // its exit
}

// startServerProcess starts redis-server from path on a loopback port,
// keeping nothing on disk, with dir as its directory.
func startServerProcess(path string, port int, dir string) (*serverProcess, error) {
	p := &serverProcess{path: path, out: &tailBuffer{max: 4096}, waited: make(chan error, 1)}
	p.cmd = exec.Command(path,
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--databases", strconv.Itoa(serverDatabases),
		"--dir", dir,
	)
	p.cmd.Stdout = p.out
	p.cmd.Stderr = p.out
	setPdeathsig(p.cmd)
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start %s: %v", path, err)
	}
	go func() { p.waited <- p.cmd.Wait() }()
	return p, nil
}

// kill stops the server and waits for it.
func (p *serverProcess) kill() {
	_ = p.cmd.Process.Kill()
	<-p.waited
}

// waitForPing waits for the server to answer PING on addr. It fails if the
// server exits first (exited), or kills it if it has not answered within
// startTimeout.
func (p *serverProcess) waitForPing(addr string, opts *redis.Options) (exited bool, err error) {
	deadline := time.Now().Add(startTimeout)
	for {
		perr := pingOnce(addr, opts)
		if perr == nil {
			return false, nil
		}
		select {
		case werr := <-p.waited:
			return true, fmt.Errorf("%s exited before answering PING on %s (%v): %s",
				p.path, addr, werr, p.out.oneLine())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.kill()
			return false, fmt.Errorf("%s did not answer PING on %s within %v (last error: %v): %s",
				p.path, addr, startTimeout, perr, p.out.oneLine())
		}
	}
}

// startEmbedded starts an in-process miniredis server on a loopback port.
func startEmbedded() (*backend, error) {
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		return nil, fmt.Errorf("cannot start the embedded Redis server: %v", err)
	}
	addr := m.Addr()
	u := &url.URL{Scheme: "redis", Host: addr, Path: "/0"}
	b := newBackend(KindEmbedded, &redis.Options{Addr: addr}, u)
	b.stop = func() {
		_ = b.admin.Close()
		m.Close()
	}
	b.dbs = defaultDatabases
	return b, nil
}

// ping sends one PING through a client of its own that neither retries
// nor redials, so that a server that is down fails fast.
func ping(ctx context.Context, opts *redis.Options) error {
	o := *opts
	o.MaxRetries = -1
	o.DialerRetries = 1
	o.PoolSize = 1
	rdb := redis.NewClient(&o)
	defer rdb.Close()
	return rdb.Ping(ctx).Err()
}

// pingOnce pings a server that may not listen yet. It first checks that the
// port accepts connections, so that waiting for a starting server does not
// fill the log with go-redis dial errors.
func pingOnce(addr string, opts *redis.Options) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	_ = conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return ping(ctx, opts)
}

func newBackend(kind string, opts *redis.Options, base *url.URL) *backend {
	return &backend{
		kind:  kind,
		opts:  opts,
		base:  base,
		admin: redis.NewClient(opts),
	}
}

// countDatabases returns the server's number of databases, or
// defaultDatabases when CONFIG GET is refused (as by miniredis or by
// managed servers).
func countDatabases(ctx context.Context, rdb *redis.Client) int {
	m, err := rdb.ConfigGet(ctx, "databases").Result()
	if err != nil {
		return defaultDatabases
	}
	n, err := strconv.Atoi(m["databases"])
	if err != nil || n <= 0 {
		return defaultDatabases
	}
	return n
}

// options returns client options for database db.
func (b *backend) options(db int) *redis.Options {
	o := *b.opts
	o.DB = db
	return &o
}

// url returns the URL of database db.
func (b *backend) url(db int) string {
	u := *b.base
	if u.Scheme == "unix" {
		q := u.Query()
		q.Set("db", strconv.Itoa(db))
		u.RawQuery = q.Encode()
	} else {
		u.Path = "/" + strconv.Itoa(db)
		u.RawPath = ""
	}
	return u.String()
}

// flush empties database db through a connection of its own, so that it
// works whatever the test did with its client.
func (b *backend) flush(ctx context.Context, db int) error {
	o := b.options(db)
	o.PoolSize = 1
	rdb := redis.NewClient(o)
	defer rdb.Close()
	if err := rdb.FlushDB(ctx).Err(); err != nil {
		return fmt.Errorf("cannot flush database %d of %s: %v", db, b.opts.Addr, err)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last max bytes written to it, where a failing
// server says why; it is safe for concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if extra := len(t.buf) - t.max; extra > 0 {
		t.buf = append(t.buf[:0], t.buf[extra:]...)
	}
	return len(p), nil
}

// oneLine returns what was kept, on one line.
func (t *tailBuffer) oneLine() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.Join(strings.Fields(string(t.buf)), " ")
	if s == "" {
		return "(no output)"
	}
	return "output: " + s
}
