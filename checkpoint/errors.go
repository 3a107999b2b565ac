package checkpoint

import (
	"errors"
	"fmt"
	"strings"

	"github.com/upgtools/upg/safetensors"
)

// Sentinel errors.
var (
	// ErrIncomplete is matched by *IncompleteError: the directory looks like
	// an unfinished or damaged download.
	ErrIncomplete = errors.New("incomplete checkpoint")
	// ErrMissingTensor is returned when a tensor name is not in the checkpoint.
	ErrMissingTensor = errors.New("tensor not in checkpoint")
	// ErrDuplicateTensor is returned when two shards hold the same name.
	ErrDuplicateTensor = errors.New("tensor in more than one shard")
	// ErrNoWeights is returned when a directory has no safetensors files.
	ErrNoWeights = errors.New("no safetensors weights")
	// ErrUnsupported is matched by *UnsupportedError.
	ErrUnsupported = errors.New("unsupported dtype")
	// ErrInvalid reports inconsistent metadata (index, scales, config).
	ErrInvalid = errors.New("invalid checkpoint")
)

// ShortFile is a shard with fewer bytes than its header implies.
type ShortFile struct {
	Path       string
	Have, Want int64
}

// IncompleteError lists everything that makes a directory an incomplete
// download: shard files (or tensors, written "name (in file)") that are
// missing, shards that are too short, and partial-download files present.
type IncompleteError struct {
	Dir     string
	Missing []string
	Short   []ShortFile
	Partial []string
}

// maxListed bounds how many entries of each kind the message prints.
const maxListed = 20

// Error describes the problem with its location.
func (e *IncompleteError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "checkpoint %s is incomplete (an unfinished download?):", e.Dir)
	list := func(what string, items []string) {
		for i, s := range items {
			if i == maxListed {
				fmt.Fprintf(&b, "\n  ... and %d more %s", len(items)-maxListed, what)
				break
			}
			fmt.Fprintf(&b, "\n  %s: %s", what, s)
		}
	}
	list("missing", e.Missing)
	short := make([]string, len(e.Short))
	for i, s := range e.Short {
		short[i] = fmt.Sprintf("%s has %d of %d bytes", s.Path, s.Have, s.Want)
	}
	list("truncated", short)
	list("partial file", e.Partial)
	return b.String()
}

// Is makes errors.Is(err, ErrIncomplete) hold.
func (e *IncompleteError) Is(target error) bool { return target == ErrIncomplete }

func (e *IncompleteError) empty() bool {
	return len(e.Missing) == 0 && len(e.Short) == 0 && len(e.Partial) == 0
}

// UnsupportedError says a tensor's dtype cannot be converted to float32.
type UnsupportedError struct {
	Dir, Tensor string
	DType       safetensors.DType
}

// Error describes the problem with its location.
func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("checkpoint %s: tensor %q: %v %s (supported: F32, F16, BF16, I8, U8, F8_E4M3)", e.Dir, e.Tensor, ErrUnsupported, e.DType)
}

// Is makes errors.Is(err, ErrUnsupported) hold.
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }
