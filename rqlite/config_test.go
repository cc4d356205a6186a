package rqlite_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// Each setting of a queue configuration is read into its field, whatever
// the case of its name, with ${VAR} replaced.
func TestParseConfigSettings(t *testing.T) {
	t.Setenv("RQLITE_TEST_PASSWORD", "s3cret")
	c, err := rqlite.ParseConfig([]byte(`RQ_QUEUES:
  default:
    url: redis://localhost:6379/0
    DEFAULT_TIMEOUT: 1h
  high:
    HOST: redis.example
    Port: 6380
    DB: 2
    USERNAME: ana
    PASSWORD: ${RQLITE_TEST_PASSWORD}
    SSL: "True"
    SSL_CA_CERTS: /etc/ca.pem
  sentinel:
    SENTINELS: [s1:26379, s2:26379]
    MASTER_NAME: mymaster
    SENTINEL_USERNAME: sa
    SENTINEL_PASSWORD: sp
    DEFAULT_TIMEOUT: -1
  low:
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []rqlite.QueueConfig{
		{Name: "default", URL: "redis://localhost:6379/0", DefaultTimeout: time.Hour},
		{Name: "high", Host: "redis.example", Port: 6380, DB: 2, Username: "ana", Password: "s3cret", SSL: true, SSLCACerts: "/etc/ca.pem"},
		{Name: "sentinel", Sentinels: []string{"s1:26379", "s2:26379"}, MasterName: "mymaster",
			SentinelUsername: "sa", SentinelPassword: "sp", DefaultTimeout: rqlite.Forever},
		{Name: "low"},
	}
	if !reflect.DeepEqual(c.Queues, want) {
		t.Errorf("ParseConfig:\n got %+v\nwant %+v", c.Queues, want)
	}
}

// A bad configuration is refused with one message that names the queue
// and the setting.
func TestParseConfigErrors(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"", "rqlite: the queue configuration is empty"},
		{"[a, b]", "rqlite: the queue configuration must map queue names to their settings"},
		{"a: {}\na: {}", `rqlite: queue "a" is configured twice`},
		{"a b: {}", `rqlite: invalid queue name "a b": use no spaces, commas or control characters`},
		{"a: [1]", `rqlite: queue "a": its settings must be a mapping such as {URL: redis://localhost:6379/0}`},
		{"a: {port: 0}", `rqlite: queue "a": port "0" is not a port number`},
		{"a: {PORT: 65536}", `rqlite: queue "a": PORT "65536" is not a port number`},
		{"a: {PORT: x}", `rqlite: queue "a": PORT "x" is not a port number`},
		{"a: {DB: -1}", `rqlite: queue "a": DB "-1" is not a database number`},
		{"a: {SSL: maybe}", `rqlite: queue "a": SSL "maybe" is not true or false`},
		{"a: {DEFAULT_TIMEOUT: 0}", `rqlite: queue "a": DEFAULT_TIMEOUT "0" is not a timeout such as 360 or 1h`},
		{"a: {DEFAULT_TIMEOUT: -2}", `rqlite: queue "a": DEFAULT_TIMEOUT "-2" is not a timeout such as 360 or 1h`},
		{"a: {DEFAULT_TIMEOUT: 1x}", `rqlite: queue "a": DEFAULT_TIMEOUT "1x" is not a timeout such as 360 or 1h`},
		{"a: {TIMEOUT: 1}", `rqlite: queue "a": unknown setting "TIMEOUT" (use URL, HOST, PORT, DB, USERNAME, PASSWORD, SSL, SSL_CA_CERTS, SENTINELS, MASTER_NAME, SENTINEL_USERNAME, SENTINEL_PASSWORD or DEFAULT_TIMEOUT)`},
		{"a: {SENTINELS: s1:26379}", `rqlite: queue "a": SENTINELS must be a list such as [localhost:26379, localhost:26380]`},
		{"a: {SENTINELS: [s1], MASTER_NAME: m}", `rqlite: queue "a": sentinel "s1" is not host:port`},
		{"a: {SENTINELS: ['s1:1']}", `rqlite: queue "a": SENTINELS and MASTER_NAME go together`},
		{"a: {URL: redis://h/0, HOST: h}", `rqlite: queue "a": give either URL, or HOST and PORT, or SENTINELS, not two of them`},
	} {
		if _, err := rqlite.ParseConfig([]byte(c.yaml)); err == nil || err.Error() != c.want {
			t.Errorf("ParseConfig(%q) = %v, want %s", c.yaml, err, c.want)
		}
	}
}

// Where a queue's Redis is: its URL, its HOST and PORT with its
// credentials, or the default URL.
func TestQueueConfigConnection(t *testing.T) {
	for _, c := range []struct {
		q    rqlite.QueueConfig
		want string
	}{
		{rqlite.QueueConfig{Name: "a", URL: "redis://h:7000/3", Password: "pw"}, "redis://h:7000/3"},
		{rqlite.QueueConfig{Name: "a", Port: 7001, Username: "u"}, "redis://localhost:7001/0"},
		{rqlite.QueueConfig{Name: "a"}, "redis://d:6379/5"},
	} {
		conn, err := c.q.Connection("redis://d:6379/5")
		if err != nil {
			t.Fatalf("%+v: %v", c.q, err)
		}
		if got := conn.String(); got != c.want || conn.Server.Username != c.q.Username || conn.Server.Password != c.q.Password {
			t.Errorf("%+v: Connection = %s (user %q, password %q), want %s", c.q, got, conn.Server.Username, conn.Server.Password, c.want)
		}
	}
	s, err := rqlite.QueueConfig{Name: "a", Sentinels: []string{"s:26379"}, MasterName: "m", SSL: true}.Connection("")
	if err != nil || s.Sentinel == nil || s.Sentinel.MasterName != "m" || s.Sentinel.TLSConfig == nil || s.Server != nil {
		t.Errorf("Sentinel: Connection = %+v, %v", s, err)
	}
}

// A queue's URL that cannot be read is a *URLError that names the queue.
func TestQueueConfigConnectionBadURL(t *testing.T) {
	_, err := rqlite.QueueConfig{Name: "informes", URL: "localhost:6390"}.Connection(rqlite.DefaultURL)
	var ue *rqlite.URLError
	if !errors.As(err, &ue) || ue.URL != "localhost:6390" {
		t.Fatalf("Connection = %v, want a *URLError", err)
	}
	want := `rqlite: invalid Redis URL "localhost:6390": redis: invalid URL scheme: localhost (queue "informes")`
	if err.Error() != want {
		t.Errorf("Connection error = %q, want %q", err, want)
	}
}
