//go:build linux || darwin

package sysinfo

import (
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// PeakRSS is the process's peak resident set size in bytes, from the OS
// (getrusage); 0 when unknown.
func PeakRSS() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return int64(ru.Maxrss)
	}
	return int64(ru.Maxrss) * 1024
}

// DiskFree returns the bytes available to this user on the file system
// holding path; ok is false when it cannot be measured.
func DiskFree(path string) (free int64, ok bool) {
	var st unix.Statfs_t
	if unix.Statfs(path, &st) != nil {
		return 0, false
	}
	return int64(st.Bavail) * int64(st.Bsize), true
}
