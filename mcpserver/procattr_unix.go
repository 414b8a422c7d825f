//go:build unix

package mcpserver

import (
	"os/exec"
	"syscall"
)

// detach puts the command in a process group of its own, so that a
// terminal's Ctrl-C, meant for the gateway, does not stop the server while
// calls finish: the target stops it on Close.
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }
