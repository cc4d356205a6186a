package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// newDevServer starts a dev-server on a free loopback port for one test.
func newDevServer(t *testing.T) *devServer {
	t.Helper()
	s, err := startDevServer("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// respClient is a bare RESP2 client, so that tests see exactly what the
// server writes and know the address of their own connection.
type respClient struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dialRESP(t *testing.T, s *devServer) *respClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", s.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &respClient{t: t, conn: conn, r: bufio.NewReader(conn)}
}

// respError is an error reply.
type respError string

func (c *respClient) send(args ...string) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c.conn, respArray(args...)); err != nil {
		c.t.Fatal(err)
	}
}

// reply reads one reply: a string (simple or bulk), a respError, an int64,
// nil or a []any.
func (c *respClient) reply() any {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	v, err := readRESP(c.r)
	if err != nil {
		c.t.Fatal(err)
	}
	return v
}

func (c *respClient) do(args ...string) any {
	c.t.Helper()
	c.send(args...)
	return c.reply()
}

// text runs a command whose reply is a bulk string.
func (c *respClient) text(args ...string) string {
	c.t.Helper()
	v := c.do(args...)
	s, ok := v.(string)
	if !ok {
		c.t.Fatalf("%v: reply %#v, want a string", args, v)
	}
	return s
}

func readRESP(r *bufio.Reader) (any, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, errors.New("empty reply line")
	}
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return respError(line[1:]), nil
	case ':':
		return strconv.ParseInt(line[1:], 10, 64)
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return nil, err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return nil, err
		}
		items := make([]any, n)
		for i := range items {
			if items[i], err = readRESP(r); err != nil {
				return nil, err
			}
		}
		return items, nil
	}
	return nil, fmt.Errorf("unexpected reply line %q", line)
}

// clientLineRE is a line of CLIENT LIST as Redis 7.0 writes it.
var clientLineRE = regexp.MustCompile(`^id=(\d+) addr=(\S+) laddr=(\S+) fd=(-?\d+) name=(\S*) age=(\d+) idle=(\d+) flags=([A-Za-z]+) ` +
	`db=(\d+) sub=(\d+) psub=(\d+) ssub=0 multi=(-?\d+) qbuf=\d+ qbuf-free=\d+ argv-mem=\d+ multi-mem=\d+ rbs=\d+ rbp=\d+ ` +
	`obl=\d+ oll=\d+ omem=\d+ tot-mem=\d+ events=r cmd=(\S+) user=default redir=-1 resp=([23])$`)

// clientLine is one parsed line of CLIENT LIST.
type clientLine struct {
	id, addr, laddr, name, flags, db, sub, psub, multi, cmd, resp string
}

func parseClientList(t *testing.T, list string) []clientLine {
	t.Helper()
	if list == "" {
		return nil
	}
	if !strings.HasSuffix(list, "\n") {
		t.Fatalf("CLIENT LIST reply %q does not end in a newline", list)
	}
	var lines []clientLine
	for _, l := range strings.Split(strings.TrimSuffix(list, "\n"), "\n") {
		m := clientLineRE.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("CLIENT LIST line not in Redis's format:\n%s", l)
		}
		lines = append(lines, clientLine{id: m[1], addr: m[2], laddr: m[3], name: m[5], flags: m[8],
			db: m[9], sub: m[10], psub: m[11], multi: m[12], cmd: m[13], resp: m[14]})
	}
	return lines
}

// lineOf returns the line of the connection with the given address.
func lineOf(lines []clientLine, addr string) (clientLine, bool) {
	for _, l := range lines {
		if l.addr == addr {
			return l, true
		}
	}
	return clientLine{}, false
}

func TestDevServerClientList(t *testing.T) {
	s := newDevServer(t)
	a, b := dialRESP(t, s), dialRESP(t, s)

	if got := a.do("CLIENT", "SETNAME", "trabajador-a"); got != "OK" {
		t.Fatalf("CLIENT SETNAME = %#v", got)
	}
	if got := a.do("CLIENT", "GETNAME"); got != "trabajador-a" {
		t.Fatalf("CLIENT GETNAME = %#v", got)
	}
	if got := b.do("SELECT", "3"); got != "OK" {
		t.Fatalf("SELECT 3 = %#v", got)
	}

	lines := parseClientList(t, a.text("CLIENT", "LIST"))
	if len(lines) != 2 {
		t.Fatalf("CLIENT LIST has %d lines, want one per connection (2)", len(lines))
	}
	la, ok := lineOf(lines, a.conn.LocalAddr().String())
	if !ok {
		t.Fatalf("no line with addr=%s", a.conn.LocalAddr())
	}
	lb, ok := lineOf(lines, b.conn.LocalAddr().String())
	if !ok {
		t.Fatalf("no line with addr=%s", b.conn.LocalAddr())
	}
	for _, l := range lines {
		if l.laddr != s.Addr() {
			t.Errorf("laddr=%s, want the server's address %s", l.laddr, s.Addr())
		}
	}
	if la.name != "trabajador-a" || la.cmd != "client|list" || la.flags != "N" || la.db != "0" || la.resp != "2" || la.multi != "-1" {
		t.Errorf("line of the listing connection: %+v", la)
	}
	if lb.name != "" || lb.cmd != "select" || lb.db != "3" {
		t.Errorf("line of the other connection: %+v", lb)
	}

	// CLIENT ID and CLIENT INFO agree with the listing.
	if got := a.do("CLIENT", "ID"); fmt.Sprint(got) != la.id {
		t.Errorf("CLIENT ID = %#v, listed as id=%s", got, la.id)
	}
	info := parseClientList(t, b.text("CLIENT", "INFO"))
	if len(info) != 1 || info[0].id != lb.id || info[0].addr != lb.addr || info[0].cmd != "client|info" {
		t.Errorf("CLIENT INFO = %+v, want the line of id=%s", info, lb.id)
	}

	// Filters.
	if got := parseClientList(t, a.text("CLIENT", "LIST", "ID", lb.id, "999")); len(got) != 1 || got[0].id != lb.id {
		t.Errorf("CLIENT LIST ID %s 999 = %+v", lb.id, got)
	}
	if got := parseClientList(t, a.text("CLIENT", "LIST", "TYPE", "normal")); len(got) != 2 {
		t.Errorf("CLIENT LIST TYPE normal = %+v", got)
	}
	for _, typ := range []string{"pubsub", "master", "replica"} {
		if got := a.text("CLIENT", "LIST", "TYPE", typ); got != "" {
			t.Errorf("CLIENT LIST TYPE %s = %q, want empty", typ, got)
		}
	}

	// Errors, worded as Redis 7.0 words them.
	for _, tc := range []struct {
		args []string
		want respError
	}{
		{[]string{"CLIENT", "LIST", "TYPE", "foo"}, "ERR Unknown client type 'foo'"},
		{[]string{"CLIENT", "LIST", "ID", "x"}, "ERR Invalid client ID"},
		{[]string{"CLIENT", "LIST", "ID"}, "ERR syntax error"},
		{[]string{"CLIENT", "LIST", "foo"}, "ERR syntax error"},
		{[]string{"CLIENT", "INFO", "x"}, "ERR wrong number of arguments for 'client|info' command"},
		{[]string{"CLIENT", "ID", "x"}, "ERR wrong number of arguments for 'client|id' command"},
		{[]string{"CLIENT", "SETNAME"}, "ERR wrong number of arguments for 'client|setname' command"},
		{[]string{"CLIENT", "SETNAME", "a b"}, "ERR Client names cannot contain spaces, newlines or special characters."},
		{[]string{"CLIENT", "SETNAME", "añ"}, "ERR Client names cannot contain spaces, newlines or special characters."},
		{[]string{"SELECT", "16"}, "ERR DB index is out of range"},
		{[]string{"HELLO", "4"}, "NOPROTO unsupported protocol version"},
		{[]string{"HELLO", "x"}, "ERR Protocol version is not an integer or out of range"},
		{[]string{"HELLO", "2", "SETNAME"}, "ERR Syntax error in HELLO option 'SETNAME'"},
		{[]string{"HELLO", "2", "AUTH", "ana", "secreto"}, "WRONGPASS invalid username-password pair or user is disabled."},
	} {
		if got := a.do(tc.args...); got != tc.want {
			t.Errorf("%q = %#v, want %q", tc.args, got, tc.want)
		}
	}
	if got := a.do("CLIENT", "GETNAME"); got != "trabajador-a" {
		t.Errorf("a refused CLIENT SETNAME changed the name: %#v", got)
	}

	// HELLO answers with the connection's ID and names it.
	hello := a.do("HELLO", "2", "SETNAME", "hola")
	want := fmt.Sprintf("[server redis version %s proto 2 id %s mode standalone role master modules []]", devRedisVersion, la.id)
	if fmt.Sprint(hello) != want {
		t.Errorf("HELLO 2 SETNAME hola = %v, want %s", hello, want)
	}
	if got := a.do("CLIENT", "GETNAME"); got != "hola" {
		t.Errorf("CLIENT GETNAME after HELLO ... SETNAME = %#v", got)
	}

	// A closed connection leaves the listing.
	b.conn.Close()
	rqtest.WaitFor(t, 10*time.Second, "the closed connection to leave CLIENT LIST", func() bool {
		_, listed := lineOf(parseClientList(t, a.text("CLIENT", "LIST")), lb.addr)
		return !listed
	})
}

func TestDevServerClientFlags(t *testing.T) {
	s := newDevServer(t)
	watcher, sub, blocked, tx := dialRESP(t, s), dialRESP(t, s), dialRESP(t, s), dialRESP(t, s)
	// lineFor returns the line of a connection, which is empty until the
	// server has accepted it.
	lineFor := func(c *respClient) clientLine {
		t.Helper()
		l, _ := lineOf(parseClientList(t, watcher.text("CLIENT", "LIST")), c.conn.LocalAddr().String())
		return l
	}

	// A subscriber: flag P, sub=1.
	if got := sub.do("SUBSCRIBE", "rq:pubsub:w"); fmt.Sprint(got) != "[subscribe rq:pubsub:w 1]" {
		t.Fatalf("SUBSCRIBE = %#v", got)
	}
	if l := lineFor(sub); l.flags != "P" || l.sub != "1" || l.psub != "0" || l.cmd != "subscribe" {
		t.Errorf("subscriber: %+v", l)
	}
	if got := parseClientList(t, watcher.text("CLIENT", "LIST", "TYPE", "pubsub")); len(got) != 1 || got[0].addr != sub.conn.LocalAddr().String() {
		t.Errorf("CLIENT LIST TYPE pubsub = %+v", got)
	}

	// A client blocked in BLPOP: flag b, counted by INFO clients.
	blocked.send("BLPOP", "rq:queue:vacia", "0")
	rqtest.WaitFor(t, 10*time.Second, "the BLPOP client to show flag b", func() bool {
		return lineFor(blocked).flags == "b"
	})
	if info := watcher.text("INFO", "clients"); !strings.Contains(info, "blocked_clients:1\r\n") {
		t.Errorf("INFO clients with one blocked client:\n%s", info)
	}
	if got := watcher.do("RPUSH", "rq:queue:vacia", "x"); got != int64(1) {
		t.Fatalf("RPUSH = %#v", got)
	}
	if got := blocked.reply(); fmt.Sprint(got) != "[rq:queue:vacia x]" {
		t.Fatalf("BLPOP = %#v", got)
	}
	if l := lineFor(blocked); l.flags != "N" || l.cmd != "blpop" {
		t.Errorf("after BLPOP: %+v", l)
	}

	// MULTI: flag x and the number of queued commands; CLIENT LIST inside
	// MULTI is queued, as in Redis.
	for _, args := range [][]string{{"MULTI"}, {"SET", "k", "v"}, {"SELECT", "2"}} {
		if got := tx.do(args...); got != "OK" && got != "QUEUED" {
			t.Fatalf("%q = %#v", args, got)
		}
	}
	if l := lineFor(tx); l.flags != "x" || l.multi != "2" || l.db != "0" {
		t.Errorf("in MULTI: %+v", l)
	}
	if got := tx.do("CLIENT", "LIST"); got != "QUEUED" {
		t.Errorf("CLIENT LIST in MULTI = %#v, want QUEUED", got)
	}
	if got := tx.do("EXEC"); len(got.([]any)) != 3 {
		t.Fatalf("EXEC = %#v", got)
	}
	if l := lineFor(tx); l.flags != "N" || l.multi != "-1" || l.db != "2" || l.cmd != "exec" {
		t.Errorf("after EXEC: %+v", l)
	}
}

func TestDevServerInfo(t *testing.T) {
	s := newDevServer(t)
	c := dialRESP(t, s)
	_, port, _ := net.SplitHostPort(s.Addr())

	server := c.text("INFO", "server")
	for _, want := range []string{"# Server\r\n", "\r\nredis_version:" + devRedisVersion + "\r\n", "\r\ntcp_port:" + port + "\r\n", "\r\nredis_mode:standalone\r\n"} {
		if !strings.Contains(server, want) {
			t.Errorf("INFO server lacks %q:\n%s", want, server)
		}
	}
	if strings.Contains(server, "# Clients") {
		t.Errorf("INFO server has other sections:\n%s", server)
	}
	all := c.text("INFO")
	for _, section := range []string{"# Server\r\n", "# Clients\r\nconnected_clients:1\r\n", "# Stats\r\n", "# Keyspace\r\n"} {
		if !strings.Contains(all, section) {
			t.Errorf("INFO lacks %q:\n%s", section, all)
		}
	}
	if got := c.text("INFO", "persistence"); got != "" {
		t.Errorf("INFO persistence = %q, want empty as for any section the server does not keep", got)
	}

	c.do("SET", "a", "1")
	c.do("SET", "b", "2", "EX", "100")
	c.do("SELECT", "5")
	c.do("SET", "c", "3")
	if got := c.text("INFO", "keyspace"); got != "# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\ndb5:keys=1,expires=0,avg_ttl=0\r\n" {
		t.Errorf("INFO keyspace = %q", got)
	}

	// Keys expire in real time, as in Redis.
	if got := c.do("SET", "breve", "x", "PX", "50"); got != "OK" {
		t.Fatalf("SET PX = %#v", got)
	}
	rqtest.WaitFor(t, 10*time.Second, "a key with a 50 ms TTL to expire", func() bool {
		return c.do("EXISTS", "breve") == int64(0)
	})
}

// TestDevServerGoRedis checks the replies through go-redis, which speaks
// RESP3: CLIENT LIST, CLIENT INFO and INFO come as verbatim strings.
func TestDevServerGoRedis(t *testing.T) {
	s := newDevServer(t)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr(), ClientName: "rqlite", DB: 1})
	defer rdb.Close()

	list, err := rdb.ClientList(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	lines := parseClientList(t, list)
	if len(lines) != 1 || lines[0].name != "rqlite" || lines[0].resp != "3" || lines[0].db != "1" {
		t.Errorf("CLIENT LIST = %q", list)
	}
	hello, err := rdb.Do(ctx, "HELLO", "3").Result()
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := hello.(map[any]any); !ok || fmt.Sprint(m["id"]) != lines[0].id || m["version"] != devRedisVersion || m["proto"] != int64(3) {
		t.Errorf("HELLO 3 = %#v; CLIENT LIST: %q", hello, list)
	}
	// rqlite's worker records its address from CLIENT INFO.
	info, err := rdb.Do(ctx, "CLIENT", "INFO").Text()
	if err != nil {
		t.Fatal(err)
	}
	if got := parseClientList(t, info); len(got) != 1 || got[0].addr != lines[0].addr {
		t.Errorf("CLIENT INFO = %q, listed as %q", info, list)
	}
	server, err := rdb.InfoMap(ctx, "server").Result()
	if err != nil {
		t.Fatal(err)
	}
	if v := server["Server"]["redis_version"]; v != devRedisVersion {
		t.Errorf("INFO server: redis_version = %q", v)
	}
}

// TestDevServerPythonRQ runs Python RQ 1.13's worker (Debian's
// python3-rq) and its rq info against the dev-server, on a job that rqlite
// enqueues. RQ's worker calls CLIENT SETNAME and CLIENT LIST when it
// starts, and dies if they fail.
func TestDevServerPythonRQ(t *testing.T) {
	python := rqtest.PythonRQ(t)
	s := newDevServer(t)
	url := redisURL(s.Addr())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pythonDir, err := filepath.Abs(filepath.Join("..", "..", "python"))
	if err != nil {
		t.Fatal(err)
	}
	rdb, err := rqlite.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()

	// pythonRQ runs Python RQ's command line, or a Python program with -c.
	pythonRQ := func(args ...string) *exec.Cmd {
		if args[0] != "-c" {
			args = append([]string{"-c", "import sys; from rq.cli import main; sys.exit(main())"}, args...)
		}
		cmd := exec.CommandContext(ctx, python, args...)
		cmd.Dir = pythonDir
		cmd.Env = append(os.Environ(), "PYTHONPATH="+pythonDir, "PYTHONDONTWRITEBYTECODE=1", "NO_COLOR=1")
		return cmd
	}
	run := func(args ...string) string {
		t.Helper()
		out, err := pythonRQ(args...).CombinedOutput()
		if err != nil {
			t.Fatalf("python %q: %v\n%s", args, err, out)
		}
		return string(out)
	}

	q := rqlite.NewQueue("default", rdb, nil)
	job, err := q.Enqueue(ctx, rqlite.External("tareas.sumar"), 2, 3)
	if err != nil {
		t.Fatal(err)
	}

	// A burst worker does the job and leaves.
	log := run("worker", "--burst", "-u", url, "-S", "rq.serializers.JSONSerializer", "-n", "py-burst", "default")
	for _, want := range []string{
		"Worker rq:worker:py-burst: started, version 1.13.0",
		"default: tareas.sumar(2, 3) (" + job.ID + ")",
		"default: Job OK (" + job.ID + ")",
		"Worker rq:worker:py-burst: done, quitting",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("worker log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "unknown") || strings.Contains(log, "Warning") {
		t.Errorf("worker log warns:\n%s", log)
	}
	// It found its own address in CLIENT LIST.
	if ip, err := rdb.HGet(ctx, "rq:worker:py-burst", "ip_address").Result(); err != nil || !regexp.MustCompile(`^127\.0\.0\.1:\d+$`).MatchString(ip) {
		t.Errorf("the worker recorded ip_address %q (%v), want its address", ip, err)
	}

	if status, err := job.GetStatus(ctx); err != nil || status != rqlite.StatusFinished {
		t.Fatalf("status of the job in rqlite: %v, %v", status, err)
	}
	read := run("-c", fmt.Sprintf(`
from redis import Redis
from rq.job import Job
from rq.serializers import JSONSerializer
job = Job.fetch(%q, connection=Redis.from_url(%q), serializer=JSONSerializer)
print(job.get_status(), repr(job.result), repr(job.latest_result().return_value))
`, job.ID, url))
	if read != "finished 5 5\n" {
		t.Errorf("Python reads the job as %q, want %q", read, "finished 5 5\n")
	}

	// A worker that stays: rq info lists it, with the address it found,
	// and a Ctrl-C stops it.
	worker := pythonRQ("worker", "-u", url, "-S", "rq.serializers.JSONSerializer", "-n", "py", "default")
	var workerLog rqtest.Buffer
	worker.Stdout, worker.Stderr = &workerLog, &workerLog
	if err := worker.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- worker.Wait() }()
	defer worker.Process.Kill()
	rqtest.WaitFor(t, time.Minute, "the Python worker to listen", func() bool {
		select {
		case err := <-exited:
			t.Fatalf("the Python worker exited: %v\n%s", err, workerLog.String())
		default:
		}
		return strings.Contains(workerLog.String(), "*** Listening on default...")
	})
	ip, err := rdb.HGet(ctx, "rq:worker:py", "ip_address").Result()
	if err != nil {
		t.Fatal(err)
	}
	list, err := rdb.ClientList(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := lineOf(parseClientList(t, list), ip); !ok || l.name != "py" {
		t.Errorf("the worker recorded ip_address %s; CLIENT LIST:\n%s", ip, list)
	}
	info := run("info", "-u", url)
	infoRE := regexp.MustCompile(`(?m)^default +\| 0\n1 queues, 0 jobs total\n\npy \(\S+ ` + regexp.QuoteMeta(ip) + ` \d+\): idle default\n1 workers, 1 queues\n`)
	if !infoRE.MatchString(info) {
		t.Errorf("rq info:\n%s", info)
	}

	if err := worker.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("the Python worker: %v\n%s", err, workerLog.String())
		}
	case <-time.After(time.Minute):
		t.Fatalf("the Python worker did not stop within a minute of Ctrl-C:\n%s", workerLog.String())
	}
	if !strings.Contains(workerLog.String(), "Warm shut down requested") {
		t.Errorf("worker log:\n%s", workerLog.String())
	}
}
