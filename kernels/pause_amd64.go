//go:build amd64 && !purego

package kernels

// cpuPause executes one PAUSE: a spin-wait hint that lets the sibling
// hyperthread run and keeps the poll loop from flooding the memory system
// with loads of the line it waits on.
//
//go:noescape
func cpuPause()
