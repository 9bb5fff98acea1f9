//go:build !windows

package stack

import (
	"errors"
	"os/exec"
	"syscall"
	"time"
)

func shellCommand(command string) *exec.Cmd { return exec.Command("/bin/sh", "-c", command) }

// setProcessGroup puts the command in its own process group, so stopping
// it also stops the dev server's children (npm → node → esbuild).
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// stopProcessGroup sends SIGTERM to the group, then SIGKILL after grace.
func stopProcessGroup(cmd *exec.Cmd, done <-chan error, grace time.Duration) {
	pgid := cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(grace):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
	}
	// children that outlived the leader
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

func isAddrInUse(err error) bool { return errors.Is(err, syscall.EADDRINUSE) }
