package rqlite

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// A Connection says where a Redis is and how to reach it: one server, or a
// master found through Redis Sentinel (RQ's SENTINEL setting, django-rq's
// SENTINELS).
type Connection struct {
	Server   *redis.Options         // one server; nil with Sentinel
	Sentinel *redis.FailoverOptions // a master through Sentinel; nil otherwise
}

// ParseConnection reads a Redis URL:
//
//	redis://[[user]:password@]host[:port][/db]      one server
//	rediss://...                                   the same over TLS
//	unix:///path/redis.sock?db=N                   a Unix socket
//	redis://[[user]:password@]sentinel1:26379/db?master_name=NAME&addr=sentinel2:26379&password=MASTERPASS
//
// With master_name, the host and the addr parameters are Sentinels, the
// URL's credentials are the Sentinels' and the username and password
// parameters are the master's. The parameter ssl_ca_certs names a PEM file
// of the certificate authorities to trust for rediss://. Other parameters
// are go-redis's (dial_timeout, read_timeout, ...).
//
// A user name or password holding '/', '?' or '#' must have them
// percent-encoded (%2F, %3F, %23): url.Parse would end the host at them.
func ParseConnection(rawURL string) (Connection, error) {
	if err := checkUserinfo(rawURL); err != nil {
		return Connection{}, err
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return Connection{}, &URLError{URL: RedactURL(rawURL)}
	}
	q := u.Query()
	caFile := q.Get("ssl_ca_certs")
	q.Del("ssl_ca_certs")
	bad := func(err error) (Connection, error) {
		msg := strings.ReplaceAll(err.Error(), rawURL, RedactURL(rawURL))
		return Connection{}, &URLError{URL: RedactURL(rawURL), Reason: msg}
	}
	var c Connection
	if q.Has("master_name") {
		username, password := q.Get("username"), q.Get("password")
		q.Del("username")
		q.Del("password")
		u.RawQuery = q.Encode()
		o, err := redis.ParseFailoverURL(u.String())
		if err != nil {
			return bad(err)
		}
		o.Username, o.Password = username, password
		c.Sentinel = o
	} else {
		u.RawQuery = q.Encode()
		o, err := redis.ParseURL(u.String())
		if err != nil {
			return bad(err)
		}
		c.Server = o
	}
	if caFile != "" {
		if err := c.trust(caFile); err != nil {
			return Connection{}, err
		}
	}
	return c, nil
}

// checkUserinfo refuses a URL whose credentials hold '/', '?' or '#',
// which url.Parse would misread, taking part of the password for a port,
// a path or a query, and go-redis would show it in its error.
func checkUserinfo(rawURL string) error {
	_, rest, found := strings.Cut(rawURL, "://")
	if !found {
		return nil
	}
	if at, _ := userinfoEnd(rest); at >= 0 && strings.ContainsAny(rest[:at], "/?#") {
		return &URLError{URL: RedactURL(rawURL),
			Reason: "the user name or password holds '/', '?' or '#': write them %2F, %3F, %23"}
	}
	return nil
}

// trust makes the TLS connections trust the certificate authorities in the
// PEM file at path.
func (c *Connection) trust(path string) error {
	pem, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("rqlite: read ssl_ca_certs: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return fmt.Errorf("rqlite: ssl_ca_certs %s holds no PEM certificate", path)
	}
	cfg := c.tlsConfig()
	if cfg == nil {
		return fmt.Errorf("rqlite: ssl_ca_certs given for a connection without TLS (use rediss://)")
	}
	cfg.RootCAs = pool
	return nil
}

func (c *Connection) tlsConfig() *tls.Config {
	if c.Server != nil {
		return c.Server.TLSConfig
	}
	return c.Sentinel.TLSConfig
}

// Reachable dials the server once, or the Sentinels in turn until one
// answers, so that a Redis that is not there gives one error at once, not
// go-redis's retries (36 s for a Sentinel refusing connections), each of
// which it logs to standard error. Each dial waits at most the dial
// timeout (the dial_timeout parameter, 5 s if not given), and all of them
// no longer than ctx allows. A connection with its own Dialer is not
// dialled.
func (c Connection) Reachable(ctx context.Context) error {
	network, addrs, timeout := "tcp", []string(nil), time.Duration(0)
	switch {
	case c.Sentinel != nil && c.Sentinel.Dialer == nil:
		addrs, timeout = c.Sentinel.SentinelAddrs, c.Sentinel.DialTimeout
	case c.Server != nil && c.Server.Dialer == nil:
		addrs, timeout = []string{c.Server.Addr}, c.Server.DialTimeout
		if c.Server.Network != "" {
			network = c.Server.Network
		}
	}
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	d := net.Dialer{Timeout: timeout}
	var err error
	for _, addr := range addrs {
		var nc net.Conn
		if nc, err = d.DialContext(ctx, network, addr); err == nil {
			return nc.Close()
		}
	}
	if err != nil && c.Sentinel != nil {
		return fmt.Errorf("no Sentinel answers: %w", err)
	}
	return err
}

// NewClient returns a go-redis client for the connection.
func (c Connection) NewClient() *redis.Client {
	if c.Sentinel != nil {
		return redis.NewFailoverClient(c.Sentinel)
	}
	return redis.NewClient(c.Server)
}

// DB is the database number.
func (c Connection) DB() int {
	if c.Sentinel != nil {
		return c.Sentinel.DB
	}
	return c.Server.DB
}

// Key identifies the connection, so that queues on the same Redis can
// share one client. It holds credentials: never show it.
func (c Connection) Key() string {
	if c.Sentinel != nil {
		o := c.Sentinel
		return fmt.Sprintf("sentinel|%s|%s|%d|%s|%s|%s|%s", strings.Join(o.SentinelAddrs, ","), o.MasterName, o.DB,
			o.Username, o.Password, o.SentinelUsername, o.SentinelPassword)
	}
	o := c.Server
	return fmt.Sprintf("%s|%s|%d|%s|%s|%t", o.Network, o.Addr, o.DB, o.Username, o.Password, o.TLSConfig != nil)
}

// String shows where the connection goes, without any password.
func (c Connection) String() string {
	if c.Sentinel != nil {
		o := c.Sentinel
		return fmt.Sprintf("master %q through Sentinel %s, db %d", o.MasterName, strings.Join(o.SentinelAddrs, ","), o.DB)
	}
	o := c.Server
	switch {
	case o.Network == "unix":
		return fmt.Sprintf("unix://%s?db=%d", o.Addr, o.DB)
	case o.TLSConfig != nil:
		return fmt.Sprintf("rediss://%s/%d", o.Addr, o.DB)
	}
	return fmt.Sprintf("redis://%s/%d", o.Addr, o.DB)
}

// A URLError says that a Redis URL cannot be read, and why.
type URLError struct {
	URL    string // with any password replaced by "***"
	Reason string // "" when the URL is not a URL at all
}

func (e *URLError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("rqlite: invalid Redis URL %q", e.URL)
	}
	return fmt.Sprintf("rqlite: invalid Redis URL %q: %s", e.URL, e.Reason)
}
