package rqtest

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
)

// New returns a client on a Redis database leased for tb and flushed. When
// tb ends, the client is closed, the database is flushed again and the lease
// is released. See the package documentation for where the server comes
// from.
func New(tb testing.TB) *redis.Client {
	tb.Helper()
	l := mustLease(tb)
	return newClient(tb, l)
}

// URL leases a flushed database for tb like [New], but returns its URL,
// redis://host:port/DB, for a subprocess or a testscript script. When tb
// ends, the database is flushed and the lease is released.
func URL(tb testing.TB) string {
	tb.Helper()
	l := mustLease(tb)
	return leaseURL(tb, l)
}

// Server returns the host:port address of the Redis server used by the
// tests of this process (a socket path for a unix:// REDIS_URL). It leases
// nothing: use [New] or [URL] to get a database.
func Server(tb testing.TB) string {
	tb.Helper()
	return current(tb).opts.Addr
}

// Kind tells which server the tests of this process use: [KindRedisURL],
// [KindRedisServer] or [KindEmbedded].
func Kind(tb testing.TB) string {
	tb.Helper()
	return current(tb).kind
}

// RequireRealRedis skips tb when the tests use the embedded server, which
// implements most but not all of Redis (see the miniredis documentation for
// what it lacks). Call it first in tests that need the rest.
func RequireRealRedis(tb testing.TB) {
	tb.Helper()
	if Kind(tb) == KindEmbedded {
		tb.Skip("needs a real Redis server (set REDIS_URL or put redis-server on PATH); the embedded server lacks this")
	}
}

func mustLease(tb testing.TB) *lease {
	tb.Helper()
	b := current(tb)
	l, err := b.lease(leaseWait)
	if err != nil {
		tb.Fatalf("rqtest: %v", err)
	}
	return l
}

// newClient flushes the leased database and returns a client on it; it
// takes over l, ending it when tb ends.
func newClient(tb testing.TB, l *lease) *redis.Client {
	tb.Helper()
	start(tb, l)
	rdb := redis.NewClient(l.b.options(l.db))
	tb.Cleanup(func() {
		// The test may have closed it already; that error is of no
		// interest.
		_ = rdb.Close()
		end(tb, l)
	})
	return rdb
}

// leaseURL flushes the leased database and returns its URL; it takes over
// l, ending it when tb ends.
func leaseURL(tb testing.TB, l *lease) string {
	tb.Helper()
	start(tb, l)
	tb.Cleanup(func() { end(tb, l) })
	return l.b.url(l.db)
}

// start flushes a newly leased database: a holder that died may have left
// data in it. On failure the lease is released and tb fails.
func start(tb testing.TB, l *lease) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := l.b.flush(ctx, l.db); err != nil {
		_ = l.release(ctx)
		tb.Fatalf("rqtest: %v", err)
	}
}

// end flushes the database and releases the lease. The lease is released
// even if the flush fails: the next holder flushes it anyway.
func end(tb testing.TB, l *lease) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := l.b.flush(ctx, l.db); err != nil {
		tb.Errorf("rqtest: %v", err)
	}
	if err := l.release(ctx); err != nil {
		tb.Errorf("rqtest: %v", err)
	}
}

// FreePort returns a TCP port of 127.0.0.1 that nothing listens on, for a
// server that a test starts itself.
func FreePort(tb testing.TB) int {
	tb.Helper()
	port, err := freePort()
	if err != nil {
		tb.Fatal(err)
	}
	return port
}
