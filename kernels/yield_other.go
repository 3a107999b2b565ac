//go:build !linux

package kernels

import "runtime"

// osYield lets other goroutines run (platforms without sched_yield here).
func osYield() { runtime.Gosched() }
