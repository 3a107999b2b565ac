//go:build !amd64 || purego

package kernels

// cpuPause is a no-op where there is no spin-wait hint instruction.
func cpuPause() {}
