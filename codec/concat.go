package codec

import (
	"encoding/binary"
	"fmt"
)

// ConcatRows joins tensors encoded from consecutive row blocks of one
// matrix — same codec, columns and parameters — into the encoding of the
// whole matrix (outlier tables are merged: positions shifted by the rows
// before each block, deltas re-encoded), so that a converter can encode a large
// tensor chunk by chunk. It works for every codec whose blobs are laid out
// row after row; it fails when a block boundary splits a storage word (the
// radix packing of vq1p6 holds 5 vectors per word: every block but the
// last needs a multiple of RowMultiple() rows).
func ConcatRows(parts []*Encoded) (*Encoded, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("concat rows: no parts: %w", ErrInvalid)
	}
	first := parts[0]
	if len(parts) == 1 {
		return first, nil
	}
	c, err := ByID(first.Codec)
	if err != nil {
		return nil, err
	}
	rows, outs := 0, 0
	same := func(a, b Params) bool { a.Outliers, b.Outliers = 0, 0; return a == b }
	for i, p := range parts {
		if p.Codec != first.Codec || p.Cols != first.Cols || !same(p.Params, first.Params) {
			return nil, fmt.Errorf("concat rows: part %d differs in codec, columns or parameters: %w", i, ErrInvalid)
		}
		if i < len(parts)-1 && p.Rows%c.impl.rowChunk != 0 {
			return nil, fmt.Errorf("concat rows: part %d has %d rows, not a multiple of %d (a block boundary would split a storage word): %w", i, p.Rows, c.impl.rowChunk, ErrInvalid)
		}
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("concat rows: part %d: %w", i, err)
		}
		rows += p.Rows
		outs += p.Params.Outliers
	}
	want, err := c.impl.layout(rows, first.Cols)
	if err != nil {
		return nil, err
	}
	out := &Encoded{Codec: first.Codec, Rows: rows, Cols: first.Cols, Params: first.Params, Blobs: map[string][]byte{}}
	out.Params.Outliers = outs
	if outs > 0 {
		out.Blobs[blobOutIdx], out.Blobs[blobOutVal] = mergeOutliers(parts)
	}
	for name, n := range want {
		b := make([]byte, 0, n)
		for _, p := range parts {
			b = append(b, p.Blobs[name]...)
		}
		if len(b) != n {
			return nil, fmt.Errorf("concat rows: blob %q of the parts has %d bytes, the whole tensor needs %d (a block boundary splits a storage word): %w", name, len(b), n, ErrInvalid)
		}
		out.Blobs[name] = b
	}
	if err := out.Validate(); err != nil {
		return nil, fmt.Errorf("concat rows: %w", err)
	}
	return out, nil
}

// RowMultiple is the row count every block but the last must be a multiple
// of for ConcatRows (1 for most codecs, 5 for vq1p6).
func (c *Codec) RowMultiple() int { return c.impl.rowChunk }

// mergeOutliers joins the parts' outlier tables into one over the whole
// matrix: absolute positions shifted by the preceding parts' weights.
func mergeOutliers(parts []*Encoded) (idx, val []byte) {
	var base, prev uint64
	for _, p := range parts {
		b := p.Blobs[blobOutIdx]
		var pos uint64
		for i, off := 0, 0; i < p.Params.Outliers; i++ {
			d, k := binary.Uvarint(b[off:]) // validated by p.Validate
			off += k
			pos += d
			idx = binary.AppendUvarint(idx, base+pos-prev)
			prev = base + pos
		}
		val = append(val, p.Blobs[blobOutVal]...)
		base += uint64(p.Rows) * uint64(p.Cols)
	}
	return idx, val
}
