//go:build linux || freebsd

package rqlite

import "syscall"

// setParentDeathSignal asks the kernel to send sig to the process started
// with a when the thread that started it ends (see startOnSpawnerThread:
// horses are started from a thread that lives as long as the process).
func setParentDeathSignal(a *syscall.SysProcAttr, sig syscall.Signal) { a.Pdeathsig = sig }
