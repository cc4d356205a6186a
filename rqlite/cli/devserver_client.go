package cli

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2/server"
)

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
