package rqtest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// waitFor polls cond until it holds, failing t after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within %v", what, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// rawClient returns a client on database db that bypasses leasing.
func rawClient(t *testing.T, b *backend, db int) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(b.options(db))
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

func dbSize(t *testing.T, rdb *redis.Client) int64 {
	t.Helper()
	n, err := rdb.DBSize(ctxT(t)).Result()
	if err != nil {
		t.Fatalf("DBSIZE: %v", err)
	}
	return n
}

func TestKindAndServer(t *testing.T) {
	kind := Kind(t)
	switch kind {
	case KindRedisURL, KindRedisServer, KindEmbedded:
	default:
		t.Fatalf("Kind() = %q", kind)
	}
	if Server(t) == "" {
		t.Fatal("Server() is empty")
	}
	t.Logf("tests use %s at %s with %d databases", kind, Server(t), current(t).dbs)
}

func TestRequireRealRedis(t *testing.T) {
	embedded := Kind(t) == KindEmbedded
	var skipped bool
	t.Run("sub", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		RequireRealRedis(t)
	})
	if skipped != embedded {
		t.Fatalf("RequireRealRedis skipped = %v on %s", skipped, Kind(t))
	}
}

func TestNewGivesEmptyDatabase(t *testing.T) {
	rdb := New(t)
	db := rdb.Options().DB
	if db < 1 || db >= current(t).dbs {
		t.Fatalf("leased database %d, want 1..%d", db, current(t).dbs-1)
	}
	if n := dbSize(t, rdb); n != 0 {
		t.Fatalf("new database holds %d keys", n)
	}
	ctx := ctxT(t)
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := rdb.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("GET k = %q, %v", got, err)
	}
}

// Two leases held by one test are different databases.
func TestTwoLeasesInOneTest(t *testing.T) {
	a, b := New(t), New(t)
	u := URL(t)
	opts, err := redis.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	dbs := []int{a.Options().DB, b.Options().DB, opts.DB}
	slices.Sort(dbs)
	if len(slices.Compact(slices.Clone(dbs))) != len(dbs) {
		t.Fatalf("leases share a database: %v", dbs)
	}
}

// Two parallel tests get different databases, and each sees only its own
// data.
func TestParallelLeases(t *testing.T) {
	if p := flag.Lookup("test.parallel"); p != nil {
		if n, ok := p.Value.(flag.Getter).Get().(int); ok && n < 2 {
			t.Skipf("-test.parallel=%d runs one parallel test at a time", n)
		}
	}
	var (
		mu  sync.Mutex
		dbs = map[string]int{}
	)
	ready := map[string]chan struct{}{"a": make(chan struct{}), "b": make(chan struct{})}
	other := map[string]string{"a": "b", "b": "a"}
	t.Run("group", func(t *testing.T) {
		for _, name := range []string{"a", "b"} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				rdb := New(t)
				ctx := ctxT(t)
				if err := rdb.Set(ctx, "owner", name, 0).Err(); err != nil {
					t.Fatal(err)
				}
				mu.Lock()
				dbs[name] = rdb.Options().DB
				mu.Unlock()
				// Hold the lease until the other test holds its own.
				close(ready[name])
				select {
				case <-ready[other[name]]:
				case <-time.After(time.Minute):
					t.Fatalf("test %s did not lease a database within a minute", other[name])
				}
				if got, err := rdb.Get(ctx, "owner").Result(); err != nil || got != name {
					t.Fatalf("GET owner = %q, %v; want %q", got, err, name)
				}
			})
		}
	})
	if !t.Failed() && dbs["a"] == dbs["b"] {
		t.Fatalf("both parallel tests leased database %d", dbs["a"])
	}
}

// Goroutines leasing at once get distinct databases. Each makes a single
// round of attempts instead of waiting, so that test processes sharing a
// server cannot deadlock by holding some leases while waiting for more.
func TestConcurrentLeases(t *testing.T) {
	b := current(t)
	k := min(6, b.dbs-1)
	waitFor(t, leaseWait, "two concurrent leases", func() (bool, error) {
		leases := make([]*lease, k)
		var wg sync.WaitGroup
		for i := range k {
			wg.Go(func() { leases[i], _ = b.lease(0) })
		}
		wg.Wait()
		seen := map[int]bool{}
		for _, l := range leases {
			if l == nil {
				continue
			}
			defer l.release(context.Background())
			if l.db < 1 || l.db >= b.dbs {
				return false, fmt.Errorf("leased database %d, want 1..%d", l.db, b.dbs-1)
			}
			if seen[l.db] {
				return false, fmt.Errorf("database %d leased twice", l.db)
			}
			seen[l.db] = true
		}
		return len(seen) >= 2, nil
	})
}

// Data written by one test is gone when the database is leased next.
func TestNextLeaseFindsNoData(t *testing.T) {
	b := current(t)
	var db int
	t.Run("writer", func(t *testing.T) {
		rdb := New(t)
		db = rdb.Options().DB
		if err := rdb.Set(ctxT(t), "left-behind", "x", 0).Err(); err != nil {
			t.Fatal(err)
		}
	})
	// Lease the same database again, waiting if another process has it.
	var l *lease
	waitFor(t, leaseWait, fmt.Sprintf("database %d to be free", db), func() (bool, error) {
		var err error
		l, err = b.tryLease(ctxT(t), db)
		return l != nil, err
	})
	t.Cleanup(func() { _ = l.release(context.Background()) })
	if n := dbSize(t, rawClient(t, b, db)); n != 0 {
		t.Fatalf("database %d holds %d keys after its test ended", db, n)
	}
}

// A database that a dead holder left dirty is flushed when leased.
func TestLeaseFlushesLeftovers(t *testing.T) {
	b := current(t)
	for _, via := range []string{"New", "URL"} {
		t.Run(via, func(t *testing.T) {
			l, err := b.lease(leaseWait)
			if err != nil {
				t.Fatal(err)
			}
			if err := rawClient(t, b, l.db).Set(ctxT(t), "leftover", "x", 0).Err(); err != nil {
				t.Fatal(err)
			}
			var rdb *redis.Client
			if via == "New" {
				rdb = newClient(t, l)
			} else {
				u := leaseURL(t, l)
				opts, err := redis.ParseURL(u)
				if err != nil {
					t.Fatalf("URL %q: %v", u, err)
				}
				if opts.DB != l.db {
					t.Fatalf("URL %q names database %d, want %d", u, opts.DB, l.db)
				}
				rdb = redis.NewClient(opts)
				t.Cleanup(func() { _ = rdb.Close() })
			}
			if n := dbSize(t, rdb); n != 0 {
				t.Fatalf("leased database holds %d keys", n)
			}
		})
	}
}

func TestURL(t *testing.T) {
	u := URL(t)
	if !strings.HasPrefix(u, "redis://") && !strings.HasPrefix(u, "rediss://") && !strings.HasPrefix(u, "unix://") {
		t.Fatalf("URL() = %q", u)
	}
	opts, err := redis.ParseURL(u)
	if err != nil {
		t.Fatalf("URL() = %q: %v", u, err)
	}
	if opts.DB < 1 || opts.DB >= current(t).dbs {
		t.Fatalf("URL() = %q names database %d", u, opts.DB)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	if n := dbSize(t, rdb); n != 0 {
		t.Fatalf("database of %s holds %d keys", u, n)
	}
}

// Leases of New and URL are released when their test ends.
func TestLeasesAreReleased(t *testing.T) {
	b := current(t)
	tokens := map[int]string{}
	t.Run("holder", func(t *testing.T) {
		opts, err := redis.ParseURL(URL(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, db := range []int{New(t).Options().DB, opts.DB} {
			tok, err := b.admin.Get(ctxT(t), leaseKey(db)).Result()
			if err != nil {
				t.Fatalf("lease of database %d: %v", db, err)
			}
			tokens[db] = tok
		}
	})
	if len(tokens) != 2 {
		t.Fatalf("holder leased %d databases, want 2", len(tokens))
	}
	for db, tok := range tokens {
		got, err := b.admin.Get(ctxT(t), leaseKey(db)).Result()
		if err == nil && got == tok {
			t.Errorf("lease of database %d is still held", db)
		} else if err != nil && !errors.Is(err, redis.Nil) {
			t.Error(err)
		}
	}
}

// A holder whose lease expired and was taken over does not release the new
// holder's lease.
func TestReleaseSparesOthersLease(t *testing.T) {
	b := current(t)
	l, err := b.lease(leaseWait)
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	thief := &lease{b: b, db: l.db, token: "someone-else"}
	t.Cleanup(func() { _ = thief.release(context.Background()) })
	if err := b.admin.Set(ctx, leaseKey(l.db), thief.token, leaseTTL).Err(); err != nil {
		t.Fatal(err)
	}
	if err := l.release(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := b.admin.Get(ctx, leaseKey(l.db)).Result(); err != nil || got != thief.token {
		t.Fatalf("lease key = %q, %v; want %q", got, err, thief.token)
	}
}

func TestURLForms(t *testing.T) {
	for _, tc := range []struct{ base, want string }{
		{"redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/7"},
		{"redis://:secret@example.test:6380", "redis://:secret@example.test:6380/7"},
		{"rediss://user:pw@example.test:6380/3?dial_timeout=3s", "rediss://user:pw@example.test:6380/7?dial_timeout=3s"},
		{"unix:///run/redis.sock?db=2", "unix:///run/redis.sock?db=7"},
	} {
		b, err := connectURLForTest(tc.base)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.url(7); got != tc.want {
			t.Errorf("url(7) of %s = %s, want %s", tc.base, got, tc.want)
		}
		opts, err := redis.ParseURL(b.url(7))
		if err != nil || opts.DB != 7 {
			t.Errorf("ParseURL(%s) = DB %v, %v", b.url(7), opts, err)
		}
	}
}

// connectURLForTest builds a backend from a URL without connecting.
func connectURLForTest(raw string) (*backend, error) {
	opts, err := redis.ParseURL(raw)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	return &backend{opts: opts, base: u}, nil
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func notFound(string) (string, error) { return "", exec.ErrNotFound }

func TestChooseBackend(t *testing.T) {
	t.Run("REDIS_URL that does not answer", func(t *testing.T) {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		raw := fmt.Sprintf("redis://:pw@127.0.0.1:%d/0", port)
		_, err = chooseBackend(env(map[string]string{"REDIS_URL": raw, "CI": "true"}), exec.LookPath)
		if err == nil || !strings.Contains(err.Error(), "does not answer PING") {
			t.Fatalf("got %v, want a PING failure", err)
		}
		if strings.Contains(err.Error(), ":pw@") {
			t.Fatalf("error shows the password: %v", err)
		}
	})
	t.Run("invalid REDIS_URL", func(t *testing.T) {
		_, err := chooseBackend(env(map[string]string{"REDIS_URL": "http://127.0.0.1:1/0"}), exec.LookPath)
		if err == nil || !strings.Contains(err.Error(), "not a valid Redis URL") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("embedded refused in CI", func(t *testing.T) {
		_, err := chooseBackend(env(map[string]string{"CI": "1"}), notFound)
		if err == nil || !strings.Contains(err.Error(), "required in CI") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("embedded", func(t *testing.T) {
		b, err := chooseBackend(env(nil), notFound)
		if err != nil {
			t.Fatal(err)
		}
		defer b.stop()
		checkBackend(t, b, KindEmbedded, defaultDatabases)
	})
	t.Run("redis-server", func(t *testing.T) {
		if _, err := exec.LookPath("redis-server"); err != nil {
			t.Skip("redis-server is not on PATH")
		}
		b, err := chooseBackend(env(nil), exec.LookPath)
		if err != nil {
			t.Fatal(err)
		}
		defer b.stop()
		checkBackend(t, b, KindRedisServer, serverDatabases)
	})
	t.Run("REDIS_URL", func(t *testing.T) {
		// Point REDIS_URL at a server started for this test.
		b0, err := startEmbedded()
		if err != nil {
			t.Fatal(err)
		}
		defer b0.stop()
		b, err := chooseBackend(env(map[string]string{"REDIS_URL": "redis://" + b0.opts.Addr + "/5"}), notFound)
		if err != nil {
			t.Fatal(err)
		}
		defer b.admin.Close()
		checkBackend(t, b, KindRedisURL, defaultDatabases)
		if b.opts.DB != 0 {
			t.Fatalf("leases kept on database %d, want 0", b.opts.DB)
		}
	})
}

func checkBackend(t *testing.T, b *backend, kind string, dbs int) {
	t.Helper()
	if b.kind != kind || b.dbs != dbs {
		t.Fatalf("backend is %s with %d databases, want %s with %d", b.kind, b.dbs, kind, dbs)
	}
	l, err := b.lease(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer l.release(context.Background())
	if err := rawClient(t, b, l.db).Ping(ctxT(t)).Err(); err != nil {
		t.Fatal(err)
	}
}
