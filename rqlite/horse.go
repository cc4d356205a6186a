package rqlite

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Process isolation (WorkerOptions.Isolated) runs each job in a child
// process, the work horse, as RQ's forking Worker does, so that a job that
// ignores its timeout, loops for ever or crashes its process cannot take
// the worker down: the worker kills the horse and goes on.
//
// Go cannot fork, so the horse is the worker's own program started again
// with RQLITE_HORSE set: the program runs as usual until it reaches
// Worker.Work (or calls ServeHorseIfChild, as the rq command does), where
// it serves as a horse instead. Horses are started ahead of need and run
// many jobs each; only a killed horse is replaced. Worker and horse talk
// JSON lines over two pipes (file descriptors 3 and 4 of the horse); the
// horse never talks to Redis: the worker writes every outcome, and the
// meta a task saves goes through the worker.
//
// A horse does not outlive its worker, nor a job its timeout, whatever the
// task does with its context:
//
//   - The worker kills a horse (its process group: the horse and what the
//     job started) when a job's timeout and horseGrace have passed, as RQ's
//     worker kills a horse with SIGKILL.
//   - A horse that is still running a job horseBackstop after that kills
//     its process group itself: a worker that is stopped (SIGSTOP) or stuck
//     cannot leave the job running.
//   - A horse reads its requests while a job runs: end of file on them in
//     the middle of a job means that the worker died (a killed process's
//     pipes are closed by the kernel), and the horse kills its process
//     group. This works wherever pipes do (Linux, macOS, the BSDs).
//   - Where the kernel has a parent-death signal (Linux: prctl's
//     PR_SET_PDEATHSIG, which os/exec sets from SysProcAttr.Pdeathsig), the
//     horse also gets SIGTERM when its worker dies, and kills its process
//     group on it. That signal comes when the thread that started the horse
//     ends, not the process (go.dev/issue/27505), so horses are started
//     from one goroutine locked to its thread for the life of the process
//     (startOnSpawnerThread).

// horseEnv marks a horse process.
const horseEnv = "RQLITE_HORSE"

// horseGrace is how long a horse may take to answer after a job's timeout
// before it is killed.
const horseGrace = 500 * time.Millisecond

// horseBackstop is how long after a job's timeout and horseGrace a horse
// whose worker has not killed it kills itself. The worker's own kill comes
// first but for a worker that is stopped or stuck: the job then fails with
// RQ's text for a horse killed by a signal.
const horseBackstop = 5 * time.Second

// IsHorse reports whether this process is a work horse of an isolated
// worker.
func IsHorse() bool { return os.Getenv(horseEnv) != "" }

// ServeHorseIfChild, in a work horse, runs the jobs its worker sends, with
// the tasks of the given registry (DefaultTasks if nil), and exits the
// process when the worker goes away; elsewhere it returns at once. Programs
// that run isolated workers and do anything before Worker.Work that a
// horse should not do call it first in main.
func ServeHorseIfChild(tasks *TaskRegistry) {
	if !IsHorse() {
		return
	}
	if tasks == nil {
		tasks = DefaultTasks
	}
	serveHorseOnce(tasks)
}

var horseServing sync.Once

// serveHorseOnce serves the horse protocol on fds 3 and 4, then exits.
func serveHorseOnce(tasks *TaskRegistry) {
	horseServing.Do(func() {
		// What a job starts must not hold the worker's pipes: a process
		// that outlived the horse would keep the worker from seeing it die.
		closeOnExec(3)
		closeOnExec(4)
		in := os.NewFile(3, "horse-requests")
		out := os.NewFile(4, "horse-replies")
		if sigs := horseDeathSignals(); len(sigs) > 0 {
			c := make(chan os.Signal, 1)
			signal.Notify(c, sigs...)
			go func() {
				<-c
				horseDie()
			}()
		}
		serveHorse(tasks, in, out, horseDie)
		os.Exit(0)
	})
	select {} // another worker of this process is serving
}

// horseRequest is a job sent to a horse.
type horseRequest struct {
	ID          string         `json:"id"`
	Func        string         `json:"func"`
	Args        []any          `json:"args"`
	Kwargs      map[string]any `json:"kwargs"`
	TimeoutMS   int64          `json:"timeout_ms"` // 0: none
	Origin      string         `json:"origin"`
	Description string         `json:"description"`
	Meta        map[string]any `json:"meta"`
}

// horseMessage is a line from a horse: a meta update while a job runs, or
// the job's outcome.
type horseMessage struct {
	Kind   string          `json:"kind"` // meta, ok, error, panic, timeout
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
	Stack  string          `json:"stack,omitempty"`
	Meta   map[string]any  `json:"meta,omitempty"`
}

// serveHorse runs jobs read from in and writes their outcomes to out until
// in is closed between jobs. It calls die, which must not return, when in
// ends while a job runs (the worker died), or when a job runs horseBackstop
// past its timeout and horseGrace (the worker did not kill the horse).
func serveHorse(tasks *TaskRegistry, in io.Reader, out io.Writer, die func()) {
	enc := json.NewEncoder(out)
	var mu sync.Mutex
	send := func(m horseMessage) {
		mu.Lock()
		defer mu.Unlock()
		enc.Encode(m)
	}
	// Requests are read while jobs run, so that the end of them is seen at
	// once. pending counts the jobs read whose outcome is not yet sent: it
	// goes up before a job is handed over and down before its outcome is
	// sent, since a worker may close the pipe as soon as it has the outcome.
	var pending atomic.Int64
	reqs := make(chan *horseRequest)
	go func() {
		defer close(reqs)
		dec := json.NewDecoder(in)
		dec.UseNumber() // plainNumbers reads them: an int beyond int64 exactly
		for {
			req := new(horseRequest)
			if err := dec.Decode(req); err != nil {
				if pending.Load() > 0 {
					die() // the worker is gone in the middle of a job
				}
				return
			}
			pending.Add(1)
			reqs <- req
		}
	}()
	for req := range reqs {
		m := runInHorse(tasks, req, send, die)
		pending.Add(-1)
		send(m)
	}
}

func runInHorse(tasks *TaskRegistry, req *horseRequest, send func(horseMessage), die func()) horseMessage {
	task, ok := tasks.Lookup(req.Func)
	if !ok {
		return horseMessage{Kind: "error", Error: fmt.Sprintf("unknown function %q: no task is registered under that name in this worker", req.Func)}
	}
	in, err := task.bind(plainNumbers(req.Args).([]any), plainKwargs(req.Kwargs))
	if err != nil {
		return horseMessage{Kind: "error", Error: err.Error()}
	}
	ctx := context.Background()
	if req.TimeoutMS > 0 {
		var cancel context.CancelFunc
		timeout := time.Duration(req.TimeoutMS) * time.Millisecond
		ctx, cancel = context.WithTimeoutCause(ctx, timeout, errJobTimeout)
		defer cancel()
		// A task may ignore its context; the worker kills the horse then,
		// and if the worker cannot, the horse kills itself.
		backstop := time.AfterFunc(timeout+horseGrace+horseBackstop, die)
		defer backstop.Stop()
	}
	job := &Job{ID: req.ID, FuncName: req.Func, Origin: req.Origin, Description: req.Description, Meta: req.Meta,
		c: &conn{metaSink: func(m map[string]any) { send(horseMessage{Kind: "meta", Meta: m}) }}}
	if job.Meta == nil {
		job.Meta = map[string]any{}
	}
	v, err := task.call(withJob(ctx, job), in)
	var p *PanicError
	switch {
	case errors.As(err, &p):
		return horseMessage{Kind: "panic", Error: fmt.Sprint(p.Value), Stack: string(p.Stack)}
	case err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return horseMessage{Kind: "timeout", Error: err.Error()}
	case err != nil:
		return horseMessage{Kind: "error", Error: err.Error()}
	}
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal("Unserializable return value")
	}
	return horseMessage{Kind: "ok", Result: b}
}

func plainKwargs(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return plainNumbers(m).(map[string]any)
}

// horse is the worker's side of a work horse process.
type horse struct {
	cmd     *exec.Cmd
	req     *json.Encoder
	reqFile *os.File
	replies chan horseMessage
	exited  chan struct{} // closed when the process has exited
	status  syscall.WaitStatus
}

// startHorse starts a horse: this program again, with RQLITE_HORSE set.
func startHorse() (*horse, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("rqlite: start work horse: %w", err)
	}
	reqR, reqW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("rqlite: start work horse: %w", err)
	}
	repR, repW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("rqlite: start work horse: %w", err)
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(os.Environ(), horseEnv+"=1")
	cmd.Stdin = nil
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	cmd.ExtraFiles = []*os.File{reqR, repW}
	cmd.SysProcAttr = horseSysProcAttr()
	if err := startOnSpawnerThread(cmd); err != nil {
		reqR.Close()
		reqW.Close()
		repR.Close()
		repW.Close()
		return nil, fmt.Errorf("rqlite: start work horse: %w", err)
	}
	reqR.Close()
	repW.Close()
	h := &horse{cmd: cmd, req: json.NewEncoder(reqW), reqFile: reqW, replies: make(chan horseMessage, 16), exited: make(chan struct{})}
	go func() {
		dec := json.NewDecoder(bufio.NewReader(repR))
		for {
			var m horseMessage
			if err := dec.Decode(&m); err != nil {
				break
			}
			h.replies <- m
		}
		repR.Close()
		cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
			h.status = ws
		}
		close(h.exited)
	}()
	return h, nil
}

// spawner is the goroutine, locked to its OS thread for the life of the
// process, that starts horses: a parent-death signal (SysProcAttr.Pdeathsig)
// is sent when the thread that started the child ends, and Go ends a thread
// when a goroutine locked to it returns, so a horse started from any other
// thread could be killed while its worker lives.
var spawner struct {
	once sync.Once
	reqs chan func()
}

// startOnSpawnerThread starts cmd from the spawner thread.
func startOnSpawnerThread(cmd *exec.Cmd) error {
	spawner.once.Do(func() {
		spawner.reqs = make(chan func())
		go func() {
			runtime.LockOSThread() // never unlocked: the thread must not end
			for f := range spawner.reqs {
				f()
			}
		}()
	})
	done := make(chan error, 1)
	spawner.reqs <- func() { done <- cmd.Start() }
	return <-done
}

// kill kills the horse and everything it started, and waits for it.
func (h *horse) kill() {
	killProcessGroup(h.cmd.Process.Pid)
	h.reqFile.Close()
	<-h.exited
}

// close ends a horse that is idle: it exits when its requests end.
func (h *horse) close() {
	h.reqFile.Close()
	select {
	case <-h.exited:
	case <-time.After(5 * time.Second):
		h.kill()
	}
}

// diedReason is RQ's text for a horse that died under a job.
func (h *horse) diedReason() string {
	ret := rawStatus(h.status)
	if h.status.Signaled() {
		return fmt.Sprintf("Work-horse terminated unexpectedly; waitpid returned %d (signal %d); ", ret, int(h.status.Signal()))
	}
	return fmt.Sprintf("Work-horse terminated unexpectedly; waitpid returned %d; ", ret)
}
