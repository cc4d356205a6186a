//go:build !unix

package rqlite

import (
	"os"
	"syscall"
)

func horseSysProcAttr() *syscall.SysProcAttr { return nil }

func killProcessGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		p.Kill()
	}
}

// rawStatus approximates waitpid's status from an exit code.
func rawStatus(ws syscall.WaitStatus) int { return ws.ExitStatus() << 8 }
