package cli

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/alicebob/miniredis/v2/server"
)

// devServer is miniredis plus the commands that Python RQ 1.13, redis-py and
// rqlite call and that miniredis lacks or answers unlike Redis 7.0:
//
//   - CLIENT LIST [TYPE type | ID id ...], CLIENT INFO and CLIENT ID, with one
//     line per connection in Redis's format. RQ's worker names its connection
//     with CLIENT SETNAME and then looks for that name in CLIENT LIST to learn
//     its own address; without CLIENT LIST it dies. rqlite's worker reads its
//     address from CLIENT INFO.
//   - CLIENT SETNAME rejects the names that Redis rejects.
//   - HELLO answers with the connection's ID (CLIENT ID) and the same
//     version as INFO, and HELLO ... SETNAME names the connection.
//   - INFO [section ...] has the server section, whose redis_version RQ reads
//     to choose commands, and the clients, stats and keyspace sections.
//   - SELECT accepts databases 0 to 15 only, as Redis's default configuration.
//
// Keys expire in real time, as in Redis (miniredis's default, made for
// tests, is to expire them only when told to).
//
// miniredis does not say which connection a command comes from, so the
// server accepts the connections itself and, before a connection's first
// byte, hands miniredis a command of its own (devGreeting) that ties the
// connection to the miniredis peer that reads it. A pre-command hook then
// sees every command of every connection: it answers the commands above and
// passes the rest to miniredis, keeping what CLIENT LIST shows up to date.
type devServer struct {
	m       *miniredis.Miniredis
	l       net.Listener
	started time.Time
	secret  string // second argument of devGreeting
	accepts sync.WaitGroup
	close   sync.Once

	mu       sync.Mutex
	lastID   int64
	pending  map[int64]*devClient // accepted, greeting not yet seen
	clients  map[*server.Peer]*devClient
	conns    int // connections accepted
	commands int // commands served
}

const (
	// devGreeting is the command that ties a connection to its peer; no
	// client sends it and no reply is written for it.
	devGreeting = "RQ-DEV-SERVER-CONNECTION"
	// devDatabases is the number of databases, as in Redis's default
	// configuration.
	devDatabases = 16
	// devRedisVersion is the Redis version that INFO and HELLO report.
	// miniredis has what RQ checks the version for (HSET with several
	// fields, from 4.0; streams, from 5.0; LPOS, from 6.0.6), and the
	// replies above follow Redis 7.0.
	devRedisVersion = "7.0.0"
)

// devClient is what the server knows about one connection.
type devClient struct {
	id          int64
	addr, laddr string
	fd          int
	created     time.Time

	// Used only by the goroutine that serves the connection.
	inner     bool // the hook is passing the command to miniredis
	pendingDB int  // database of a SELECT queued in MULTI, or -1

	// Guarded by devServer.mu: CLIENT LIST reads them from other
	// connections.
	name     string
	db       int
	resp     int
	multi    int // commands queued in MULTI, or -1 outside MULTI
	blocked  bool
	channels map[string]bool
	patterns map[string]bool
	cmd      string // last command, as Redis names it (client|list)
	last     time.Time
}

// startDevServer starts a server listening on addr.
func startDevServer(addr string) (*devServer, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	var secret [16]byte
	if _, err := rand.Read(secret[:]); err != nil {
		l.Close()
		return nil, err
	}
	m := miniredis.NewMiniRedis()
	m.ClockTTL(true)
	// Dial starts miniredis without a listener of its own; the connection
	// it returns is not needed.
	c, err := m.Dial()
	if err != nil {
		l.Close()
		return nil, err
	}
	c.Close()
	s := &devServer{
		m:       m,
		l:       l,
		started: time.Now(),
		secret:  hex.EncodeToString(secret[:]),
		pending: map[int64]*devClient{},
		clients: map[*server.Peer]*devClient{},
	}
	m.Server().SetPreHook(s.hook)
	s.accepts.Add(1)
	go s.accept()
	return s, nil
}

// Addr is the address the server listens on.
func (s *devServer) Addr() string { return s.l.Addr().String() }

// Close stops listening, closes every connection and waits for them.
func (s *devServer) Close() {
	s.close.Do(func() {
		s.l.Close()
		s.accepts.Wait()
		s.m.Close()
	})
}

func (s *devServer) accept() {
	defer s.accepts.Done()
	for {
		conn, err := s.l.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			// Out of file descriptors, say: try again shortly, as
			// net/http does.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		now := time.Now()
		s.mu.Lock()
		s.lastID++
		c := &devClient{
			id: s.lastID, addr: conn.RemoteAddr().String(), laddr: conn.LocalAddr().String(),
			fd: connFD(conn), created: now, pendingDB: -1,
			resp: 2, multi: -1, cmd: "NULL", last: now,
		}
		s.pending[c.id] = c
		s.conns++
		s.mu.Unlock()
		greeting := respArray(devGreeting, s.secret, strconv.FormatInt(c.id, 10))
		s.m.Server().ServeConn(&greetingConn{Conn: conn, greeting: []byte(greeting)})
	}
}

// connFD is the file descriptor of conn, or -1.
func connFD(conn net.Conn) int {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return -1
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	raw.Control(func(f uintptr) { fd = int(f) })
	return fd
}

// respArray encodes a command as a client sends it.
func respArray(args ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.String()
}

// greetingConn is a connection that reads greeting before what the client
// sends.
type greetingConn struct {
	net.Conn
	greeting []byte
}

func (c *greetingConn) Read(p []byte) (int, error) {
	if len(c.greeting) > 0 {
		n := copy(p, c.greeting)
		c.greeting = c.greeting[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// hook runs before miniredis handles a command. It returns true when the
// command has been answered.
func (s *devServer) hook(p *server.Peer, cmd string, args ...string) bool {
	s.mu.Lock()
	c := s.clients[p]
	s.mu.Unlock()
	if c == nil {
		// A greeting, or a command that a Lua script calls (on a peer
		// of its own), which miniredis handles.
		return s.greet(p, cmd, args)
	}
	if c.inner {
		return false
	}
	s.before(c, cmd, args)
	if !s.serve(p, c, cmd, args) {
		c.inner = true
		s.m.Server().Dispatch(p, append([]string{cmd}, args...))
		c.inner = false
	}
	s.after(p, c, cmd, args)
	return true
}

// greet ties the peer to the connection a greeting names.
func (s *devServer) greet(p *server.Peer, cmd string, args []string) bool {
	if cmd != devGreeting || len(args) != 2 || args[0] != s.secret {
		return false
	}
	id, err := strconv.ParseInt(args[1], 10, 64)
	if err != nil {
		return false
	}
	s.mu.Lock()
	c := s.pending[id]
	if c != nil {
		delete(s.pending, id)
		s.clients[p] = c
	}
	s.mu.Unlock()
	if c == nil {
		return false
	}
	p.OnDisconnect(func() {
		s.mu.Lock()
		delete(s.clients, p)
		s.mu.Unlock()
	})
	return true
}

// serve answers the commands that miniredis lacks or answers unlike Redis.
// It returns false for the rest, and for every command inside MULTI, which
// miniredis queues.
func (s *devServer) serve(p *server.Peer, c *devClient, cmd string, args []string) bool {
	s.mu.Lock()
	inMulti := c.multi >= 0
	s.mu.Unlock()
	if inMulti {
		return false
	}
	switch cmd {
	case "CLIENT":
		if len(args) == 0 {
			return false
		}
		return s.client(p, c, strings.ToUpper(args[0]), args[1:])
	case "HELLO":
		s.hello(p, c, args)
		return true
	case "INFO":
		s.info(p, args)
		return true
	case "SELECT":
		if len(args) == 1 {
			if n, err := strconv.Atoi(args[0]); err == nil && n >= devDatabases {
				p.WriteError("ERR DB index is out of range")
				return true
			}
		}
	}
	return false
}
