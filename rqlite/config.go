package rqlite

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.yaml.in/yaml/v3"
)

// A Config names queues and where each lives: the counterpart of
// django-rq's RQ_QUEUES setting, read from a YAML file such as
//
//	default:
//	  URL: redis://localhost:6379/0
//	  DEFAULT_TIMEOUT: 360
//	high:
//	  HOST: localhost
//	  PORT: 6379
//	  DB: 0
//	  PASSWORD: ${REDIS_PASSWORD}
//	low: {}
//
// The mapping may also sit under a top-level RQ_QUEUES key. ${VAR} in a
// value is replaced by the environment variable VAR. A queue with no
// connection settings uses the default URL of the program reading it.
type Config struct {
	// Queues, in the order of the file.
	Queues []QueueConfig
}

// QueueConfig is one queue of a Config.
type QueueConfig struct {
	Name           string
	URL            string // redis://, rediss:// or unix:// URL; see ParseConnection
	Host           string
	Port           int
	DB             int
	Username       string
	Password       string
	DefaultTimeout time.Duration // 0: DefaultTimeout

	// SSL connects over TLS (with HOST and PORT); SSLCACerts names a PEM
	// file of the certificate authorities to trust.
	SSL        bool
	SSLCACerts string

	// Sentinels (host:port) and MasterName find the master through Redis
	// Sentinel, as RQ's SENTINEL and django-rq's SENTINELS settings;
	// SentinelUsername and SentinelPassword are the Sentinels' own.
	Sentinels        []string
	MasterName       string
	SentinelUsername string
	SentinelPassword string
}

// LoadConfig reads a Config from a YAML file.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rqlite: read queue configuration: %w", err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return c, nil
}

// ParseConfig reads a Config from YAML.
func ParseConfig(data []byte) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("rqlite: invalid queue configuration: %v", err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("rqlite: the queue configuration is empty")
	}
	m := root.Content[0]
	if m.Kind == yaml.MappingNode && len(m.Content) == 2 && m.Content[0].Value == "RQ_QUEUES" {
		m = m.Content[1]
	}
	if m.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("rqlite: the queue configuration must map queue names to their settings")
	}
	c := &Config{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		q, err := parseQueueConfig(m.Content[i].Value, m.Content[i+1])
		if err != nil {
			return nil, err
		}
		if _, dup := c.Lookup(q.Name); dup {
			return nil, fmt.Errorf("rqlite: queue %q is configured twice", q.Name)
		}
		c.Queues = append(c.Queues, q)
	}
	return c, nil
}

func parseQueueConfig(name string, n *yaml.Node) (QueueConfig, error) {
	q := QueueConfig{Name: name}
	if err := ValidateQueueName(name); err != nil {
		return q, err
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return q, nil
	}
	if n.Kind != yaml.MappingNode {
		return q, fmt.Errorf("rqlite: queue %q: its settings must be a mapping such as {URL: redis://localhost:6379/0}", name)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, v := n.Content[i].Value, os.ExpandEnv(n.Content[i+1].Value)
		if strings.ToUpper(key) == "SENTINELS" {
			if n.Content[i+1].Kind != yaml.SequenceNode {
				return q, fmt.Errorf("rqlite: queue %q: SENTINELS must be a list such as [localhost:26379, localhost:26380]", name)
			}
			for _, s := range n.Content[i+1].Content {
				addr := os.ExpandEnv(s.Value)
				if _, _, err := net.SplitHostPort(addr); err != nil {
					return q, fmt.Errorf("rqlite: queue %q: sentinel %q is not host:port", name, addr)
				}
				q.Sentinels = append(q.Sentinels, addr)
			}
			continue
		}
		bad := func(want string) error {
			return fmt.Errorf("rqlite: queue %q: %s %q is not %s", name, key, v, want)
		}
		var err error
		switch strings.ToUpper(key) {
		case "URL":
			q.URL = v
		case "HOST":
			q.Host = v
		case "PORT":
			if q.Port, err = strconv.Atoi(v); err != nil || q.Port <= 0 || q.Port > 65535 {
				return q, bad("a port number")
			}
		case "DB":
			if q.DB, err = strconv.Atoi(v); err != nil || q.DB < 0 {
				return q, bad("a database number")
			}
		case "USERNAME":
			q.Username = v
		case "PASSWORD":
			q.Password = v
		case "SSL":
			if q.SSL, err = strconv.ParseBool(strings.ToLower(v)); err != nil {
				return q, bad("true or false")
			}
		case "SSL_CA_CERTS":
			q.SSLCACerts = v
		case "MASTER_NAME":
			q.MasterName = v
		case "SENTINEL_USERNAME":
			q.SentinelUsername = v
		case "SENTINEL_PASSWORD":
			q.SentinelPassword = v
		case "DEFAULT_TIMEOUT":
			if q.DefaultTimeout, err = ParseTimeout(v); err != nil || q.DefaultTimeout == 0 || (q.DefaultTimeout < 0 && q.DefaultTimeout != Forever) {
				return q, bad("a timeout such as 360 or 1h")
			}
		default:
			return q, fmt.Errorf("rqlite: queue %q: unknown setting %q (use URL, HOST, PORT, DB, USERNAME, PASSWORD, SSL, SSL_CA_CERTS, SENTINELS, MASTER_NAME, SENTINEL_USERNAME, SENTINEL_PASSWORD or DEFAULT_TIMEOUT)", name, key)
		}
	}
	if q.URL != "" && (q.Host != "" || q.Port != 0 || len(q.Sentinels) > 0) {
		return q, fmt.Errorf("rqlite: queue %q: give either URL, or HOST and PORT, or SENTINELS, not two of them", name)
	}
	if (len(q.Sentinels) > 0) != (q.MasterName != "") {
		return q, fmt.Errorf("rqlite: queue %q: SENTINELS and MASTER_NAME go together", name)
	}
	return q, nil
}

// Lookup returns the configuration of the named queue.
func (c *Config) Lookup(name string) (QueueConfig, bool) {
	for _, q := range c.Queues {
		if q.Name == name {
			return q, true
		}
	}
	return QueueConfig{}, false
}

// Connection returns where the queue's Redis is; defaultURL is used when
// the queue gives no connection settings.
func (q QueueConfig) Connection(defaultURL string) (Connection, error) {
	var c Connection
	switch {
	case len(q.Sentinels) > 0:
		c.Sentinel = &redis.FailoverOptions{
			MasterName: q.MasterName, SentinelAddrs: q.Sentinels, DB: q.DB,
			Username: q.Username, Password: q.Password,
			SentinelUsername: q.SentinelUsername, SentinelPassword: q.SentinelPassword,
		}
		if q.SSL {
			c.Sentinel.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
	case q.URL != "":
		conn, err := ParseConnection(q.URL)
		if err != nil {
			return c, fmt.Errorf("rqlite: queue %q: %w", q.Name, errors.Unwrap(err))
		}
		c = conn
	case q.Host != "" || q.Port != 0 || q.DB != 0 || q.SSL:
		opts, err := q.RedisOptions(defaultURL)
		if err != nil {
			return c, err
		}
		c.Server = opts
	default:
		conn, err := ParseConnection(defaultURL)
		if err != nil {
			return c, err
		}
		c = conn
	}
	if c.Server != nil {
		if q.Username != "" {
			c.Server.Username = q.Username
		}
		if q.Password != "" {
			c.Server.Password = q.Password
		}
	}
	if q.SSLCACerts != "" {
		if err := c.trust(q.SSLCACerts); err != nil {
			return c, err
		}
	}
	return c, nil
}

// RedisOptions returns the go-redis options for the queue's Redis when it
// is one server (not Sentinel); defaultURL is used when the queue gives no
// connection settings.
func (q QueueConfig) RedisOptions(defaultURL string) (*redis.Options, error) {
	if len(q.Sentinels) > 0 {
		return nil, fmt.Errorf("rqlite: queue %q is reached through Sentinel: use Connection", q.Name)
	}
	var opts *redis.Options
	switch {
	case q.URL != "":
		o, err := redis.ParseURL(q.URL)
		if err != nil {
			return nil, fmt.Errorf("rqlite: queue %q: invalid URL %q: %v", q.Name, RedactURL(q.URL), err)
		}
		opts = o
	case q.Host != "" || q.Port != 0 || q.DB != 0:
		host, port := q.Host, q.Port
		if host == "" {
			host = "localhost"
		}
		if port == 0 {
			port = 6379
		}
		opts = &redis.Options{Addr: net.JoinHostPort(host, strconv.Itoa(port)), DB: q.DB}
		if q.SSL {
			opts.TLSConfig = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		}
	default:
		conn, err := ParseConnection(defaultURL)
		if err != nil {
			return nil, err
		}
		if conn.Server == nil {
			return nil, fmt.Errorf("rqlite: queue %q is reached through Sentinel: use Connection", q.Name)
		}
		opts = conn.Server
	}
	if q.Username != "" {
		opts.Username = q.Username
	}
	if q.Password != "" {
		opts.Password = q.Password
	}
	return opts, nil
}
