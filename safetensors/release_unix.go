//go:build unix

package safetensors

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Release tells the OS that the pages of b, a view of a read-only file
// mapping returned by File.Tensor, are not needed for now: they leave the
// process's resident set (the file stays in the page cache, and touching
// them again reads them back). Streaming tools call it after each tensor so
// that their memory stays bounded by what they work on, not by the file
// size. Only whole pages inside b are released. b must come from a
// mapping (never pass heap memory: its pages would be zeroed).
func Release(b []byte) {
	if len(b) == 0 {
		return
	}
	page := uintptr(os.Getpagesize())
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	end := start + uintptr(len(b))
	lo := (start + page - 1) &^ (page - 1)
	hi := end &^ (page - 1)
	if hi <= lo {
		return
	}
	p := unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), lo-start)
	_ = unix.Madvise(unsafe.Slice((*byte)(p), hi-lo), unix.MADV_DONTNEED)
}
