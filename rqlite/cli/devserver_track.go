package cli

import (
	"strconv"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2/server"
)

// What the development server keeps of each connection's commands, for
// CLIENT LIST and CLIENT INFO to show: the last command and when it ran,
// whether the client is blocked, its database, its MULTI and its
// subscriptions.

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
	db := selectedDB(cmd, args)
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
		c.afterQueued(cmd, db)
	} else {
		c.afterRun(cmd, args, db)
	}
}

// selectedDB is the database that a command selects, if it is a valid
// SELECT, or -1.
func selectedDB(cmd string, args []string) int {
	if cmd == "SELECT" && len(args) == 1 {
		if n, err := strconv.Atoi(args[0]); err == nil && n >= 0 && n < devDatabases {
			return n
		}
	}
	return -1
}

// afterQueued records a command sent inside MULTI, which ends the
// transaction or is queued in it; db is the database it selects, or -1.
func (c *devClient) afterQueued(cmd string, db int) {
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
}

// afterRun records what a command run out of MULTI changed; db is the
// database it selects, or -1.
func (c *devClient) afterRun(cmd string, args []string, db int) {
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
