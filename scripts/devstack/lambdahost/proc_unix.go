//go:build unix

package lambdahost

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts the bootstrap in its own process group so a kill reaches anything it spawned.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func killProcessGroup(cmd *exec.Cmd) {
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
