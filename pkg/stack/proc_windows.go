//go:build windows

package stack

import (
	"errors"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

func shellCommand(command string) *exec.Cmd { return exec.Command("cmd", "/C", command) }

func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

// stopProcessGroup ends the process tree with taskkill.
func stopProcessGroup(cmd *exec.Cmd, done <-chan error, grace time.Duration) {
	_ = exec.Command("taskkill", "/T", "/F", "/PID", strconv.Itoa(cmd.Process.Pid)).Run()
	select {
	case <-done:
	case <-time.After(grace):
	}
}

func isAddrInUse(err error) bool { return errors.Is(err, syscall.Errno(10048)) } // WSAEADDRINUSE
