package rqlite

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
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

// horseEnv marks a horse process. Its value is the worker's decoding
// limits (see SetDecodeLimits), as JSON, which the horse applies before it
// decodes anything: a horse that starts at the top of main has not run
// what set them in its worker.
const horseEnv = "RQLITE_HORSE"

// horseEnvValue is horseEnv's value for a horse of this process.
func horseEnvValue() string {
	b, _ := json.Marshal(DecodeLimits()) // a struct of numbers
	return string(b)
}

// applyHorseLimits applies the decoding limits that horseEnv carries; a
// value that is not the worker's JSON (a horse started by hand, "1") sets
// the defaults.
func applyHorseLimits() {
	var l Limits
	if json.Unmarshal([]byte(os.Getenv(horseEnv)), &l) != nil {
		l = Limits{}
	}
	SetDecodeLimits(l)
}

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
	serveHorseOnce(tasks, nil)
}

var horseServing sync.Once

// serveHorseOnce serves the horse protocol on fds 3 and 4, then exits. s,
// if not nil, is the worker's serializer (see serveHorse).
func serveHorseOnce(tasks *TaskRegistry, s Serializer) {
	horseServing.Do(func() {
		applyHorseLimits()
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
		serveHorse(tasks, s, in, out, horseDie)
		os.Exit(0)
	})
	select {} // another worker of this process is serving
}

// horseRequest is a job sent to a horse: its hash as the worker took it
// from Redis, in the stored bytes, so that the horse decodes its call with
// the job's serializer as an in-process worker does.
type horseRequest struct {
	ID         string
	Hash       map[string][]byte
	Serializer string // its Name
	TimeoutMS  int64  // 0: none
}

// horseReply is a line from a horse: a meta update while a job runs, or
// the job's ran. Values are in the job's serializer.
type horseReply struct {
	Kind  string // meta, ok, error, uncalled, panic, stopped
	Value []byte // ok: the result; meta: the meta
	Error string
	Stack string
	Cause string // stopped: see causeNames
}

// causeNames name the causes of a stopped job on the pipe.
var causeNames = map[string]error{"timeout": errJobTimeout, "stopped": errStoppedByUser,
	"killed": errKilled, "cold": errColdShutdown}

// serveHorse runs jobs read from in and writes their outcomes to out until
// in is closed between jobs. It calls die, which must not return, when in
// ends while a job runs (the worker died), or when a job runs horseBackstop
// past its timeout and horseGrace (the worker did not kill the horse).
// Jobs are decoded with the serializer their request names, or with s
// when its name is that one (a serializer of the program's own).
func serveHorse(tasks *TaskRegistry, s Serializer, in io.Reader, out io.Writer, die func()) {
	var mu sync.Mutex
	send := func(m horseReply) {
		mu.Lock()
		defer mu.Unlock()
		m.write(out)
	}
	// Requests are read while jobs run, so that the end of them is seen at
	// once. pending counts the jobs read whose outcome is not yet sent: it
	// goes up before a job is handed over and down before its outcome is
	// sent, since a worker may close the pipe as soon as it has the outcome.
	var pending atomic.Int64
	reqs := make(chan *horseRequest)
	go func() {
		defer close(reqs)
		r := bufio.NewReader(in)
		for {
			req, err := readHorseRequest(r)
			if err != nil {
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
		m := replyOf(runHorseJob(tasks, s, req, send, die))
		pending.Add(-1)
		send(m)
	}
}

// runHorseJob decodes a request's job and runs it as an in-process worker
// does, with a context that ends at the job's timeout.
func runHorseJob(tasks *TaskRegistry, s Serializer, req *horseRequest, send func(horseReply), die func()) ran {
	if s == nil || s.Name() != req.Serializer {
		var err error
		if s, err = SerializerByName(req.Serializer); err != nil {
			return ran{err: fmt.Errorf("the work horse cannot decode job %s: %w", req.ID, err), uncalled: true}
		}
	}
	job := &Job{ID: req.ID, c: &conn{serializer: s, metaSink: func(m map[string]any) {
		b, _ := s.Marshal(m) // SaveMeta has checked that it can
		send(horseReply{Kind: "meta", Value: b})
	}}}
	hash := make(map[string]string, len(req.Hash))
	for f, v := range req.Hash {
		hash[f] = string(v)
	}
	if err := job.decode(hash); err != nil {
		return ran{err: fmt.Errorf("cannot read job %s: %w", req.ID, err), uncalled: true}
	}
	if job.Meta == nil {
		job.Meta = map[string]any{}
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
	return runTask(ctx, tasks, job)
}

// replyOf is the line that carries r to the worker.
func replyOf(r ran) horseReply {
	var p *PanicError
	switch {
	case r.cause != nil:
		for name, c := range causeNames {
			if c == r.cause {
				return horseReply{Kind: "stopped", Cause: name, Error: r.err.Error()}
			}
		}
		return horseReply{Kind: "error", Error: r.err.Error()}
	case errors.As(r.err, &p):
		return horseReply{Kind: "panic", Error: fmt.Sprint(p.Value), Stack: string(p.Stack)}
	case r.err != nil && r.uncalled:
		return horseReply{Kind: "uncalled", Error: r.err.Error()}
	case r.err != nil:
		return horseReply{Kind: "error", Error: r.err.Error()}
	}
	return horseReply{Kind: "ok", Value: r.stored}
}

// ranOf reads what replyOf wrote; a result is decoded with s, if not nil,
// for the job's success callback.
func ranOf(m horseReply, s Serializer) ran {
	switch m.Kind {
	case "ok":
		r := ran{stored: m.Value}
		if m.Value != nil && s != nil {
			v, err := s.Unmarshal(m.Value)
			if err != nil {
				return ran{err: fmt.Errorf("the work horse sent a result that cannot be read: %w", err)}
			}
			r.value = v
		}
		return r
	case "stopped":
		return ran{err: errors.New(m.Error), cause: causeNames[m.Cause]}
	case "panic":
		return ran{err: &PanicError{Value: m.Error, Stack: []byte(m.Stack)}}
	case "uncalled":
		return ran{err: errors.New(m.Error), uncalled: true}
	}
	return ran{err: errors.New(m.Error)}
}
