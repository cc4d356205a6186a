//go:build unix && !linux && !freebsd

package rqlite

import "syscall"

// setParentDeathSignal does nothing where the kernel has no parent-death
// signal: a horse notices its worker's death by the end of its requests.
func setParentDeathSignal(*syscall.SysProcAttr, syscall.Signal) {}
