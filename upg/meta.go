package upg

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"strings"

	"github.com/upgtools/upg/codec"
	"github.com/upgtools/upg/safetensors"
)

// Format constants of UPG v1 (docs/FORMAT.md, "Container").
const (
	FormatName    = "upg"    // value of the "format" metadata key
	FormatVersion = "1"      // value of the "format_version" metadata key
	KeyFormat     = "format" // metadata key of the format name
	KeyVersion    = "format_version"
	KeyTensor     = "upg.tensor." // prefix of the per-tensor metadata keys
	Align         = 64            // every stored tensor's data starts at a multiple of Align bytes
	PadSuffix     = ".upg_pad"    // suffix of the padding tensor after a plain tensor
)

// Entry kinds.
const (
	KindEncoded = "encoded" // stored as codec blobs
	KindPlain   = "plain"   // stored as an ordinary safetensors tensor
)

// Sentinel errors, usable with errors.Is. Every error from this package
// that concerns a file is an *Error wrapping one of them (or an error of
// package codec or safetensors).
var (
	ErrFormat   = errors.New("not a UPG file")
	ErrVersion  = errors.New("unsupported UPG format version")
	ErrMetadata = errors.New("invalid UPG metadata")
	ErrMissing  = errors.New("missing tensor")
	ErrLayout   = errors.New("invalid UPG layout")
	ErrChecksum = errors.New("checksum mismatch")
	ErrInvalid  = errors.New("invalid argument")
)

// Error locates a problem: the file (empty from ParseMetadata), the tensor (original or stored name;
// empty for the file as a whole) and the absolute byte offset in the file
// (-1 when unknown).
type Error struct {
	Path   string
	Tensor string
	Offset int64
	Err    error
}

// Error describes the problem with its location.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("upg: ")
	b.WriteString(e.Path)
	if e.Tensor != "" {
		if e.Path != "" {
			b.WriteString(": ")
		}
		fmt.Fprintf(&b, "tensor %q", e.Tensor)
	}
	if e.Offset >= 0 {
		fmt.Fprintf(&b, " at byte %d", e.Offset)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// BlobInfo is the metadata of one stored byte span: its true length (the
// stored tensor may be longer by zero padding) and the CRC-32C (Castagnoli)
// of those Len bytes as 8 lowercase hex digits.
type BlobInfo struct {
	Len    int64  `json:"len"`
	CRC32C string `json:"crc32c"`
}

// Entry is the parsed "upg.tensor.<name>" metadata of one original tensor.
type Entry struct {
	Name string `json:"-"`
	Kind string `json:"kind"`
	// Shape is the original tensor's shape ([rows, cols] when encoded).
	Shape []int64 `json:"shape"`

	// Encoded entries.
	Codec   string              `json:"codec,omitempty"`
	CodecID codec.ID            `json:"codec_id,omitempty"`
	Params  json.RawMessage     `json:"params,omitempty"`
	Blobs   map[string]BlobInfo `json:"blobs,omitempty"`

	// Plain entries.
	DType safetensors.DType `json:"dtype,omitempty"`
	*BlobInfo
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// checksum returns the CRC-32C of b as 8 lowercase hex digits.
func checksum(b []byte) string {
	return fmt.Sprintf("%08x", crc32.Checksum(b, castagnoli))
}

// maxLen bounds every length in the metadata (1 PiB).
const maxLen = 1 << 50

// ParseMetadata parses and checks a file's "__metadata__": the format name
// and version, and every "upg.tensor." entry (kind, codec name and ID,
// shape, parameters, blob names, lengths and checksum syntax). Keys outside
// the "upg." namespace are ignored; unknown "upg." keys are rejected.
// Entries are returned keyed by original tensor name. Checks that need the
// stored tensors are done by Open.
func ParseMetadata(meta map[string]string) (map[string]*Entry, error) {
	f, ok := meta[KeyFormat]
	if !ok || f != FormatName {
		return nil, fmt.Errorf("%w: metadata %q is %q, want %q", ErrFormat, KeyFormat, f, FormatName)
	}
	if v := meta[KeyVersion]; v != FormatVersion {
		return nil, fmt.Errorf("%w: %q (this reader knows %q)", ErrVersion, v, FormatVersion)
	}
	entries := map[string]*Entry{}
	for k, v := range meta {
		if !strings.HasPrefix(k, "upg.") {
			continue
		}
		name, ok := strings.CutPrefix(k, KeyTensor)
		if !ok || name == "" {
			return nil, fmt.Errorf("%w: unknown key %q", ErrMetadata, k)
		}
		e, err := parseEntry(name, v)
		if err != nil {
			return nil, err
		}
		entries[name] = e
	}
	return entries, nil
}

// parseEntry parses one entry's JSON strictly (unknown fields rejected).
func parseEntry(name, js string) (*Entry, error) {
	dec := json.NewDecoder(strings.NewReader(js))
	dec.DisallowUnknownFields()
	e := &Entry{}
	if err := dec.Decode(e); err != nil {
		return nil, &Error{Tensor: name, Offset: -1, Err: fmt.Errorf("%w: %v", ErrMetadata, err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &Error{Tensor: name, Offset: -1, Err: fmt.Errorf("%w: trailing data after the JSON object", ErrMetadata)}
	}
	e.Name = name
	var err error
	switch e.Kind {
	case KindEncoded:
		err = e.checkEncoded()
	case KindPlain:
		err = e.checkPlain()
	default:
		err = fmt.Errorf("%w: unknown kind %q", ErrMetadata, e.Kind)
	}
	if err != nil {
		return nil, &Error{Tensor: name, Offset: -1, Err: err}
	}
	return e, nil
}

func (e *Entry) checkEncoded() error {
	if e.DType != "" || e.BlobInfo != nil {
		return fmt.Errorf("%w: encoded entry with plain fields", ErrMetadata)
	}
	c, err := codec.ByID(e.CodecID)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMetadata, err)
	}
	if c.Name != e.Codec {
		return fmt.Errorf("%w: codec %q does not match codec_id %d (%s)", ErrMetadata, e.Codec, e.CodecID, c.Name)
	}
	if len(e.Shape) != 2 || e.Shape[0] <= 0 || e.Shape[1] <= 0 || e.Shape[0] > math.MaxInt32 || e.Shape[1] > math.MaxInt32 {
		return fmt.Errorf("%w: shape %v is not [rows, cols] with positive sizes", ErrMetadata, e.Shape)
	}
	if _, err := e.params(); err != nil {
		return err
	}
	if len(e.Blobs) == 0 {
		return fmt.Errorf("%w: no blobs", ErrMetadata)
	}
	for b, info := range e.Blobs {
		if !validBlobName(b) {
			return fmt.Errorf("%w: blob name %q", ErrMetadata, b)
		}
		if err := info.check(); err != nil {
			return fmt.Errorf("blob %q: %w", b, err)
		}
	}
	return nil
}

// params parses the codec parameters strictly.
func (e *Entry) params() (codec.Params, error) {
	if len(e.Params) == 0 || e.Params[0] != '{' {
		return codec.Params{}, fmt.Errorf("%w: params must be a JSON object", ErrMetadata)
	}
	var p codec.Params
	dec := json.NewDecoder(bytes.NewReader(e.Params))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return p, fmt.Errorf("%w: params: %v", ErrMetadata, err)
	}
	if p.Outliers < 0 || p.RotBlock < 0 {
		return p, fmt.Errorf("%w: params: negative outliers or rot_block", ErrMetadata)
	}
	return p, nil
}

func (e *Entry) checkPlain() error {
	if e.Codec != "" || e.CodecID != 0 || e.Params != nil || e.Blobs != nil {
		return fmt.Errorf("%w: plain entry with encoded fields", ErrMetadata)
	}
	if e.BlobInfo == nil {
		return fmt.Errorf("%w: plain entry without len and crc32c", ErrMetadata)
	}
	size := int64(e.DType.Size())
	if size == 0 {
		return fmt.Errorf("%w: dtype %q", ErrMetadata, e.DType)
	}
	if e.Shape == nil {
		return fmt.Errorf("%w: missing shape", ErrMetadata)
	}
	for _, d := range e.Shape {
		if d < 0 || d > maxLen || size > maxLen/max(d, 1) {
			return fmt.Errorf("%w: shape %v", ErrMetadata, e.Shape)
		}
		size *= d
	}
	if e.Len != size {
		return fmt.Errorf("%w: len %d, but %s%v has %d bytes", ErrMetadata, e.Len, e.DType, e.Shape, size)
	}
	return e.BlobInfo.check()
}

func (b BlobInfo) check() error {
	if b.Len < 0 || b.Len > maxLen {
		return fmt.Errorf("%w: len %d", ErrMetadata, b.Len)
	}
	if len(b.CRC32C) != 8 || strings.Trim(b.CRC32C, "0123456789abcdef") != "" {
		return fmt.Errorf("%w: crc32c %q is not 8 lowercase hex digits", ErrMetadata, b.CRC32C)
	}
	return nil
}

// validBlobName reports whether s is a blob name: 1-64 characters of
// [a-z0-9_], not "upg_pad".
func validBlobName(s string) bool {
	if s == "" || len(s) > 64 || "."+s == PadSuffix {
		return false
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == ""
}

// padTo returns n rounded up to a multiple of Align.
func padTo(n int64) int64 { return (n + Align - 1) / Align * Align }
