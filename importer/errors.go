package importer

import (
	"errors"
	"fmt"
)

// Sentinel errors wrapped by the errors this package returns; test with
// errors.Is.
var (
	// ErrInvalid marks a malformed input: an absurd header value, sizes that
	// do not divide, a file whose size disagrees with its header, a tensor
	// with the wrong shape.
	ErrInvalid = errors.New("invalid model file")
	// ErrTruncated marks a file that ends before its header says it should.
	ErrTruncated = errors.New("truncated model file")
	// ErrUnsupported marks a valid input this importer cannot convert: another
	// GGUF architecture, a quantized tensor type without a decoder, a
	// llama2.c quantized (version 2) checkpoint, RoPE scaling.
	ErrUnsupported = errors.New("unsupported model")
	// ErrOutputExists marks an output directory that exists and is not empty.
	ErrOutputExists = errors.New("output directory exists and is not empty")
)

// FormatError says which file, field and byte offset an input problem is at.
type FormatError struct {
	Path   string // the input file
	Field  string // header field, tensor or metadata key concerned
	Offset int64  // byte offset in the file, -1 when not applicable
	Err    error  // wraps one of the sentinels
}

func (e *FormatError) Error() string {
	if e.Offset < 0 {
		return fmt.Sprintf("importer: %s: %s: %v", e.Path, e.Field, e.Err)
	}
	return fmt.Sprintf("importer: %s: %s at byte %d: %v", e.Path, e.Field, e.Offset, e.Err)
}

// Unwrap returns the wrapped error.
func (e *FormatError) Unwrap() error { return e.Err }

// formatErr builds a FormatError whose Err wraps sentinel with a detail message.
func formatErr(path, field string, off int64, sentinel error, format string, args ...any) error {
	return &FormatError{Path: path, Field: field, Offset: off, Err: fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), sentinel)}
}
