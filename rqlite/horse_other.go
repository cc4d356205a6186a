//go:build !unix

package rqlite

import (
	"os"
	"syscall"
)

func horseSysProcAttr() *syscall.SysProcAttr { return nil }

// horseDeathSignals: no parent-death signal here; a horse sees its worker
// die by the end of its requests.
func horseDeathSignals() []os.Signal { return nil }

// horseDie ends the horse; without process groups, what the job started
// is not killed with it.
func horseDie() { os.Exit(1) }

func closeOnExec(int) {}

func killProcessGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		p.Kill()
	}
}

// rawStatus approximates waitpid's status from an exit code.
func rawStatus(ws syscall.WaitStatus) int { return ws.ExitStatus() << 8 }
