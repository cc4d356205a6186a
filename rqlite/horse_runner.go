package rqlite

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// horseRunner runs an isolated worker's jobs in a work horse (see
// horse.go): it sends the horse a job's stored hash and reads back its ran,
// writing on the way the meta the task saves. It starts a horse ahead of
// need and replaces one that died or was killed, so that the next job does
// not wait for it.
type horseRunner struct {
	c   *conn
	log *Logger

	mu sync.Mutex
	h  *horse
}

func newHorseRunner(c *conn, log *Logger) (*horseRunner, error) {
	h, err := startHorse()
	if err != nil {
		return nil, err
	}
	return &horseRunner{c: c, log: log, h: h}, nil
}

func (r *horseRunner) start(ctx context.Context, job *Job, hash map[string]string, timeout time.Duration) <-chan ran {
	out := make(chan ran, 1)
	h, err := r.horse()
	if err != nil {
		out <- ran{err: err}
		return out
	}
	req := horseRequest{ID: job.ID, Hash: make(map[string][]byte, len(hash)), Serializer: r.c.serializer.Name()}
	for f, v := range hash {
		req.Hash[f] = []byte(v)
	}
	if timeout > 0 {
		req.TimeoutMS = timeout.Milliseconds()
	}
	if err := req.write(h.reqFile); err != nil {
		out <- r.kill(h)
		return out
	}
	go func() { out <- r.await(ctx, h, job) }()
	return out
}

// await reads the horse's replies to job until its ran, writing the meta
// the task saves on the way, and keeping it in job.Meta too, for the
// job's callbacks, as an in-process task's job has it.
func (r *horseRunner) await(ctx context.Context, h *horse, job *Job) ran {
	for {
		select {
		case m := <-h.replies:
			if m.Kind != "meta" {
				var s Serializer // the result is decoded for a success callback only
				if job.OnSuccess != "" {
					s = r.c.serializer
				}
				return ranOf(m, s)
			}
			if err := r.c.writeMeta(context.WithoutCancel(ctx), job.ID, m.Value); err != nil {
				r.log.Errorf("%v", err)
			}
			if v, err := r.c.serializer.Unmarshal(m.Value); err == nil {
				job.Meta, _ = v.(map[string]any)
			}
		case <-h.exited:
			// Replies read before the exit are still in the channel.
			select {
			case m := <-h.replies:
				h.replies <- m
				continue
			default:
			}
			r.replace(h)
			return h.death()
		}
	}
}

// interrupt kills the horse of a job stopped from outside, but at its
// timeout, where the horse answers itself (and is killed after grace if
// it does not). A horse killed by RQ's kill-horse command is a horse
// that died.
func (r *horseRunner) interrupt(cause error) (ran, bool) {
	if errors.Is(cause, errJobTimeout) {
		return ran{}, false
	}
	died := r.kill(nil)
	if errors.Is(cause, errKilled) {
		return died, true
	}
	return ran{cause: cause}, true
}

func (r *horseRunner) grace() time.Duration { return horseGrace }

func (r *horseRunner) abandon(jobID string, cause error) ran {
	r.log.Warnf("Job %s did not stop at its timeout: killing its work horse", jobID)
	d := r.kill(nil) // a horse killed under its job, for HorseKilled
	return ran{cause: cause, horsePID: d.horsePID, horseStatus: d.horseStatus}
}

func (r *horseRunner) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.h != nil {
		r.h.close()
		r.h = nil
	}
}

// horse returns the runner's horse, starting one if needed.
func (r *horseRunner) horse() (*horse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.h == nil {
		h, err := startHorse()
		if err != nil {
			return nil, err
		}
		r.h = h
	}
	return r.h, nil
}

// kill kills horse h (the current one if nil), starts another and returns
// the killed one's death.
func (r *horseRunner) kill(h *horse) ran {
	if h == nil {
		r.mu.Lock()
		h = r.h
		r.mu.Unlock()
	}
	h.kill()
	r.log.Infof("Killed horse pid %d", h.cmd.Process.Pid)
	r.replace(h)
	return h.death()
}

// replace starts a horse in place of h, which died or was killed.
func (r *horseRunner) replace(h *horse) {
	r.mu.Lock()
	if r.h == h {
		r.h = nil
	}
	r.mu.Unlock()
	if _, err := r.horse(); err != nil {
		r.log.Errorf("%v", err)
	}
}

// horse is the worker's side of a work horse process.
type horse struct {
	cmd     *exec.Cmd
	reqFile *os.File
	replies chan horseReply
	exited  chan struct{} // closed when the process has exited
	status  syscall.WaitStatus
}

// startHorse starts a horse: this program again, with RQLITE_HORSE set to
// the decoding limits in force.
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
	cmd.Env = append(os.Environ(), horseEnv+"="+horseEnvValue())
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
	h := &horse{cmd: cmd, reqFile: reqW, replies: make(chan horseReply, 16), exited: make(chan struct{})}
	go func() {
		r := bufio.NewReader(repR)
		for {
			m, err := readHorseReply(r)
			if err != nil {
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
