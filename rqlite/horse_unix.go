//go:build unix

package rqlite

import "syscall"

// horseSysProcAttr puts a horse in a process group of its own, so that
// killing the group also kills what the job started.
func horseSysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func killProcessGroup(pid int) { syscall.Kill(-pid, syscall.SIGKILL) }

// rawStatus is the status as waitpid returns it, which RQ prints.
func rawStatus(ws syscall.WaitStatus) int { return int(ws) }
