//go:build !windows

package stack

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

func itoa(i int) string { return strconv.Itoa(i) }

// alive reports whether a process exists (signal 0 probes without killing).
// A zombie awaiting its parent's wait counts as gone.
func alive(pid string) bool {
	n, err := strconv.Atoi(pid)
	if err != nil || n <= 0 {
		return false
	}
	if syscall.Kill(n, 0) != nil {
		return false
	}
	b, err := readProcStat(n)
	return err != nil || !zombie(b)
}

func readProcStat(pid int) (string, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return string(b), err
}

// zombie reads the state field of /proc/PID/stat.
func zombie(stat string) bool {
	i := strings.LastIndexByte(stat, ')')
	return i > 0 && len(stat) > i+2 && stat[i+2] == 'Z'
}
