//go:build unix

package rqlite_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/colasrq/rqlite-tutorial/rqlite"
	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

// The horse-death tests: a work horse must not outlive its worker, nor a
// job its timeout, though the job ignores its context. Their task,
// isolated.scribble, runs in a horse: it starts a `sleep` (child "group":
// in the horse's process group, as a job's subprocess is; "session": in a
// session of its own, out of the group), notes the pids in files, then
// appends to a marker file every 10 ms, for two minutes, whatever its
// context says.
func init() {
	rqlite.Register("isolated.scribble", scribble, "dir", "child")
}

func scribble(dir, child string) error {
	if child != "" {
		cmd := exec.Command("sleep", "600")
		if child == "session" {
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		}
		if err := cmd.Start(); err != nil {
			return err
		}
		if err := writePid(filepath.Join(dir, "child.pid"), cmd.Process.Pid); err != nil {
			return err
		}
	}
	if err := writePid(filepath.Join(dir, "horse.pid"), os.Getpid()); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(dir, "marker"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	for end := time.Now().Add(2 * time.Minute); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if _, err := f.WriteString("x"); err != nil {
			return err
		}
	}
	return nil
}

// writePid writes pid to path whole: a reader never sees half of it.
func writePid(path string, pid int) error {
	if err := os.WriteFile(path+".tmp", []byte(strconv.Itoa(pid)), 0o644); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

// scribbling is a test's view of an isolated.scribble job.
type scribbling struct {
	t     *testing.T
	dir   string
	child string
}

func newScribbling(t *testing.T, child string) *scribbling {
	t.Helper()
	if _, err := exec.LookPath("sleep"); err != nil {
		t.Skip("sleep is not on PATH")
	}
	s := &scribbling{t: t, dir: t.TempDir(), child: child}
	// Whatever the outcome, no process of the test outlives it (nor
	// writes in its directory, which is removed after this).
	t.Cleanup(func() {
		for _, name := range []string{"horse.pid", "child.pid"} {
			if pid := s.pid(name); pid > 0 && !processGone(pid) {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	return s
}

func (s *scribbling) args() []any { return []any{s.dir, s.child} }

// pid is the pid noted in file name, or 0.
func (s *scribbling) pid(name string) int {
	b, err := os.ReadFile(filepath.Join(s.dir, name))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(string(b))
	return pid
}

func (s *scribbling) marker() int64 {
	fi, err := os.Stat(filepath.Join(s.dir, "marker"))
	if err != nil {
		return 0
	}
	return fi.Size()
}

// waitStarted waits until the job has noted its pids and writes.
func (s *scribbling) waitStarted() {
	s.t.Helper()
	rqtest.WaitFor(s.t, 20*time.Second, "the job to write in its horse", func() bool {
		return s.pid("horse.pid") > 0 && (s.child == "" || s.pid("child.pid") > 0) && s.marker() > 0
	})
}

// waitGone waits until the horse, and the child if it is in the horse's
// group, run no more.
func (s *scribbling) waitGone(d time.Duration) {
	s.t.Helper()
	horse := s.pid("horse.pid")
	rqtest.WaitFor(s.t, d, fmt.Sprintf("the horse (pid %d) to die", horse), func() bool { return processGone(horse) })
	if s.child == "group" {
		child := s.pid("child.pid")
		rqtest.WaitFor(s.t, d, fmt.Sprintf("the job's subprocess (pid %d) to die", child), func() bool { return processGone(child) })
	}
}

// checkStopped checks that the marker does not grow any more, over 30
// times the task's period.
func (s *scribbling) checkStopped() {
	s.t.Helper()
	size := s.marker()
	for end := time.Now().Add(300 * time.Millisecond); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if now := s.marker(); now != size {
			s.t.Fatalf("the marker still grows (%d bytes, then %d): the job runs on", size, now)
		}
	}
}

// processGone reports whether process pid runs no more: it does not
// exist, or it is a zombie that its parent has not reaped yet (an orphan's
// new parent may be slow to, or never, reap it).
func processGone(pid int) bool {
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// The state follows the ")" that ends the command's name.
		if i := bytes.LastIndexByte(b, ')'); i >= 0 {
			f := strings.Fields(string(b[i+1:]))
			return len(f) > 0 && (f[0] == "Z" || f[0] == "X")
		}
		return false
	}
	return syscall.Kill(pid, 0) == syscall.ESRCH
}

// testWorkerProc is this test binary run as an isolated worker process
// (see runTestWorker).
type testWorkerProc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// startTestWorker starts an isolated worker process named name on the
// database of url. Its output, and its horses', goes to a file that is
// logged if the test fails: a pipe would be held by a horse that outlives
// the worker.
func startTestWorker(t *testing.T, url, name string) *testWorkerProc {
	t.Helper()
	out, err := os.Create(filepath.Join(t.TempDir(), "worker.log"))
	must(t, err)
	p := &testWorkerProc{done: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	p.cmd.Env = append(envWithout("RQLITE_HORSE"), testWorkerEnv+"="+url, "RQLITE_TEST_WORKER_NAME="+name)
	p.cmd.Stdout, p.cmd.Stderr = out, out
	must(t, p.cmd.Start())
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			b, _ := os.ReadFile(out.Name())
			t.Logf("worker output:\n%s", b)
		}
		out.Close()
	})
	return p
}

func (p *testWorkerProc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	must(t, p.cmd.Process.Signal(sig))
}

// kill9 kills the worker with SIGKILL, as kill -9 does, and waits for it.
func (p *testWorkerProc) kill9(t *testing.T) {
	t.Helper()
	p.signal(t, syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the worker did not die of SIGKILL")
	}
}

func envWithout(name string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, name+"=") {
			env = append(env, kv)
		}
	}
	return env
}

// isolatedSetup leases a database, for this process and a worker process,
// and enqueues an isolated.scribble job with the given timeout.
func isolatedSetup(t *testing.T, s *scribbling, timeout time.Duration) (url string, rdb *redis.Client, job *rqlite.Job) {
	t.Helper()
	url = rqtest.URL(t)
	opts, err := redis.ParseURL(url)
	must(t, err)
	rdb = redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	job, err = rqlite.NewQueue("default", rdb, nil).EnqueueCall(context.Background(), "isolated.scribble",
		&rqlite.EnqueueOptions{Args: s.args(), JobTimeout: timeout})
	must(t, err)
	return url, rdb, job
}

// A horse dies with its worker: kill -9 of an isolated worker kills the
// horse in the middle of a job that ignores its context, and what the job
// started.
func TestIsolatedHorseDiesWithKilledWorker(t *testing.T) {
	s := newScribbling(t, "group")
	url, _, _ := isolatedSetup(t, s, 10*time.Minute)
	w := startTestWorker(t, url, "doomed")
	s.waitStarted()
	w.kill9(t)
	s.waitGone(10 * time.Second)
	s.checkStopped()
}

// The parent-death signal alone kills the horse: the test holds the
// horse's requests open, as if the worker's end of them were not closed
// by its death, and kills the worker.
func TestIsolatedHorseGetsParentDeathSignal(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the parent-death signal is Linux's")
	}
	s := newScribbling(t, "group")
	url, _, _ := isolatedSetup(t, s, 10*time.Minute)
	w := startTestWorker(t, url, "doomed")
	s.waitStarted()

	// The worker's end of the pipe that is the horse's fd 3.
	pipe, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/3", s.pid("horse.pid")))
	must(t, err)
	fds := fmt.Sprintf("/proc/%d/fd", w.cmd.Process.Pid)
	entries, err := os.ReadDir(fds)
	must(t, err)
	var held *os.File
	for _, e := range entries {
		if l, _ := os.Readlink(filepath.Join(fds, e.Name())); l == pipe {
			if held, err = os.OpenFile(filepath.Join(fds, e.Name()), os.O_WRONLY|syscall.O_NONBLOCK, 0); err != nil {
				t.Skipf("cannot open the worker's end of the horse's requests: %v", err)
			}
			break
		}
	}
	if held == nil {
		t.Fatalf("the worker holds no end of the horse's requests (%s)", pipe)
	}
	defer held.Close()

	w.kill9(t)
	s.waitGone(10 * time.Second)
	s.checkStopped()
}

// The end of its requests in the middle of a job alone kills the horse and
// its process group: the test plays the worker, without a parent-death
// signal, as on macOS, and closes its end of the requests.
func TestIsolatedHorseEndsWithItsRequests(t *testing.T) {
	s := newScribbling(t, "group")
	reqR, reqW, err := os.Pipe()
	must(t, err)
	repR, repW, err := os.Pipe()
	must(t, err)
	defer repR.Close()
	out, err := os.Create(filepath.Join(t.TempDir(), "horse.log"))
	must(t, err)
	defer out.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(envWithout("RQLITE_HORSE"), "RQLITE_HORSE=1")
	cmd.ExtraFiles = []*os.File{reqR, repW}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	must(t, cmd.Start())
	reqR.Close()
	repW.Close()
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})

	// A request as the worker sends it.
	data, err := rqlite.JSON.Marshal([]any{"isolated.scribble", nil, s.args(), map[string]any{}})
	must(t, err)
	must(t, rqlite.WriteHorseRequest(reqW, "j1", "json", map[string][]byte{"data": data, "origin": []byte("default")}))
	s.waitStarted()
	reqW.Close()

	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("the horse runs on after the end of its requests")
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("the horse ended with %v, want killed by SIGKILL (its process group's)", cmd.ProcessState)
	}
	s.waitGone(10 * time.Second)
	s.checkStopped()
}

// A horse is killed at its job's timeout though the job ignores its
// context: the worker kills its process group, as RQ's worker kills a
// horse with SIGKILL, and the job fails with RQ's JobTimeoutException.
func TestIsolatedHorseKilledAtTimeout(t *testing.T) {
	s := newScribbling(t, "group")
	_, rdb, job := isolatedSetup(t, s, time.Second)
	var log strings.Builder
	workPastTimeout(t, s, rdb, &log, "")
	s.waitGone(10 * time.Second)
	s.checkStopped()
	ctx := context.Background()
	if st, _ := job.GetStatus(ctx); st != rqlite.StatusFailed {
		t.Errorf("status = %q, want failed", st)
	}
	if exc, _ := job.ExcInfo(ctx); exc != "JobTimeoutException: Task exceeded maximum timeout value (1 seconds)" {
		t.Errorf("exc_info = %q", exc)
	}
	if want := fmt.Sprintf("Killed horse pid %d", s.pid("horse.pid")); !strings.Contains(log.String(), want) {
		t.Errorf("log lacks %q:\n%s", want, log.String())
	}
}

// What a job starts in a session of its own outlives the killed horse, but
// does not hold the horse's pipes: the worker sees the horse die and goes
// on.
func TestIsolatedHorseKilledAtTimeoutLeavesNoPipes(t *testing.T) {
	s := newScribbling(t, "session")
	_, rdb, job := isolatedSetup(t, s, time.Second)
	workPastTimeout(t, s, rdb, &strings.Builder{}, ": does the job's subprocess hold the horse's pipes?")
	s.waitGone(10 * time.Second)
	if processGone(s.pid("child.pid")) {
		t.Error("the subprocess in a session of its own died with the horse: the test tests nothing")
	}
	if exc, _ := job.ExcInfo(context.Background()); exc != "JobTimeoutException: Task exceeded maximum timeout value (1 seconds)" {
		t.Errorf("exc_info = %q", exc)
	}
}

// A horse whose worker cannot kill it at the timeout (stopped with
// SIGSTOP) kills itself a little after; the worker, continued, fails the
// job as RQ fails a job whose horse was killed by a signal.
func TestIsolatedHorseKillsItselfWhenItsWorkerCannot(t *testing.T) {
	s := newScribbling(t, "group")
	url, _, job := isolatedSetup(t, s, 2*time.Second)
	w := startTestWorker(t, url, "stopped")
	s.waitStarted()
	w.signal(t, syscall.SIGSTOP)
	// The timeout (2 s), the worker's grace (0.5 s) and the horse's
	// backstop (5 s) from the start of the job.
	s.waitGone(30 * time.Second)
	s.checkStopped()
	w.signal(t, syscall.SIGCONT)
	ctx := context.Background()
	rqtest.WaitFor(t, 20*time.Second, "the job to fail", func() bool { st, _ := job.GetStatus(ctx); return st == rqlite.StatusFailed })
	if exc, _ := job.ExcInfo(ctx); exc != "Work-horse terminated unexpectedly; waitpid returned 9 (signal 9); " {
		t.Errorf("exc_info = %q, want RQ's text for a horse killed by SIGKILL", exc)
	}
}

// workPastTimeout runs a burst isolated worker, logging to log, over the
// scribbling job whose timeout is 1 s, and fails the test (the message
// ending with hint) if the worker is still at it 30 s later.
func workPastTimeout(t *testing.T, s *scribbling, rdb *redis.Client, log *strings.Builder, hint string) {
	t.Helper()
	w, err := rqlite.NewWorker(rdb, nil, &rqlite.WorkerOptions{Burst: true, Isolated: true, Name: "late",
		Logger: &rqlite.Logger{Out: log, Err: log}})
	must(t, err)
	done := make(chan error, 1)
	go func() { done <- w.Work(context.Background()) }()
	s.waitStarted()
	select {
	case err := <-done:
		must(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("the worker is still at the job 30 s after its 1 s timeout" + hint)
	}
}
