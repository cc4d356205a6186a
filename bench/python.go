package main

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The Python side of the bench, written to a temporary directory at run
// time, so that the program needs no file of this checkout.
var (
	//go:embed rq_bench.py
	rqBenchPy []byte
	//go:embed noop_tasks.py
	noopTasksPy []byte
)

// pythonRQ runs rq_bench.py with a Python that has RQ.
type pythonRQ struct {
	python  string
	dir     string // holds rq_bench.py and noop_tasks.py
	version string
}

// findPythonRQ returns a runner for the Python at path, or nil and why it
// cannot be used.
func findPythonRQ(path string) (*pythonRQ, string) {
	const missing = "not installed (apt-get install python3-rq)"
	if _, err := os.Stat(path); err != nil {
		return nil, missing
	}
	dir, err := os.MkdirTemp("", "rqlite-bench-py-")
	if err != nil {
		return nil, "not usable: " + err.Error()
	}
	for name, data := range map[string][]byte{"rq_bench.py": rqBenchPy, "noop_tasks.py": noopTasksPy} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			os.RemoveAll(dir)
			return nil, "not usable: " + err.Error()
		}
	}
	p := &pythonRQ{python: path, dir: dir}
	var v struct{ Version string }
	// The version needs no Redis: the URL is parsed, never dialled.
	if err := p.run(&v, "version", "redis://127.0.0.1:6379/15", benchQueue); err != nil || v.Version == "" {
		os.RemoveAll(dir)
		return nil, missing
	}
	p.version = v.Version
	return p, ""
}

func (p *pythonRQ) close() { os.RemoveAll(p.dir) }

func (p *pythonRQ) command(args ...string) *exec.Cmd {
	cmd := exec.Command(p.python, append([]string{filepath.Join(p.dir, "rq_bench.py")}, args...)...)
	cmd.Dir = p.dir
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	return cmd
}

// run runs rq_bench.py and decodes the JSON line it prints into out.
func (p *pythonRQ) run(out any, args ...string) error {
	cmd := p.command(args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("rq_bench.py %s: %v: %s", args[0], err, strings.TrimSpace(stderr.String()))
	}
	return decodeLastLine(stdout.Bytes(), out)
}

// decodeLastLine decodes the last line of output that holds a JSON object.
func decodeLastLine(output []byte, out any) error {
	lines := strings.Split(strings.TrimSpace(string(output)), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "{") {
			return json.Unmarshal([]byte(lines[i]), out)
		}
	}
	return fmt.Errorf("no JSON in the output of rq_bench.py: %q", output)
}

// pyEnqueue is Python RQ's enqueue, one call at a time.
func (e *env) pyEnqueue(p *pythonRQ, n int) (float64, error) {
	if err := e.flush(); err != nil {
		return 0, err
	}
	var res struct{ Jobs, Seconds float64 }
	if err := p.run(&res, "enqueue", e.cfg.url, benchQueue, strconv.Itoa(n)); err != nil {
		return 0, err
	}
	if err := e.expectQueued(n); err != nil {
		return 0, err
	}
	return round(res.Jobs/res.Seconds, 0), nil
}

// pyDrain times `workers` burst Python RQ workers of the given kind
// ("simple" or "fork"), each in its own process, draining n queued no-op
// jobs. The processes start working together, once each has made its
// worker, so that Python's start-up is left out: the time runs from then
// to the last one's end.
func (e *env) pyDrain(p *pythonRQ, n int, kind string, workers int) (float64, error) {
	if err := e.flush(); err != nil {
		return 0, err
	}
	if err := p.run(&struct{}{}, "fill", e.cfg.url, benchQueue, strconv.Itoa(n)); err != nil {
		return 0, err
	}
	if err := e.expectQueued(n); err != nil {
		return 0, err
	}
	type proc struct {
		cmd    *exec.Cmd
		stdin  io.WriteCloser
		stdout *bufio.Reader
		stderr bytes.Buffer
	}
	procs := make([]*proc, workers)
	defer func() {
		for _, pr := range procs {
			if pr != nil && pr.cmd.ProcessState == nil {
				pr.cmd.Process.Kill()
				pr.cmd.Wait()
			}
		}
	}()
	for i := range procs {
		pr := &proc{cmd: p.command(kind, e.cfg.url, benchQueue)}
		pr.cmd.Stderr = &pr.stderr
		var err error
		if pr.stdin, err = pr.cmd.StdinPipe(); err != nil {
			return 0, err
		}
		out, err := pr.cmd.StdoutPipe()
		if err != nil {
			return 0, err
		}
		pr.stdout = bufio.NewReader(out)
		if err := pr.cmd.Start(); err != nil {
			return 0, err
		}
		procs[i] = pr
	}
	for _, pr := range procs {
		if line, err := pr.stdout.ReadString('\n'); strings.TrimSpace(line) != "ready" {
			return 0, fmt.Errorf("rq_bench.py %s: not ready (%q, %v): %s", kind, line, err, strings.TrimSpace(pr.stderr.String()))
		}
	}
	start := float64(time.Now().UnixMicro()) / 1e6
	for _, pr := range procs {
		io.WriteString(pr.stdin, "go\n")
	}
	var last float64
	for _, pr := range procs {
		rest, _ := io.ReadAll(pr.stdout)
		if err := pr.cmd.Wait(); err != nil {
			return 0, fmt.Errorf("rq_bench.py %s: %v: %s", kind, err, strings.TrimSpace(pr.stderr.String()))
		}
		var res struct{ End float64 }
		if err := decodeLastLine(rest, &res); err != nil {
			return 0, err
		}
		last = max(last, res.End)
	}
	if err := e.expectFinished(e.queue(), n); err != nil {
		return 0, err
	}
	return perSecond(n, time.Duration((last-start)*float64(time.Second))), nil
}

// pyRSS is the resident memory of an idle Python RQ SimpleWorker.
func (e *env) pyRSS(p *pythonRQ) (float64, error) {
	if err := e.flush(); err != nil {
		return 0, err
	}
	cmd := p.command("idle", e.cfg.url, benchQueue)
	return e.childRSS(cmd.Path, cmd.Args[1:], func() error { return e.waitWorkers(1, 20*time.Second) })
}
