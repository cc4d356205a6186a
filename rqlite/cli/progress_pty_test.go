//go:build unix

package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// rqEnv is the environment of the rq commands of a test: the test's own,
// without what changes their output, with vars added.
func rqEnv(vars ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		switch name, _, _ := strings.Cut(kv, "="); name {
		case "NO_COLOR", "REDIS_URL", "TERM", "TAREAS_SEMILLA", "TAREAS_SEGUNDO", "COLUMNS", "LINES":
		default:
			env = append(env, kv)
		}
	}
	return append(env, vars...)
}

// enqueueBurst queues the jobs of TestBurstBarInTerminal on the Redis of url.
func enqueueBurst(t *testing.T, bin, url string) {
	t.Helper()
	for i := 1; i <= 8; i++ {
		call := []string{"tareas.contar_hasta", ":3"}
		if i%2 == 0 {
			call = []string{"tareas.tarea_pesada_y_falible", ":2"}
		}
		cmd := exec.Command(bin, append([]string{"enqueue", "--job-id", fmt.Sprintf("j%d", i)}, call...)...)
		cmd.Env = rqEnv("REDIS_URL=" + url)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("rq enqueue: %v\n%s", err, out)
		}
	}
}

// runInTerminal runs cmd in a pseudo-terminal of 40 rows and 120 columns,
// for those of its standard streams that are not set, and returns what it
// wrote to the terminal.
func runInTerminal(t *testing.T, cmd *exec.Cmd) []byte {
	t.Helper()
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if errors.Is(err, pty.ErrUnsupported) {
		t.Skip("no pseudo-terminals here")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	var raw bytes.Buffer
	copied := make(chan error, 1)
	go func() {
		_, err := io.Copy(&raw, tty)
		copied <- err
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("%s in a terminal: %v", strings.Join(cmd.Args, " "), err)
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("%s did not end within 60 s", strings.Join(cmd.Args, " "))
	}
	select {
	case <-copied: // EIO once the terminal has no process left
	case <-time.After(10 * time.Second):
		t.Fatal("the terminal's output did not end within 10 s of the command's exit")
	}
	return raw.Bytes()
}

var clockRE = regexp.MustCompile(`\b\d\d:\d\d:\d\d\b`)

// TestBurstBarInTerminal runs rq worker --burst in a pseudo-terminal of 120
// columns, as a reader runs it, and checks what the terminal shows: the
// progress bar is drawn only on the last line, and every line of the log
// and of the tasks' output is whole, on a line of its own, exactly as
// without the bar. With --isolated, the tasks write from work horses,
// child processes of the worker.
func TestBurstBarInTerminal(t *testing.T) {
	bin := rqtest.BuildRQ(t)
	for name, worker := range map[string][]string{
		"worker":   {"worker", "--burst", "-n", "w"},
		"isolated": {"worker", "--burst", "-n", "w", "--isolated"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testBurstBarInTerminal(t, bin, worker)
		})
	}
}

func testBurstBarInTerminal(t *testing.T, bin string, worker []string) {
	vars := []string{"TAREAS_SEMILLA=7", "TAREAS_SEGUNDO=100ms"}

	// The same jobs, run by a worker whose output is a pipe, give the
	// lines that the terminal must show.
	pipeURL := rqtest.URL(t)
	enqueueBurst(t, bin, pipeURL)
	cmd := exec.Command(bin, worker...)
	cmd.Env = rqEnv(append(vars, "REDIS_URL="+pipeURL, "NO_COLOR=1")...)
	plain, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("rq worker --burst: %v\n%s", err, plain)
	}
	want := strings.Split(clockRE.ReplaceAllString(string(plain), "HH:MM:SS"), "\n")
	if !strings.Contains(string(plain), "contar_hasta (3) 1 2 3 [OK]") || !strings.Contains(string(plain), "exception raised") {
		t.Fatalf("the jobs did not print what this test expects:\n%s", plain)
	}

	url := rqtest.URL(t)
	enqueueBurst(t, bin, url)
	cmd = exec.Command(bin, worker...)
	cmd.Env = rqEnv(append(vars, "REDIS_URL="+url, "TERM=xterm-256color")...)
	raw := runInTerminal(t, cmd)

	e := newTermEmulator(t, 120)
	bars, withLine := 0, 0
	e.leave = func(row string) {
		if barRE.MatchString(row) {
			t.Errorf("a progress bar was left above the last line: %q", row)
		}
	}
	e.erased = func(row string) {
		if barRE.MatchString(row) {
			bars++
			if strings.Contains(row, "]  contar_hasta (3)") {
				withLine++
			}
		}
	}
	e.feed(raw)
	got := e.lines()
	for i, l := range got {
		got[i] = clockRE.ReplaceAllString(l, "HH:MM:SS")
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the terminal shows:\n%s\nwant, as without a terminal:\n%s\nraw output:\n%q",
			strings.Join(got, "\n"), strings.Join(want, "\n"), string(raw))
	}
	// The bar was there, and it showed the line being written meanwhile.
	if bars == 0 || withLine == 0 {
		t.Errorf("the progress bar was drawn %d times, %d of them with a task's unfinished line; raw output:\n%q", bars, withLine, string(raw))
	}
}

// TestBurstNoBarWithoutTheTerminal runs rq worker --burst in a terminal with
// its standard output sent to a file: no bar then, since lines written
// elsewhere (through tee, say) would mix with it, and standard error still
// goes straight to the terminal.
func TestBurstNoBarWithoutTheTerminal(t *testing.T) {
	bin := rqtest.BuildRQ(t)
	url := rqtest.URL(t)
	enqueueBurst(t, bin, url)
	log, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd := exec.Command(bin, "worker", "--burst", "-n", "w")
	cmd.Env = rqEnv("REDIS_URL="+url, "TERM=xterm-256color", "TAREAS_SEMILLA=7", "TAREAS_SEGUNDO=1ms")
	cmd.Stdout = log
	raw := runInTerminal(t, cmd)
	if barRE.Match(raw) || !bytes.Contains(raw, []byte("exception raised")) {
		t.Errorf("the terminal shows:\n%s", raw)
	}
	out, err := os.ReadFile(log.Name())
	if err != nil || !bytes.Contains(out, []byte("contar_hasta (3) 1 2 3 [OK]")) || barRE.Match(out) {
		t.Errorf("standard output: %v\n%s", err, out)
	}
}
