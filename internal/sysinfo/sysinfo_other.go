//go:build !linux && !darwin

package sysinfo

// PeakRSS is not measured on this platform: 0.
func PeakRSS() int64 { return 0 }

// DiskFree cannot be measured on this platform.
func DiskFree(path string) (int64, bool) { return 0, false }
