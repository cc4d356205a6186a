package rqlitetutorial_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.yaml.in/yaml/v3"

	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// TestDocsPagesRun is the reader's walk through the site, made a test: it
// starts a fresh `rq dev-server`, then runs every command of every page in
// the order of the nav, as the page gives them, and compares what each
// prints with the output block the page shows right after it. Then it runs
// each page again alone, after the page's own reset command, in the
// opposite order, so that no page depends on what an earlier one left.
//
// The commands run from the repository's root with the documented
// variables that make the examples exact (TAREAS_SEMILLA=7,
// TAREAS_SEGUNDO=1ms, NO_COLOR=1) and REDIS_URL pointing at the
// dev-server; `go run ./X` runs X built once. Outputs are compared after
// normalising what differs from run to run or machine to machine (see
// normalise).
func TestDocsPagesRun(t *testing.T) {
	pages := navPages(t)
	bin := buildCommands(t)
	r := newPageRunner(t, bin)
	for _, p := range pages {
		t.Run("nav/"+strings.TrimSuffix(filepath.Base(p.file), ".md"), func(t *testing.T) { r.run(t, p) })
	}
	for i := len(pages) - 1; i >= 0; i-- {
		p := pages[i]
		if !p.resets {
			continue // it needs no Redis, or it has nothing to run
		}
		t.Run("alone/"+strings.TrimSuffix(filepath.Base(p.file), ".md"), func(t *testing.T) { r.run(t, p) })
	}
}

// A page is what the runner takes from one Markdown file: its blocks, in
// order.
type page struct {
	file   string
	blocks []pageBlock
	resets bool  // its first command is the reset command
	err    error // reading it
}

// A pageBlock is a fenced block: commands (sh), or anything else (an
// output when it follows commands).
type pageBlock struct {
	line  int // of the opening fence
	end   int // of the closing fence
	lang  string
	title string
	text  string // with a snippet include replaced by the file's content
}

// resetCommand is the command that starts every page that needs Redis.
const resetCommand = "go run ./cmd/rq reset"

// mkdocsConfig is what the tests read of mkdocs.yml.
type mkdocsConfig struct {
	SiteURL string `yaml:"site_url"`
	Nav     []any  `yaml:"nav"`
}

func readMkdocs(t *testing.T) mkdocsConfig {
	t.Helper()
	data, err := os.ReadFile("mkdocs.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg mkdocsConfig
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("mkdocs.yml: %v", err)
	}
	return cfg
}

// navPages returns the pages of mkdocs.yml's nav, in order.
func navPages(t *testing.T) []page {
	t.Helper()
	cfg := readMkdocs(t)
	var files []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			files = append(files, v)
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(cfg.Nav)
	var pages []page
	for _, f := range files {
		p, err := readPage(filepath.Join("docs", f))
		p.file, p.err = filepath.Join("docs", f), err
		pages = append(pages, p)
	}
	return pages
}

var (
	fenceOpen  = regexp.MustCompile("^(\\s*)```(\\w*)(.*)$")
	titleAttr  = regexp.MustCompile(`title="([^"]*)"`)
	includeRef = regexp.MustCompile(`^--8<-- "([^"]+)"$`)
)

// readPage reads the fenced blocks of a page, with snippet includes read
// from their files.
func readPage(file string) (page, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return page{}, err
	}
	p := page{file: file}
	sc := bufio.NewScanner(bytes.NewReader(data))
	var cur *pageBlock
	var indent string
	var body []string
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if cur == nil {
			if m := fenceOpen.FindStringSubmatch(line); m != nil {
				cur, indent, body = &pageBlock{line: n, lang: m[2]}, m[1], nil
				if t := titleAttr.FindStringSubmatch(m[3]); t != nil {
					cur.title = t[1]
				}
			}
			continue
		}
		if strings.TrimSpace(line) == "```" {
			text := strings.Join(body, "\n")
			if len(body) == 1 {
				if m := includeRef.FindStringSubmatch(strings.TrimSpace(body[0])); m != nil {
					inc, err := os.ReadFile(m[1])
					if err != nil {
						return page{}, fmt.Errorf("%s:%d: %v", file, n, err)
					}
					text = strings.TrimSuffix(string(inc), "\n")
				}
			}
			cur.text, cur.end = text, n
			if cur.lang == "" && !includeRef.MatchString(strings.TrimSpace(text)) {
				cur.lang = "sh" // a plain block holds commands (TestDocsBlocksComeFromCheckedFiles)
			}
			p.blocks = append(p.blocks, *cur)
			cur = nil
			continue
		}
		body = append(body, strings.TrimPrefix(line, indent))
	}
	for _, b := range p.blocks {
		if b.lang == "sh" {
			p.resets = strings.SplitN(b.text, "\n", 2)[0] == resetCommand
			break
		}
	}
	return p, sc.Err()
}

// notRun are the commands that pages show but the runner does not run,
// and why.
var notRun = []struct{ prefix, why string }{
	{"git clone ", "the test runs in the clone already"},
	{"cd ", "the test runs from the repository's root"},
	{"docker compose", "no Docker engine in the tests: the dev-server stands for compose's Redis"},
	{"docker-compose", "no Docker engine in the tests"},
	{"apt-get ", "installs system packages"},
	{"sudo ", "changes the system"},
	{"systemctl ", "changes the system"},
	{"supervisorctl ", "changes the system"},
	{"mkdocs ", "TestDocsSiteHasNoBrokenLinks builds the site"},
	{"go install ", "installs into the user's GOPATH"},
	{"go test", "the test suite itself"},
	{"pip ", "PyPI is not reachable from the tests"},
	{"python3 -m venv", "PyPI is not reachable from the tests"},
}

// A pageRunner runs pages against one dev-server.
type pageRunner struct {
	bin      string
	redisURL string
	banner   string // the dev-server's first line
	rdb      *redis.Client
	env      []string
}

func newPageRunner(t *testing.T, bin string) *pageRunner {
	t.Helper()
	port := fmt.Sprint(rqtest.FreePort(t))
	cmd := exec.Command(filepath.Join(bin, "rq"), "dev-server", "--addr", "127.0.0.1:"+port)
	out := &rqtest.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	rqtest.WaitFor(t, 20*time.Second, "the dev-server's banner", func() bool { return strings.Contains(out.String(), "\n") })
	r := &pageRunner{bin: bin, redisURL: "redis://127.0.0.1:" + port + "/0"}
	r.banner = strings.SplitN(out.String(), "\n", 2)[0]
	r.rdb = redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + port})
	t.Cleanup(func() { r.rdb.Close() })
	r.env = append(os.Environ(),
		"REDIS_URL="+r.redisURL, "TAREAS_SEMILLA=7", "TAREAS_SEGUNDO=1ms", "NO_COLOR=1",
		"PATH="+toolShims(t)+string(os.PathListSeparator)+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	return r
}

// run runs the commands of a page and compares their outputs.
func (r *pageRunner) run(t *testing.T, p page) {
	if p.err != nil {
		t.Fatal(p.err)
	}
	var servers []*background
	defer func() {
		for _, s := range servers {
			s.interrupt(t)
		}
	}()
	for i, b := range p.blocks {
		if b.lang != "sh" {
			continue
		}
		var want *pageBlock
		if i+1 < len(p.blocks) && isOutput(b, p.blocks[i+1]) {
			want = &p.blocks[i+1]
		}
		var got strings.Builder
		failed := false
		for _, line := range strings.Split(b.text, "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			out, ok, srv := r.command(t, p.file, b.line, line)
			got.WriteString(out)
			failed = failed || !ok
			if srv != nil {
				servers = append(servers, srv)
				if want != nil {
					srv.want, srv.wantLine = want, want.line
					want = nil
				}
			}
		}
		if want != nil {
			if msg := checkDuration(*want); msg != "" {
				t.Errorf("%s:%d: %s", p.file, want.line, msg)
			}
		}
		switch {
		case want != nil:
			if g, w := normalise(got.String(), r.redisURL), normalise(want.text+"\n", r.redisURL); g != w {
				t.Errorf("%s:%d: the output of\n%s\ndiffers from the block at line %d:\n%s", p.file, b.line, b.text, want.line, lineDiff(w, g))
			}
		case failed:
			t.Errorf("%s:%d: a command of this block failed, and no output block follows it:\n%s", p.file, b.line, got.String())
		}
	}
}

var (
	titleSeconds = regexp.MustCompile(`\((\d+) s\b`)
	tookSeconds  = regexp.MustCompile(`He tardado (\d+) segundos`)
	logClock     = regexp.MustCompile(`(?m)^(\d\d):(\d\d):(\d\d) `)
)

// checkDuration checks the duration an output block's title gives, as
// "Salida (34 s)", against the output itself: what the program says it
// took, or else the time between its first and last log lines, or else 0.
func checkDuration(b pageBlock) string {
	m := titleSeconds.FindStringSubmatch(b.title)
	if m == nil {
		return ""
	}
	var said int
	fmt.Sscan(m[1], &said)
	shown, how := 0, "it has no times, so it should be 0"
	if t := tookSeconds.FindStringSubmatch(b.text); t != nil {
		fmt.Sscan(t[1], &shown)
		how = "the program says it took that"
	} else if stamps := logClock.FindAllStringSubmatch(b.text, -1); len(stamps) > 0 {
		seconds := func(s []string) int {
			var h, m, sec int
			fmt.Sscan(s[1], &h)
			fmt.Sscan(s[2], &m)
			fmt.Sscan(s[3], &sec)
			return h*3600 + m*60 + sec
		}
		shown, how = seconds(stamps[len(stamps)-1])-seconds(stamps[0]), "its log lines span that"
	}
	if said != shown {
		return fmt.Sprintf("the title says %d s, but the output shows %d s (%s)", said, shown, how)
	}
	return ""
}

// isOutput reports whether next is the output of the commands in b: a
// text, JSON or YAML block with nothing but a blank line between them.
func isOutput(b, next pageBlock) bool {
	switch next.lang {
	case "text", "json", "yaml":
		return next.line-b.end <= 2
	}
	return false
}

// command runs one command line of a page and returns what it printed
// (stdout and stderr as a terminal shows them) and whether it exited 0; a
// server is returned still running.
func (r *pageRunner) command(t *testing.T, file string, blockLine int, line string) (string, bool, *background) {
	for _, n := range notRun {
		if strings.HasPrefix(line, n.prefix) {
			t.Logf("%s:%d: not run: %s (%s)", file, blockLine, line, n.why)
			return "", true, nil
		}
	}
	if strings.Contains(line, "python3") || strings.Contains(line, "/usr/bin/rq") {
		requirePythonRQ(t)
	}
	shell := rewriteGoRun(line)
	if strings.Contains(shell, rq2Home) {
		shell = strings.ReplaceAll(shell, rq2Home, rq2Shims(t)+"/")
	}
	args := strings.Fields(withoutEnv(shell))
	switch {
	case len(args) >= 2 && args[0] == "rq" && args[1] == "dev-server":
		return r.banner + "\n", true, nil // the runner's own dev-server
	case isLongWorker(args):
		b := r.start(t, shell)
		r.waitIdle(t, b, line)
		b.interrupt(t)
		return b.out.String(), b.err == nil, nil
	case isCron(args):
		b := r.start(t, shell)
		r.waitCron(t, b, line)
		b.interrupt(t)
		return b.out.String(), b.err == nil, nil
	case isServer(args):
		b := r.start(t, shell)
		rqtest.WaitFor(t, 30*time.Second, line+" to listen", func() bool { return b.listening() })
		return "", true, b
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", shell)
	cmd.Env = r.env
	var out rqtest.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s:%d: %s did not end within 2 minutes; it printed:\n%s", file, blockLine, line, out.String())
	}
	return out.String(), err == nil, nil
}

// pythonRQ says whether Debian's Python RQ can be imported.
var pythonRQ = sync.OnceValue(func() error {
	return exec.Command("/usr/bin/python3", "-c", "import rq").Run()
})

// requirePythonRQ skips a page that runs Python RQ where it is not
// installed, and fails in CI, which installs it.
func requirePythonRQ(t *testing.T) {
	if err := pythonRQ(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Python RQ is required in CI (apt-get install python3-rq): /usr/bin/python3 -c 'import rq': %v", err)
		}
		t.Skipf("Python RQ is not installed (apt-get install python3-rq): the page's Python commands are not run")
	}
}

var goRun = regexp.MustCompile(`go run \./(cmd/rq|demos/[\w-]+|ejercicios/[\w-]+)`)

// rewriteGoRun replaces `go run ./DIR` with the program built from DIR.
func rewriteGoRun(line string) string {
	return goRun.ReplaceAllStringFunc(line, func(s string) string {
		return filepath.Base(strings.TrimPrefix(s, "go run ./"))
	})
}

var envPrefix = regexp.MustCompile(`^([A-Z_][A-Z0-9_]*=\S*\s+)+`)

func withoutEnv(line string) string { return envPrefix.ReplaceAllString(line, "") }

// isLongWorker reports whether args start a worker that waits for jobs
// until Ctrl-C.
func isLongWorker(args []string) bool {
	if len(args) == 0 {
		return false
	}
	switch args[0] {
	case "04-worker", "worker-low", "worker-callado": // demos/, ejercicios/
		return true
	}
	if args[0] != "rq" || len(args) < 2 || args[1] != "worker" && args[1] != "worker-pool" {
		return false
	}
	for _, a := range args[2:] {
		if a == "--burst" || a == "-b" || a == "--help" || a == "-h" {
			return false
		}
	}
	return true
}

// isCron reports whether args start rq cron, which queues periodic jobs
// until Ctrl-C.
func isCron(args []string) bool {
	return len(args) >= 3 && args[0] == "rq" && args[1] == "cron" &&
		!slices.ContainsFunc(args[2:], func(a string) bool { return a == "--help" || a == "-h" })
}

// isServer reports whether args start a program that serves HTTP until
// Ctrl-C.
func isServer(args []string) bool {
	if len(args) == 0 {
		return false
	}
	switch args[0] {
	case "servicio-web", "panel":
		return true
	case "contar-palabras": // it serves its page while it waits for the result
		return !slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "-url") })
	case "rq":
		return len(args) > 1 && args[1] == "dashboard" && !slices.Contains(args, "--help")
	}
	return false
}

// A background is a command the runner started and will interrupt.
type background struct {
	line     string
	cmd      *exec.Cmd
	out      rqtest.Buffer
	done     chan struct{}
	err      error
	want     *pageBlock // the output block the page shows for it
	wantLine int
	r        *pageRunner
}

func (r *pageRunner) start(t *testing.T, shell string) *background {
	b := &background{line: shell, done: make(chan struct{}), r: r}
	// exec replaces the shell, so that the signal reaches the program.
	b.cmd = exec.Command("sh", "-c", "exec "+shell)
	b.cmd.Env = r.env
	b.cmd.Stdout, b.cmd.Stderr = &b.out, &b.out
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { b.err = b.cmd.Wait(); close(b.done) }()
	return b
}

var listenURL = regexp.MustCompile(`https?://(127\.0\.0\.1|localhost):(\d+)`)

// listening reports whether the server printed an address that accepts
// connections.
func (b *background) listening() bool {
	m := listenURL.FindStringSubmatch(b.out.String())
	if m == nil {
		return false
	}
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+m[2], time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// interrupt sends Ctrl-C (SIGINT) and waits for the program to end; a
// server's output is then compared with its block.
func (b *background) interrupt(t *testing.T) {
	b.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-b.done:
	case <-time.After(30 * time.Second):
		b.cmd.Process.Kill()
		<-b.done
		t.Errorf("%s did not stop within 30 s of Ctrl-C; it printed:\n%s", b.line, b.out.String())
	}
	if b.want != nil {
		if g, w := normalise(b.out.String(), b.r.redisURL), normalise(b.want.text+"\n", b.r.redisURL); g != w {
			t.Errorf("the output of %s differs from the block at line %d:\n%s", b.line, b.wantLine, lineDiff(w, g))
		}
	}
}

// waitIdle waits until a worker has nothing left to do: every queue empty,
// no job started, every worker idle, and its output settled.
func (r *pageRunner) waitIdle(t *testing.T, b *background, line string) {
	ctx := context.Background()
	idle := func() bool {
		select {
		case <-b.done:
			return true
		default:
		}
		workers, err := r.rdb.SMembers(ctx, "rq:workers").Result()
		if err != nil || len(workers) == 0 {
			return false
		}
		for _, w := range workers {
			if r.rdb.HGet(ctx, w, "state").Val() != "idle" {
				return false
			}
		}
		// Redis keeps no empty list or sorted set: a queue or started
		// registry that exists has jobs in it.
		for _, pattern := range []string{"rq:queue:*", "rq:wip:*"} {
			if ks, err := r.rdb.Keys(ctx, pattern).Result(); err != nil || len(ks) > 0 {
				return false
			}
		}
		return true
	}
	rqtest.WaitFor(t, 60*time.Second, line+" to finish its jobs", idle)
	// The worker writes its last log lines right after it records the
	// outcome.
	b.settle(t)
}

// settle waits until the program's output stops growing.
func (b *background) settle(t *testing.T) {
	last := ""
	rqtest.WaitFor(t, 10*time.Second, b.line+"'s output to settle", func() bool {
		cur := b.out.String()
		settled := cur == last && strings.HasSuffix(cur, "\n")
		last = cur
		if !settled {
			time.Sleep(200 * time.Millisecond)
		}
		return settled
	})
}

// waitCron waits until a cron scheduler has registered itself and its
// output has settled: it has queued what was due when it started.
func (r *pageRunner) waitCron(t *testing.T, b *background, line string) {
	ctx := context.Background()
	rqtest.WaitFor(t, 60*time.Second, line+" to register", func() bool {
		select {
		case <-b.done:
			return true
		default:
		}
		return r.rdb.ZCard(ctx, "rq:cron_schedulers").Val() > 0
	})
	b.settle(t)
}

var (
	uuidPattern   = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	workerPattern = regexp.MustCompile(`\b[0-9a-f]{32}\b`)
	clockPattern  = regexp.MustCompile(`\b\d\d:\d\d:\d\d\b`)
	tookPattern   = regexp.MustCompile(`He tardado \d+ segundos`)
	// RQ 2's worker says its PID and how long each job took.
	pidPattern   = regexp.MustCompile(`started with PID \d+,`)
	jobInPattern = regexp.MustCompile(`job in \d+:\d\d:\d\d\.\d+s on worker`)
	// A cron scheduler's default name is RQ's, HOST:PID:6 hex digits.
	cronNamePattern = regexp.MustCompile(`CronScheduler [\w.-]+:\d+:[0-9a-f]{6}:`)
	datePattern     = regexp.MustCompile(`\b\d{4}/\d\d/\d\d \d\d:\d\d:\d\d `)
	dayPattern      = regexp.MustCompile(`\b\d{4}-\d\d-\d\d([ T]HH:MM:SS)(\.\d+)?`)
	hostPattern     = regexp.MustCompile(`("host": "|host: )127\.0\.0\.1\b`)
)

// normalise replaces what differs from run to run in an output: job IDs
// and worker names (each by its order of first appearance, so that the
// same ID is still the same ID), clock times, the seconds a demo says it
// took, log.Fatal's date, and the runner's Redis address (a page shows the
// default one, localhost:6379 or 127.0.0.1:6379).
func normalise(s, redisURL string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if hostPort, ok := strings.CutPrefix(strings.TrimSuffix(redisURL, "/0"), "redis://"); ok {
		s = strings.ReplaceAll(s, hostPort, "localhost:6379")
	}
	s = strings.ReplaceAll(s, "127.0.0.1:6379", "localhost:6379")
	s = datePattern.ReplaceAllString(s, "")
	s = clockPattern.ReplaceAllString(s, "HH:MM:SS")
	s = dayPattern.ReplaceAllString(s, "YYYY-MM-DD${1}")
	s = hostPattern.ReplaceAllString(s, "${1}localhost")
	if _, port, ok := strings.Cut(strings.TrimSuffix(redisURL, "/0"), "127.0.0.1:"); ok {
		s = strings.ReplaceAll(s, `"port": `+port, `"port": 6379`)
		s = strings.ReplaceAll(s, "port: "+port, "port: 6379")
	}
	s = tookPattern.ReplaceAllString(s, "He tardado N segundos")
	s = pidPattern.ReplaceAllString(s, "started with PID N,")
	s = jobInPattern.ReplaceAllString(s, "job in 0:00:00.NNNNNNs on worker")
	s = cronNamePattern.ReplaceAllString(s, "CronScheduler HOST:PID:NNNNNN:")
	for _, p := range []struct {
		re   *regexp.Regexp
		name string
	}{{uuidPattern, "id"}, {workerPattern, "worker"}} {
		seen := map[string]string{}
		s = p.re.ReplaceAllStringFunc(s, func(m string) string {
			if seen[m] == "" {
				seen[m] = fmt.Sprintf("<%s%d>", p.name, len(seen)+1)
			}
			return seen[m]
		})
	}
	return s
}

// lineDiff shows two texts line by line, marking the lines that differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl == gl {
			fmt.Fprintf(&b, "  %s\n", wl)
			continue
		}
		fmt.Fprintf(&b, "- %s\n+ %s\n", wl, gl)
	}
	return b.String()
}
