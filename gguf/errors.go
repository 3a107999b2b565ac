package gguf

import (
	"errors"
	"fmt"
)

// Sentinel errors wrapped by FormatError; test with errors.Is.
var (
	// ErrInvalid marks a structurally invalid file (bad magic, bad value type,
	// misaligned or overlapping tensors, ...).
	ErrInvalid = errors.New("invalid GGUF")
	// ErrTruncated marks a file that ends before a declared item does.
	ErrTruncated = errors.New("truncated GGUF")
	// ErrUnsupported marks a valid but unsupported feature (GGUF v1,
	// big-endian files, ggml types without a decoder).
	ErrUnsupported = errors.New("unsupported GGUF feature")
	// ErrNotFound marks a missing tensor.
	ErrNotFound = errors.New("not found")
)

// FormatError says where in a GGUF file a problem is.
type FormatError struct {
	Path   string // file path, "" when parsed from a reader
	Item   string // the key, tensor or header field concerned
	Offset int64  // byte offset in the file where the item starts
	Err    error  // wraps one of the sentinels
}

func (e *FormatError) Error() string {
	p := e.Path
	if p == "" {
		p = "<reader>"
	}
	return fmt.Sprintf("gguf %s: %s at byte %d: %v", p, e.Item, e.Offset, e.Err)
}

// Unwrap returns the wrapped error.
func (e *FormatError) Unwrap() error { return e.Err }
