package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// benchModule is the path of this module.
const benchModule = "github.com/colasrq/rqlite-tutorial/bench"

// helpers builds, once, the small programs whose memory is measured
// (./cmd/rqliteworker and ./cmd/asynqworker of this module), and returns
// the directory that holds them. A program of its own, rather than this
// one started again, keeps the plotting and the peers' code out of the
// figure.
func (e *env) helpers() (string, error) {
	if e.helperDir != "" || e.helperErr != nil {
		return e.helperDir, e.helperErr
	}
	e.helperErr = func() error {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			return fmt.Errorf("the memory figures build small programs with the go command: %v", err)
		}
		gomod := strings.TrimSpace(string(out))
		data, err := os.ReadFile(gomod)
		if gomod == "" || err != nil || !strings.Contains(string(data), "module "+benchModule+"\n") {
			return fmt.Errorf("the memory figures build ./cmd/... of %s: run the bench from its directory (cd bench)", benchModule)
		}
		dir, err := os.MkdirTemp("", "rqlite-bench-bin-")
		if err != nil {
			return err
		}
		cmd := exec.Command("go", "build", "-o", dir+string(os.PathSeparator), "./cmd/rqliteworker", "./cmd/asynqworker")
		cmd.Dir = filepath.Dir(gomod)
		if out, err := cmd.CombinedOutput(); err != nil {
			os.RemoveAll(dir)
			return fmt.Errorf("go build ./cmd/...: %v\n%s", err, out)
		}
		e.helperDir = dir
		return nil
	}()
	return e.helperDir, e.helperErr
}

func (e *env) removeHelpers() {
	if e.helperDir != "" {
		os.RemoveAll(e.helperDir)
	}
}

// childRSS starts a program that waits for jobs, waits until ready says it
// is up, lets it idle for a second, and returns its resident memory (VmRSS)
// in MB (2^20 bytes). It then stops it with SIGTERM.
func (e *env) childRSS(exe string, args []string, ready func() error) (mb float64, err error) {
	cmd := exec.Command(exe, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}()
	readyErr := make(chan error, 1)
	go func() { readyErr <- ready() }()
	select {
	case err := <-readyErr:
		if err != nil {
			return 0, err
		}
	case err := <-exited:
		exited <- err // for the deferred stop
		return 0, fmt.Errorf("%s exited before it was ready: %v", exe, err)
	}
	time.Sleep(time.Second)
	kb, err := vmRSS(cmd.Process.Pid)
	if err != nil {
		return 0, err
	}
	return round(float64(kb)/1024, 2), nil
}

// vmRSS reads the resident memory of a process, in kB, from
// /proc/PID/status (Linux only).
func vmRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("cannot read the memory of process %d (Linux /proc only): %w", pid, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, errors.New("no VmRSS in /proc/PID/status")
}
