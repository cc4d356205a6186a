package rqtest

import (
	"os/exec"
	"syscall"
)

// setPdeathsig makes the kernel kill the started server when the test
// process dies, however it dies.
func setPdeathsig(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
