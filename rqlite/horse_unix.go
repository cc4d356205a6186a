//go:build unix

package rqlite

import (
	"os"
	"syscall"
)

// horseSysProcAttr puts a horse in a process group of its own, so that
// killing the group also kills what the job started, and, where the kernel
// has one (Linux, FreeBSD: see setParentDeathSignal), asks for a
// parent-death signal: SIGTERM, on which the horse kills its group (see
// serveHorseOnce). SIGKILL would kill the horse alone, before it could kill
// what the job started.
func horseSysProcAttr() *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(a, syscall.SIGTERM)
	return a
}

// horseDeathSignals are the signals on which a horse kills its process
// group: its parent-death signal.
func horseDeathSignals() []os.Signal { return []os.Signal{syscall.SIGTERM} }

// horseDie kills the horse's process group, the horse with it: what the
// job started dies too. A horse that is not the leader of its group (it
// was not started by startHorse) kills only itself.
func horseDie() {
	if syscall.Getpgrp() == os.Getpid() {
		syscall.Kill(0, syscall.SIGKILL)
	}
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // the process is ending
}

// closeOnExec keeps fd from the processes that this one starts.
func closeOnExec(fd int) { syscall.CloseOnExec(fd) }

func killProcessGroup(pid int) { syscall.Kill(-pid, syscall.SIGKILL) }

// rawStatus is the status as waitpid returns it, which RQ prints.
func rawStatus(ws syscall.WaitStatus) int { return int(ws) }
