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
	if err := conn.Reachable(pingCtx); err != nil {
		return nil, &ConnectError{URL: RedactURL(rawURL), Err: err}
	}
	rdb := conn.NewClient()
	if err := rdb.Ping(pingCtx).Err(); err != nil {
		rdb.Close()
		return nil, &ConnectError{URL: RedactURL(rawURL), Err: err}
	}
	return rdb, nil
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
// and messages. It reads the URL as text rather than with url.Parse, which
// misreads a password holding '/', '?' or '#' (taking "2024" in
// "user:2024/x@host" for a port): the credentials run from "://" to the
// last '@' that is followed by a host, and everything after their first
// ':' is hidden; the values of the password and sentinel_password
// parameters are hidden up to the next '&'. When no '@' is followed by a
// host, or rawURL has no "://", all that comes before the last '@' is
// hidden.
func RedactURL(rawURL string) string {
	scheme, rest, found := strings.Cut(rawURL, "://")
	at, hostFollows := userinfoEnd(rest)
	switch {
	case !found:
		if i := strings.LastIndex(rawURL, "@"); i >= 0 {
			return "***" + rawURL[i:]
		}
		return redactQuery(rawURL)
	case at < 0:
		return scheme + "://" + redactQuery(rest)
	case !hostFollows:
		return scheme + "://***" + rest[at:]
	}
	info := rest[:at]
	if user, _, hasPass := strings.Cut(info, ":"); hasPass {
		info = user + ":***"
	}
	return scheme + "://" + info + "@" + redactQuery(rest[at+1:])
}

// userinfoEnd finds the '@' that ends the credentials in rest, a URL after
// its "://": the last '@' that is not in a query parameter's value and is
// followed by something that may be a host[:port] (hostFollows), else the
// last '@' not in a query value. at is -1 when there is none.
func userinfoEnd(rest string) (at int, hostFollows bool) {
	at = -1
	for i := strings.LastIndex(rest, "@"); i >= 0; i = strings.LastIndex(rest[:i], "@") {
		if inQueryValue(rest[:i]) {
			continue
		}
		if at < 0 {
			at = i
		}
		host := rest[i+1:]
		if j := strings.IndexAny(host, "/?#"); j >= 0 {
			host = host[:j]
		}
		if isHostPort(host) {
			return i, true
		}
	}
	return at, false
}

// isHostPort says whether s may be a URL's host[:port].
func isHostPort(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			strings.ContainsRune(".-_~:[]%", r)
		if !ok {
			return false
		}
	}
	return true
}

// inQueryValue says whether what follows before, the start of a URL, is in
// a query parameter's value: after a '?', and after an '=' in its
// '&'-separated part.
func inQueryValue(before string) bool {
	q := strings.Index(before, "?")
	if q < 0 {
		return false
	}
	part := before[q+1:]
	if i := strings.LastIndex(part, "&"); i >= 0 {
		part = part[i+1:]
	}
	return strings.Contains(part, "=")
}

// redactQuery hides the values of the password parameters in s, the part
// of a URL after its host. A value runs to the next '&', '#' included.
func redactQuery(s string) string {
	path, query, found := strings.Cut(s, "?")
	if !found {
		return s
	}
	parts := strings.Split(query, "&")
	for i, part := range parts {
		key, _, hasValue := strings.Cut(part, "=")
		if k, err := url.QueryUnescape(key); err == nil {
			key = k
		}
		if hasValue && (key == "password" || key == "sentinel_password") {
			parts[i] = part[:strings.Index(part, "=")] + "=***"
		}
	}
	return path + "?" + strings.Join(parts, "&")
}

// SilenceRedisLogs stops go-redis from printing its own messages (failed
// dials, pool warnings) to standard error. Programs whose errors are
// reported in one line of their own, as the rq command and the demos, call
// it once at start; rqlite's errors already carry the cause.
func SilenceRedisLogs() { redis.SetLogger(silentLogger{}) }

type silentLogger struct{}

func (silentLogger) Printf(context.Context, string, ...any) {}
