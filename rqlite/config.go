package rqlite

import (
	"crypto/tls"
	"fmt"
	"math"
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
// value is replaced by the environment variable VAR, which must be set
// (an *UnsetVariableError otherwise). A queue with no connection settings
// uses the default URL of the program reading it.
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

// parseQueueConfig reads the settings of the named queue.
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
		if err := q.set(n.Content[i].Value, n.Content[i+1]); err != nil {
			return q, err
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

// set reads one setting, named key in any case, from its node; ${VAR} in
// its value is replaced by the environment variable VAR.
func (q *QueueConfig) set(key string, n *yaml.Node) error {
	setting := strings.ToUpper(key)
	if setting == "SENTINELS" {
		return q.setSentinels(n)
	}
	v, err := q.expand(key, n.Value)
	if err != nil {
		return err
	}
	if dst, ok := q.textSettings()[setting]; ok {
		*dst = v
		return nil
	}
	var ok bool
	var want string
	switch setting {
	case "PORT":
		q.Port, ok = atoiIn(v, 1, 65535)
		want = "a port number"
	case "DB":
		q.DB, ok = atoiIn(v, 0, math.MaxInt)
		want = "a database number"
	case "SSL":
		var err error
		q.SSL, err = strconv.ParseBool(strings.ToLower(v))
		ok, want = err == nil, "true or false"
	case "DEFAULT_TIMEOUT":
		var err error
		q.DefaultTimeout, err = ParseTimeout(v)
		ok = err == nil && (q.DefaultTimeout > 0 || q.DefaultTimeout == Forever)
		want = "a timeout such as 360 or 1h"
	default:
		return fmt.Errorf("rqlite: queue %q: unknown setting %q (use URL, HOST, PORT, DB, USERNAME, PASSWORD, SSL, SSL_CA_CERTS, SENTINELS, MASTER_NAME, SENTINEL_USERNAME, SENTINEL_PASSWORD or DEFAULT_TIMEOUT)", q.Name, key)
	}
	if !ok {
		return fmt.Errorf("rqlite: queue %q: %s %q is not %s", q.Name, key, v, want)
	}
	return nil
}

// expand replaces ${VAR} and $VAR in value, that of the named setting, by
// the environment variables VAR. A variable that is not set (set and
// empty is fine) is an *UnsetVariableError, rather than an empty value
// that would put the queue on the default Redis or leave it without a
// password.
func (q *QueueConfig) expand(setting, value string) (string, error) {
	unset := ""
	v := os.Expand(value, func(name string) string {
		val, ok := os.LookupEnv(name)
		if !ok && unset == "" {
			unset = name
		}
		return val
	})
	if unset != "" {
		return "", &UnsetVariableError{Queue: q.Name, Setting: setting, Variable: unset}
	}
	return v, nil
}

// An UnsetVariableError says that a setting of a queue configuration uses
// an environment variable that is not set.
type UnsetVariableError struct {
	Queue    string
	Setting  string // as the file writes it
	Variable string
}

func (e *UnsetVariableError) Error() string {
	return fmt.Sprintf("rqlite: queue %q: %s uses the environment variable %s, which is not set", e.Queue, e.Setting, e.Variable)
}

// textSettings are the fields of the settings kept as they are written, by
// the settings' names.
func (q *QueueConfig) textSettings() map[string]*string {
	return map[string]*string{
		"URL": &q.URL, "HOST": &q.Host, "USERNAME": &q.Username, "PASSWORD": &q.Password,
		"SSL_CA_CERTS": &q.SSLCACerts, "MASTER_NAME": &q.MasterName,
		"SENTINEL_USERNAME": &q.SentinelUsername, "SENTINEL_PASSWORD": &q.SentinelPassword,
	}
}

// setSentinels reads SENTINELS, a list of host:port.
func (q *QueueConfig) setSentinels(n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode {
		return fmt.Errorf("rqlite: queue %q: SENTINELS must be a list such as [localhost:26379, localhost:26380]", q.Name)
	}
	for _, s := range n.Content {
		addr, err := q.expand("SENTINELS", s.Value)
		if err != nil {
			return err
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return fmt.Errorf("rqlite: queue %q: sentinel %q is not host:port", q.Name, addr)
		}
		q.Sentinels = append(q.Sentinels, addr)
	}
	return nil
}

// atoiIn reads a decimal integer from lo to hi.
func atoiIn(s string, lo, hi int) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && lo <= n && n <= hi
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
	c, err := q.connection(defaultURL)
	if err != nil {
		return Connection{}, err
	}
	if c.Server != nil {
		q.setCredentials(c.Server)
	}
	if q.SSLCACerts != "" {
		if err := c.trust(q.SSLCACerts); err != nil {
			return c, err
		}
	}
	return c, nil
}

// connection returns where the queue's Redis is, from the settings that
// say it (SENTINELS, URL, or HOST, PORT, DB and SSL), or else from
// defaultURL.
func (q QueueConfig) connection(defaultURL string) (Connection, error) {
	switch {
	case len(q.Sentinels) > 0:
		return Connection{Sentinel: q.sentinelOptions()}, nil
	case q.URL != "":
		c, err := ParseConnection(q.URL)
		if err != nil {
			return Connection{}, fmt.Errorf("%w (queue %q)", err, q.Name)
		}
		return c, nil
	case q.Host != "" || q.Port != 0 || q.DB != 0 || q.SSL:
		opts, err := q.RedisOptions(defaultURL)
		return Connection{Server: opts}, err
	}
	return ParseConnection(defaultURL)
}

// sentinelOptions are the go-redis options of a queue reached through
// Sentinel.
func (q QueueConfig) sentinelOptions() *redis.FailoverOptions {
	o := &redis.FailoverOptions{
		MasterName: q.MasterName, SentinelAddrs: q.Sentinels, DB: q.DB,
		Username: q.Username, Password: q.Password,
		SentinelUsername: q.SentinelUsername, SentinelPassword: q.SentinelPassword,
	}
	if q.SSL {
		o.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return o
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
		if err := checkUserinfo(q.URL); err != nil {
			return nil, fmt.Errorf("rqlite: queue %q: %w", q.Name, err)
		}
		o, err := redis.ParseURL(q.URL)
		if err != nil {
			return nil, fmt.Errorf("rqlite: queue %q: invalid URL %q: %v", q.Name, RedactURL(q.URL), err)
		}
		opts = o
	case q.Host != "" || q.Port != 0 || q.DB != 0:
		opts = q.serverOptions()
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
	q.setCredentials(opts)
	return opts, nil
}

// serverOptions are the go-redis options of a queue given by HOST, PORT,
// DB and SSL, with Redis's defaults for those not given.
func (q QueueConfig) serverOptions() *redis.Options {
	host, port := q.Host, q.Port
	if host == "" {
		host = "localhost"
	}
	if port == 0 {
		port = 6379
	}
	opts := &redis.Options{Addr: net.JoinHostPort(host, strconv.Itoa(port)), DB: q.DB}
	if q.SSL {
		opts.TLSConfig = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	return opts
}

// setCredentials puts the queue's USERNAME and PASSWORD, those it gives,
// in the options of its server.
func (q QueueConfig) setCredentials(opts *redis.Options) {
	if q.Username != "" {
		opts.Username = q.Username
	}
	if q.Password != "" {
		opts.Password = q.Password
	}
}
