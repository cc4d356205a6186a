package rqlite

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultURL is the Redis that rqlite uses when no other is given.
const DefaultURL = "redis://localhost:6379/0"

// Connect opens a client on the Redis at rawURL (see ParseConnection; ""
// means DefaultURL, so that os.Getenv("REDIS_URL") can be passed as it is)
// and checks that it answers. A server that does not answer gives a
// *ConnectError; a URL that cannot be read, ParseConnection's error.
// Its errors never show the URL's password.
func Connect(ctx context.Context, rawURL string) (*redis.Client, error) {
	if rawURL == "" {
		rawURL = DefaultURL
	}
	conn, err := ParseConnection(rawURL)
	if err != nil {
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := reachable(pingCtx, conn); err != nil {
		return nil, &ConnectError{URL: RedactURL(rawURL), Err: err}
	}
	rdb := conn.NewClient()
	if err := rdb.Ping(pingCtx).Err(); err != nil {
		rdb.Close()
		return nil, &ConnectError{URL: RedactURL(rawURL), Err: err}
	}
	return rdb, nil
}

// reachable dials a single server once, so that a server that is not
// there gives one error at once, not go-redis's retries, each of which it
// logs to standard error. Sentinels are left to go-redis.
func reachable(ctx context.Context, conn Connection) error {
	if conn.Server == nil || conn.Server.Dialer != nil {
		return nil
	}
	network := conn.Server.Network
	if network == "" {
		network = "tcp"
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, network, conn.Server.Addr)
	if err != nil {
		return err
	}
	return c.Close()
}

// A ConnectError says that the Redis at URL did not answer PING, and why:
// Err is the cause as go-redis gives it (a refused connection, a database
// index out of range, a wrong password...).
type ConnectError struct {
	URL string // with any password replaced by "***"
	Err error
}

func (e *ConnectError) Error() string {
	return fmt.Sprintf("rqlite: cannot connect to Redis at %s: %v", e.URL, e.Err)
}

func (e *ConnectError) Unwrap() error { return e.Err }

// RedactURL returns rawURL with any password replaced by "***", for logs
// and messages.
func RedactURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		if i := strings.LastIndex(rawURL, "@"); i >= 0 {
			return "***" + rawURL[i:]
		}
		return rawURL
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "***")
	}
	q := u.Query()
	changed := false
	for _, k := range []string{"password", "sentinel_password"} {
		if q.Has(k) {
			q.Set(k, "***")
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return strings.Replace(u.String(), "%2A%2A%2A", "***", -1)
}

// SilenceRedisLogs stops go-redis from printing its own messages (failed
// dials, pool warnings) to standard error. Programs whose errors are
// reported in one line of their own, as the rq command and the demos, call
// it once at start; rqlite's errors already carry the cause.
func SilenceRedisLogs() { redis.SetLogger(silentLogger{}) }

type silentLogger struct{}

func (silentLogger) Printf(context.Context, string, ...any) {}
