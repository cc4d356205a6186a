//go:build unix

package rqlite

import (
	"errors"
	"syscall"
)

// processAlive reports whether a process with that pid exists on this
// host (one of another user's counts).
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
