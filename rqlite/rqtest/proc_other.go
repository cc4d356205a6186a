//go:build !linux

package rqtest

import "os/exec"

// setPdeathsig does nothing here: only Linux can tie a child's life to its
// parent's, so a server may outlive a test process that crashes.
func setPdeathsig(*exec.Cmd) {}
