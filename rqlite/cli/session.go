package cli

import (
	"context"
	"fmt"
	"sort"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// session is what a subcommand works with: the queue configuration and
// one Redis client per distinct connection, opened on first use.
type session struct {
	g       *globalOptions
	cfg     *rqlite.Config // empty without --config
	ser     rqlite.Serializer
	clients map[string]*redis.Client
}

// open reads the global flags: the configuration file and the serializer.
// It does not connect yet.
func (g *globalOptions) open() (*session, error) {
	s := &session{g: g, cfg: &rqlite.Config{}, clients: map[string]*redis.Client{}}
	if g.config != "" {
		cfg, err := rqlite.LoadConfig(g.config)
		if err != nil {
			return nil, err
		}
		s.cfg = cfg
	}
	ser, err := rqlite.SerializerByName(g.serializer)
	if err != nil {
		return nil, err
	}
	s.ser = ser
	return s, nil
}

// close closes every client.
func (s *session) close() {
	for _, c := range s.clients {
		c.Close()
	}
}

// queueConfig returns the configuration of queue name: its entry in the
// configuration file, or the default connection.
func (s *session) queueConfig(name string) rqlite.QueueConfig {
	if q, ok := s.cfg.Lookup(name); ok {
		return q
	}
	return rqlite.QueueConfig{Name: name}
}

// client returns the client of queue name's Redis, connecting (and
// checking that it answers) the first time.
func (s *session) client(ctx context.Context, name string) (*redis.Client, error) {
	conn, err := s.queueConfig(name).Connection(s.g.url)
	if err != nil {
		return nil, err
	}
	key := conn.Key()
	if c, ok := s.clients[key]; ok {
		return c, nil
	}
	if err := conn.Reachable(ctx); err != nil {
		return nil, fmt.Errorf("cannot connect to Redis at %s: %v", conn, err)
	}
	c := conn.NewClient()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("cannot connect to Redis at %s: %v", conn, err)
	}
	s.clients[key] = c
	return c, nil
}

// queue returns the rqlite.Queue called name, on its Redis.
func (s *session) queue(ctx context.Context, name string) (*rqlite.Queue, error) {
	if err := rqlite.ValidateQueueName(name); err != nil {
		return nil, err
	}
	c, err := s.client(ctx, name)
	if err != nil {
		return nil, err
	}
	qc := s.queueConfig(name)
	return rqlite.NewQueue(name, c, &rqlite.QueueOptions{DefaultTimeout: qc.DefaultTimeout, Serializer: s.ser, RQ2: s.g.rq2}), nil
}

// queueNames returns the queues a command is about: those named on the
// command line; else those of the configuration file, in its order; else
// every queue known to Redis (rq:queues), sorted.
func (s *session) queueNames(ctx context.Context, args []string) ([]string, error) {
	if len(args) > 0 {
		for _, a := range args {
			if err := rqlite.ValidateQueueName(a); err != nil {
				return nil, err
			}
		}
		return args, nil
	}
	if len(s.cfg.Queues) > 0 {
		names := make([]string, len(s.cfg.Queues))
		for i, q := range s.cfg.Queues {
			names[i] = q.Name
		}
		return names, nil
	}
	c, err := s.client(ctx, rqlite.DefaultQueue)
	if err != nil {
		return nil, err
	}
	names, err := rqlite.AllQueues(ctx, c)
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}

// displayAddr shows where a client connects, without its password.
func displayAddr(o *redis.Options) string {
	return rqlite.Connection{Server: o}.String()
}

// withDefaultClient opens a session and runs f with the client of the
// default queue's Redis: what the commands that act on a whole Redis (rq
// suspend, rq stop...) need.
func (g *globalOptions) withDefaultClient(ctx context.Context, f func(s *session, rdb *redis.Client) error) error {
	s, err := g.open()
	if err != nil {
		return err
	}
	defer s.close()
	rdb, err := s.client(ctx, rqlite.DefaultQueue)
	if err != nil {
		return err
	}
	return f(s, rdb)
}
