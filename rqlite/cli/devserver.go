package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/alicebob/miniredis/v2/server"
	"github.com/spf13/cobra"
)

// newDevServerCommand returns `rq dev-server`.
func newDevServerCommand(*globalOptions) *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "dev-server",
		Short: "Run an embedded Redis server for development",
		Long: `Run an embedded Redis server (miniredis) in this process, for trying rqlite
without installing Redis or Docker. It implements most of Redis, including what
Python RQ's worker and rq info call (CLIENT LIST, CLIENT INFO, INFO server), keys
expire in real time, it keeps its data in memory only and stops on Ctrl-C. Do
not use it in production.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDevServer(cmd.Context(), cmd.OutOrStdout(), addr)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:6379", "address to listen on, host:port")
	return cmd
}

// runDevServer serves until ctx is cancelled or the process gets SIGINT or
// SIGTERM.
func runDevServer(ctx context.Context, out io.Writer, addr string) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	s, err := startDevServer(addr)
	if err != nil {
		var opErr *net.OpError
		if errors.As(err, &opErr) {
			err = opErr.Err
		}
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("cannot listen on %s: %v (is another Redis server running? choose another address with --addr)", addr, err)
		}
		return fmt.Errorf("cannot listen on %s: %v", addr, err)
	}
	defer s.Close()

	fmt.Fprintf(out, "Embedded Redis server listening on %s (development only; data is kept in memory). Press Ctrl-C to stop.\n",
		redisURL(s.Addr()))
	<-ctx.Done()
	s.Close()
	fmt.Fprintln(out, "Embedded Redis server stopped.")
	return nil
}

// redisURL returns the URL of database 0 of a server listening on addr,
// with a wildcard host replaced by localhost.
func redisURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "redis://" + addr + "/0"
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "redis://" + net.JoinHostPort(host, port) + "/0"
}

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

// containerCommands are the commands whose first argument is a
// subcommand, which CLIENT LIST shows as command|subcommand.
var containerCommands = map[string]bool{
	"ACL": true, "CLIENT": true, "CLUSTER": true, "COMMAND": true, "CONFIG": true,
	"FUNCTION": true, "LATENCY": true, "MEMORY": true, "MODULE": true, "OBJECT": true,
	"PUBSUB": true, "SCRIPT": true, "SLOWLOG": true, "XGROUP": true, "XINFO": true,
}

// blocking tells whether a command, out of MULTI, may block the client.
func blocking(cmd string, args []string) bool {
	switch cmd {
	case "BLPOP", "BRPOP", "BRPOPLPUSH", "BLMOVE", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP", "WAIT":
		return true
	case "XREAD", "XREADGROUP":
		for _, a := range args {
			if strings.EqualFold(a, "BLOCK") {
				return true
			}
		}
	}
	return false
}

// before records a command that is about to run.
func (s *devServer) before(c *devClient, cmd string, args []string) {
	name := strings.ToLower(cmd)
	if containerCommands[cmd] && len(args) > 0 {
		name += "|" + strings.ToLower(args[0])
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commands++
	c.cmd = name
	c.last = time.Now()
	c.blocked = c.multi < 0 && blocking(cmd, args)
}

// after records what a command changed in the connection.
func (s *devServer) after(p *server.Peer, c *devClient, cmd string, args []string) {
	db := -1
	if cmd == "SELECT" && len(args) == 1 {
		if n, err := strconv.Atoi(args[0]); err == nil && n >= 0 && n < devDatabases {
			db = n
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c.last = time.Now()
	c.blocked = false
	c.name = p.ClientName
	c.resp = 2
	if p.Resp3 {
		c.resp = 3
	}
	if c.multi >= 0 {
		switch cmd {
		case "EXEC":
			if c.pendingDB >= 0 {
				c.db = c.pendingDB
			}
			c.multi, c.pendingDB = -1, -1
		case "DISCARD":
			c.multi, c.pendingDB = -1, -1
		case "MULTI", "WATCH":
			// Refused inside MULTI, not queued.
		default:
			c.multi++
			if db >= 0 {
				c.pendingDB = db
			}
		}
		return
	}
	switch cmd {
	case "MULTI":
		c.multi = 0
	case "SELECT":
		if db >= 0 {
			c.db = db
		}
	case "SUBSCRIBE", "UNSUBSCRIBE":
		c.channels = subscriptions(c.channels, cmd == "SUBSCRIBE", args)
	case "PSUBSCRIBE", "PUNSUBSCRIBE":
		c.patterns = subscriptions(c.patterns, cmd == "PSUBSCRIBE", args)
	}
}

// subscriptions updates a set of channels or patterns after a (P)SUBSCRIBE
// (add) or a (P)UNSUBSCRIBE, which without arguments removes them all.
func subscriptions(set map[string]bool, add bool, args []string) map[string]bool {
	if !add && len(args) == 0 {
		return nil
	}
	if set == nil {
		set = map[string]bool{}
	}
	for _, a := range args {
		if add {
			set[a] = true
		} else {
			delete(set, a)
		}
	}
	return set
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

// client answers CLIENT LIST, INFO, ID and SETNAME.
func (s *devServer) client(p *server.Peer, c *devClient, sub string, args []string) bool {
	wrongArgs := func() bool {
		p.WriteError(fmt.Sprintf("ERR wrong number of arguments for 'client|%s' command", strings.ToLower(sub)))
		return true
	}
	switch sub {
	case "LIST":
		return s.clientList(p, args)
	case "INFO":
		if len(args) != 0 {
			return wrongArgs()
		}
		s.mu.Lock()
		line := c.line(time.Now())
		s.mu.Unlock()
		writeVerbatim(p, line)
		return true
	case "ID":
		if len(args) != 0 {
			return wrongArgs()
		}
		p.WriteInt(int(c.id))
		return true
	case "SETNAME":
		if len(args) != 1 {
			return wrongArgs()
		}
		if !validClientName(args[0]) {
			p.WriteError("ERR Client names cannot contain spaces, newlines or special characters.")
			return true
		}
	}
	return false
}

// hello answers HELLO [protover [AUTH username password] [SETNAME name]],
// as Redis 7.0 does without passwords: the default user needs none, and no
// other user exists.
func (s *devServer) hello(p *server.Peer, c *devClient, args []string) {
	proto := 2
	if p.Resp3 {
		proto = 3
	}
	if len(args) > 0 {
		n, err := strconv.Atoi(args[0])
		if err != nil {
			p.WriteError("ERR Protocol version is not an integer or out of range")
			return
		}
		if n != 2 && n != 3 {
			p.WriteError("NOPROTO unsupported protocol version")
			return
		}
		proto = n
	}
	name, setName := "", false
	for i := 1; i < len(args); i++ {
		switch option := strings.ToUpper(args[i]); {
		case option == "AUTH" && i+2 < len(args):
			if args[i+1] != "default" {
				p.WriteError("WRONGPASS invalid username-password pair or user is disabled.")
				return
			}
			i += 2
		case option == "SETNAME" && i+1 < len(args):
			name, setName = args[i+1], true
			i++
		default:
			p.WriteError(fmt.Sprintf("ERR Syntax error in HELLO option '%s'", args[i]))
			return
		}
	}
	if setName {
		if !validClientName(name) {
			p.WriteError("ERR Client names cannot contain spaces, newlines or special characters.")
			return
		}
		p.ClientName = name
	}
	p.Resp3 = proto == 3
	p.WriteMapLen(7)
	p.WriteBulk("server")
	p.WriteBulk("redis")
	p.WriteBulk("version")
	p.WriteBulk(devRedisVersion)
	p.WriteBulk("proto")
	p.WriteInt(proto)
	p.WriteBulk("id")
	p.WriteInt(int(c.id))
	p.WriteBulk("mode")
	p.WriteBulk("standalone")
	p.WriteBulk("role")
	p.WriteBulk("master")
	p.WriteBulk("modules")
	p.WriteLen(0)
}

// validClientName tells whether Redis accepts a client name: printable
// ASCII without spaces.
func validClientName(name string) bool {
	for _, b := range []byte(name) {
		if b < '!' || b > '~' {
			return false
		}
	}
	return true
}

// clientList answers CLIENT LIST [TYPE type | ID id [id ...]].
func (s *devServer) clientList(p *server.Peer, args []string) bool {
	keep := func(*devClient) bool { return true }
	switch {
	case len(args) == 0:
	case len(args) == 2 && strings.EqualFold(args[0], "TYPE"):
		switch strings.ToLower(args[1]) {
		case "normal":
			keep = func(c *devClient) bool { return len(c.channels)+len(c.patterns) == 0 }
		case "pubsub":
			keep = func(c *devClient) bool { return len(c.channels)+len(c.patterns) > 0 }
		case "master", "replica", "slave":
			keep = func(*devClient) bool { return false }
		default:
			p.WriteError(fmt.Sprintf("ERR Unknown client type '%s'", args[1]))
			return true
		}
	case len(args) >= 2 && strings.EqualFold(args[0], "ID"):
		ids := map[int64]bool{}
		for _, a := range args[1:] {
			id, err := strconv.ParseInt(a, 10, 64)
			if err != nil || id < 1 {
				p.WriteError("ERR Invalid client ID")
				return true
			}
			ids[id] = true
		}
		keep = func(c *devClient) bool { return ids[c.id] }
	default:
		p.WriteError("ERR syntax error")
		return true
	}
	now := time.Now()
	s.mu.Lock()
	var clients []*devClient
	for _, c := range s.connected() {
		if keep(c) {
			clients = append(clients, c)
		}
	}
	sort.Slice(clients, func(i, j int) bool { return clients[i].id < clients[j].id })
	var b strings.Builder
	for _, c := range clients {
		b.WriteString(c.line(now))
	}
	s.mu.Unlock()
	writeVerbatim(p, b.String())
	return true
}

// connected returns every open connection, including those accepted whose
// greeting miniredis has not read yet. Call it with devServer.mu held.
func (s *devServer) connected() []*devClient {
	clients := make([]*devClient, 0, len(s.clients)+len(s.pending))
	for _, c := range s.clients {
		clients = append(clients, c)
	}
	for _, c := range s.pending {
		clients = append(clients, c)
	}
	return clients
}

// line describes the client as a line of CLIENT LIST. The figures about
// buffers and memory, which miniredis does not keep, are 0. Call it with
// devServer.mu held.
func (c *devClient) line(now time.Time) string {
	flags := ""
	if len(c.channels)+len(c.patterns) > 0 {
		flags += "P"
	}
	if c.multi >= 0 {
		flags += "x"
	}
	if c.blocked {
		flags += "b"
	}
	if flags == "" {
		flags = "N"
	}
	return fmt.Sprintf("id=%d addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=%s db=%d sub=%d psub=%d ssub=0 multi=%d "+
		"qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=%s user=default redir=-1 resp=%d\n",
		c.id, c.addr, c.laddr, c.fd, c.name, int64(now.Sub(c.created).Seconds()), int64(now.Sub(c.last).Seconds()), flags,
		c.db, len(c.channels), len(c.patterns), c.multi, c.cmd, c.resp)
}

// writeVerbatim writes text as Redis writes CLIENT LIST and INFO: a bulk
// string, or a verbatim string to a RESP3 client.
func writeVerbatim(p *server.Peer, text string) {
	if p.Resp3 {
		p.WriteRaw(fmt.Sprintf("=%d\r\ntxt:%s\r\n", len(text)+4, text))
		return
	}
	p.WriteBulk(text)
}

// infoSections are the sections INFO knows, in Redis's order.
var infoSections = []string{"server", "clients", "stats", "keyspace"}

// info answers INFO [section ...]. Sections that the server does not keep
// (memory, persistence, replication...) are empty, as unknown ones are in
// Redis.
func (s *devServer) info(p *server.Peer, args []string) {
	want := map[string]bool{}
	if len(args) == 0 {
		args = []string{"default"}
	}
	for _, a := range args {
		switch a = strings.ToLower(a); a {
		case "all", "default", "everything":
			for _, name := range infoSections {
				want[name] = true
			}
		default:
			want[a] = true
		}
	}
	var parts []string
	for _, name := range infoSections {
		if want[name] {
			parts = append(parts, s.infoSection(name))
		}
	}
	writeVerbatim(p, strings.Join(parts, "\r\n"))
}

func (s *devServer) infoSection(name string) string {
	var b strings.Builder
	line := func(key string, value any) { fmt.Fprintf(&b, "%s:%v\r\n", key, value) }
	switch name {
	case "server":
		b.WriteString("# Server\r\n")
		uptime := int64(time.Since(s.started).Seconds())
		_, port, _ := net.SplitHostPort(s.Addr())
		line("redis_version", devRedisVersion)
		line("redis_mode", "standalone")
		line("os", runtime.GOOS+" "+runtime.GOARCH)
		line("arch_bits", strconv.IntSize)
		line("process_id", os.Getpid())
		line("tcp_port", port)
		line("uptime_in_seconds", uptime)
		line("uptime_in_days", uptime/86400)
		line("miniredis_version", miniredisVersion())
	case "clients":
		s.mu.Lock()
		clients := s.connected()
		connected, blocked := len(clients), 0
		for _, c := range clients {
			if c.blocked {
				blocked++
			}
		}
		s.mu.Unlock()
		b.WriteString("# Clients\r\n")
		line("connected_clients", connected)
		line("cluster_connections", 0)
		line("maxclients", 10000)
		line("blocked_clients", blocked)
		line("tracking_clients", 0)
	case "stats":
		s.mu.Lock()
		conns, commands := s.conns, s.commands
		s.mu.Unlock()
		b.WriteString("# Stats\r\n")
		line("total_connections_received", conns)
		line("total_commands_processed", commands)
	case "keyspace":
		b.WriteString("# Keyspace\r\n")
		for i := 0; i < devDatabases; i++ {
			db := s.m.DB(i)
			keys := db.Keys()
			if len(keys) == 0 {
				continue
			}
			expires := 0
			for _, k := range keys {
				if db.TTL(k) > 0 {
					expires++
				}
			}
			line(fmt.Sprintf("db%d", i), fmt.Sprintf("keys=%d,expires=%d,avg_ttl=0", len(keys), expires))
		}
	}
	return b.String()
}

// miniredisVersion is the version of miniredis built into the program.
func miniredisVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/alicebob/miniredis/v2" {
				return d.Version
			}
		}
	}
	return "unknown"
}
