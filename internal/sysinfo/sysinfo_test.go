package sysinfo

import (
	"runtime"
	"testing"
)

func TestMeasures(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("measured on linux only")
	}
	if r := PeakRSS(); r < 1<<20 || r > 1<<40 {
		t.Errorf("peak RSS %d bytes: implausible", r)
	}
	free, ok := DiskFree(t.TempDir())
	if !ok || free <= 0 {
		t.Errorf("DiskFree = %d, %v", free, ok)
	}
	if _, ok := DiskFree("/nonexistent/dir/x"); ok {
		t.Error("DiskFree of a missing path reported ok")
	}
}
