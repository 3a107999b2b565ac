package codec

import "fmt"

// ConcatRows joins tensors encoded from consecutive row blocks of one
// matrix — same codec, columns and parameters, no outlier tables — into the
// encoding of the whole matrix, so that a converter can encode a large
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
	rows := 0
	for i, p := range parts {
		if p.Codec != first.Codec || p.Cols != first.Cols || p.Params != first.Params {
			return nil, fmt.Errorf("concat rows: part %d differs in codec, columns or parameters: %w", i, ErrInvalid)
		}
		if i < len(parts)-1 && p.Rows%c.impl.rowChunk != 0 {
			return nil, fmt.Errorf("concat rows: part %d has %d rows, not a multiple of %d (a block boundary would split a storage word): %w", i, p.Rows, c.impl.rowChunk, ErrInvalid)
		}
		if p.Params.Outliers > 0 {
			return nil, fmt.Errorf("concat rows: part %d has an outlier table: %w", i, ErrInvalid)
		}
		rows += p.Rows
	}
	want, err := c.impl.layout(rows, first.Cols)
	if err != nil {
		return nil, err
	}
	out := &Encoded{Codec: first.Codec, Rows: rows, Cols: first.Cols, Params: first.Params, Blobs: map[string][]byte{}}
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
