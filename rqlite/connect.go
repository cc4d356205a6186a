package rqlite

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultURL is the Redis that rqlite uses when no other is given.
const DefaultURL = "redis://localhost:6379/0"

// Connect opens a client on the Redis at rawURL (see ParseConnection) and
// checks that it answers.
// Its errors never show the URL's password.
func Connect(ctx context.Context, rawURL string) (*redis.Client, error) {
	conn, err := ParseConnection(rawURL)
	if err != nil {
		return nil, err
	}
	rdb := conn.NewClient()
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(pingCtx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("rqlite: cannot connect to Redis at %s: %v", RedactURL(rawURL), err)
	}
	return rdb, nil
}

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
