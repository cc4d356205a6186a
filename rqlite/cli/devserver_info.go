package cli

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2/server"
)

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
