// Package rqtest gives each test a clean Redis database of its own.
//
// A test asks for a database with [New], which returns a go-redis client, or
// with [URL], which returns a redis://host:port/DB URL for a subprocess or a
// testscript script:
//
//	func TestSomething(t *testing.T) {
//		rdb := rqtest.New(t)
//		// rdb talks to an empty database that no other test uses.
//	}
//
// In a testscript Setup function, lease the database for the script itself,
// not for the test that runs all the scripts, so that each script gets a
// database of its own, released when the script ends:
//
//	Setup: func(env *testscript.Env) error {
//		env.Setenv("REDIS_URL", rqtest.URL(env.T().(testing.TB)))
//		return nil
//	},
//
// (When the scripts are run by testscript.Run, env.T() implements
// testing.TB.)
//
// # Which Redis server
//
// The server is chosen once per test process, the first time a test asks
// for one:
//
//  1. If the environment variable REDIS_URL is set, the server it names is
//     used. Its database number is ignored: rqtest picks databases itself. If
//     that server does not answer PING, every test that asks for a database
//     fails with a message saying so; rqtest never falls back to another
//     server, so that a misconfigured CI cannot silently test against
//     something else.
//  2. Otherwise, if redis-server is on PATH, rqtest starts one on a free
//     loopback port with no persistence and 64 databases, waits until it
//     answers PING, and leaves it running for the rest of the process. On
//     Linux the server is killed when the test process dies; on other systems
//     it may outlive a test binary that crashes.
//  3. Otherwise it starts an embedded server in-process
//     (github.com/alicebob/miniredis/v2). That server implements most, but not
//     all, of Redis: tests that need a real Redis call [RequireRealRedis],
//     which skips them there. When the environment variable CI is non-empty,
//     rqtest refuses the embedded server and fails instead: CI must test
//     against a real Redis.
//
// [Kind] tells which of the three was chosen.
//
// # Leases
//
// `go test ./...` runs several test binaries at once, and each of them may
// run tests and testscript scripts in parallel, all against the same
// REDIS_URL. So databases are leased across processes, through keys on
// database 0 of the server:
//
//   - Database 0 is never handed to a test; it only holds the leases.
//   - The number of databases N is read with CONFIG GET databases (16 when
//     that fails, as on the embedded server), and tests get databases 1 to
//     N-1.
//   - Database n is leased with SET rqtest:lease:<n> <random token> NX EX 1800
//     on database 0, so a lease left behind by a killed process expires after
//     30 minutes.
//   - A lease is released with a compare-and-delete Lua script, so a process
//     never releases a lease that another one holds.
//   - When no database is free, rqtest polls every 50 ms for up to 2 minutes,
//     then fails the test with a message saying so.
//
// A leased database is flushed (FLUSHDB) when it is leased and again when the
// test ends, before the lease is released. Tests therefore start empty and
// leave nothing behind, but they do flush every database they lease, so
// REDIS_URL must point at a Redis server holding no data you care about (its
// database 0 is left alone apart from the rqtest:lease:* keys).
//
// A single test may hold several leases at once, for instance one from [New]
// and one from [URL]. A test must not keep using its database after it ends,
// and should not run longer than the 30-minute lease.
package rqtest
