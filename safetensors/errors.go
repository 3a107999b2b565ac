package safetensors

import (
	"errors"
	"fmt"
)

// Sentinel errors wrapped by *FormatError. ErrInvalid is the root of every
// structural problem, so errors.Is(err, ErrInvalid) holds for all of them
// except ErrTruncated (a file that may still be downloading).
var (
	ErrInvalid        = errors.New("invalid safetensors file")
	ErrInvalidHeader  = fmt.Errorf("%w: malformed header", ErrInvalid)
	ErrHeaderTooLarge = fmt.Errorf("%w: header too large", ErrInvalid)
	ErrUnknownDType   = fmt.Errorf("%w: unknown dtype", ErrInvalid)
	ErrShapeMismatch  = fmt.Errorf("%w: byte span does not match shape × dtype size", ErrInvalid)
	ErrDuplicateName  = fmt.Errorf("%w: duplicate tensor name", ErrInvalid)
	ErrInvalidOffsets = fmt.Errorf("%w: invalid data offsets", ErrInvalid)
	ErrOverlap        = fmt.Errorf("%w: overlapping tensor data", ErrInvalid)
	ErrGap            = fmt.Errorf("%w: gap between tensor data", ErrInvalid)
	ErrTrailingData   = fmt.Errorf("%w: trailing bytes after the last tensor", ErrInvalid)
	ErrTruncated      = errors.New("truncated safetensors file")
)

// FormatError reports a problem in a safetensors file: which file (Path, empty
// for an in-memory buffer), which tensor (empty when it concerns the header as a
// whole) and the absolute byte offset in the file where it was found.
type FormatError struct {
	Path   string
	Tensor string
	Offset int64
	Err    error
}

// Error describes the problem with its location.
func (e *FormatError) Error() string {
	p := e.Path
	if p == "" {
		p = "(buffer)"
	}
	if e.Tensor != "" {
		return fmt.Sprintf("safetensors: %s: tensor %q at byte %d: %v", p, e.Tensor, e.Offset, e.Err)
	}
	return fmt.Sprintf("safetensors: %s: at byte %d: %v", p, e.Offset, e.Err)
}

// Unwrap returns the underlying error.
func (e *FormatError) Unwrap() error { return e.Err }

// SizeError says that a file's size disagrees with what its header implies:
// Have bytes are present and Want are needed. It matches ErrTruncated when
// the file is short and ErrTrailingData when it is long. It is wrapped in a
// *FormatError; find it with errors.As.
type SizeError struct {
	Have, Want int64
	What       string // "header" or "data"
}

// Error describes the problem with its location.
func (e *SizeError) Error() string {
	if e.Have < e.Want {
		return fmt.Sprintf("truncated %s: file has %d bytes, needs %d", e.What, e.Have, e.Want)
	}
	return fmt.Sprintf("%d trailing bytes: file has %d bytes, tensors end at %d", e.Have-e.Want, e.Have, e.Want)
}

// Is makes errors.Is(err, ErrTruncated) or errors.Is(err, ErrTrailingData)
// (and so ErrInvalid) hold.
func (e *SizeError) Is(target error) bool {
	if e.Have < e.Want {
		return target == ErrTruncated
	}
	return target == ErrTrailingData || target == ErrInvalid
}
