package rqlite_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// RedactURL hides a password whatever it holds, including the passwords
// that url.Parse misreads: digits before a '/' or '?' taken for a port, a
// '#' taken for a fragment, an '@' or ':' inside.
func TestRedactURLTrickyPasswords(t *testing.T) {
	for _, tc := range []struct {
		url, secret, want string
	}{
		{"redis://default:2024/k+Q@127.0.0.1:1/0", "2024/k+Q", "redis://default:***@127.0.0.1:1/0"},
		{"redis://default:2024?k@127.0.0.1:1/0", "2024?k", "redis://default:***@127.0.0.1:1/0"},
		{"redis://default:2024@127.0.0.1:1/0", "2024", "redis://default:***@127.0.0.1:1/0"},
		{"redis://u:a#b@h:6379/0", "a#b", "redis://u:***@h:6379/0"},
		{"redis://u:a@b@h/0", "a@b", "redis://u:***@h/0"},
		{"redis://u:a:b:c@h/0", "a:b:c", "redis://u:***@h/0"},
		{"redis://u:x@h:1/y@real:6379/0", "x@h:1/y", "redis://u:***@real:6379/0"},
		{"redis://:p%2Fq@h/0", "p%2Fq", "redis://:***@h/0"},
		{"rediss://u:1/2?3#4@h/0", "1/2?3#4", "rediss://u:***@h/0"},
		{"redis://u:s3cret@/0", "s3cret", "redis://***@/0"},
		{"redis://h/0?password=a@b", "a@b", "redis://h/0?password=***"},
		{"redis://h/0?password=a#b&db=1", "a#b", "redis://h/0?password=***&db=1"},
		{"redis://u:pw1@s1:26379/0?master_name=m&pass%77ord=pw2&sentinel_password=pw3",
			"pw", "redis://u:***@s1:26379/0?master_name=m&pass%77ord=***&sentinel_password=***"},
		{"unix:///tmp/redis.sock?db=0&password=sock/pw", "sock/pw", "unix:///tmp/redis.sock?db=0&password=***"},
		{"redis://localhost:6379/0", "", "redis://localhost:6379/0"},
		{"redis://user@h/0", "", "redis://user@h/0"},
		{"no url at all s3cret@h", "s3cret", "***@h"},
	} {
		got := rqlite.RedactURL(tc.url)
		if got != tc.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tc.url, got, tc.want)
		}
		if tc.secret != "" && strings.Contains(got, tc.secret) {
			t.Errorf("RedactURL(%q) = %q shows %q", tc.url, got, tc.secret)
		}
	}
}

// A URL whose password holds '/', '?' or '#' is refused with a *URLError
// that does not show the password, rather than read with part of the
// password as the port, path or query, which go-redis's error then shows.
func TestParseConnectionPasswordMisread(t *testing.T) {
	for _, raw := range []string{
		"redis://default:2024/k+Q@127.0.0.1:1/0",
		"redis://u:a#bcd@127.0.0.1:1/0",
		"redis://u:12?bcd@127.0.0.1:1/0",
	} {
		_, err := rqlite.ParseConnection(raw)
		var ue *rqlite.URLError
		if !errors.As(err, &ue) {
			t.Errorf("ParseConnection(%q) = %v, want a *URLError", raw, err)
			continue
		}
		if strings.Contains(err.Error(), "bcd") || strings.Contains(err.Error(), "k+Q") {
			t.Errorf("ParseConnection(%q): %v shows the password", raw, err)
		}
	}
	for _, raw := range []string{
		"redis://u:a%2Fb@127.0.0.1:6379/0",
		"redis://127.0.0.1:6379/0?master_name=m&password=a/b@c",
		"redis://s1:26379/0?master_name=m&password=x?y@z",
	} {
		if _, err := rqlite.ParseConnection(raw); err != nil {
			t.Errorf("ParseConnection(%q) = %v, want no error", raw, err)
		}
	}
}

// A queue's URL whose password url.Parse would misread is refused without
// showing the password, and the error names the queue.
func TestQueueConfigURLPasswordMisread(t *testing.T) {
	c, err := rqlite.ParseConfig([]byte("high:\n  URL: redis://default:2024/k+Q@127.0.0.1:1/0\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Queues[0].RedisOptions(rqlite.DefaultURL)
	var ue *rqlite.URLError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), `"high"`) || strings.Contains(err.Error(), "k+Q") {
		t.Errorf("RedisOptions = %v, want a *URLError naming queue high without the password", err)
	}
}
