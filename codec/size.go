package codec

import "fmt"

// StoredBytes returns the bytes Encode stores for a rows×cols tensor
// without an outlier table, each blob rounded up to a multiple of align
// (1: the exact blob bytes; a container's alignment: what it will store),
// and the number of blobs, so that a converter can plan sizes before
// encoding.
func (c *Codec) StoredBytes(rows, cols, align int) (bytes int64, blobs int, err error) {
	if rows <= 0 || cols <= 0 || int64(rows)*int64(cols) > maxElems || align < 1 {
		return 0, 0, fmt.Errorf("codec %s: shape %dx%d, align %d: %w", c.Name, rows, cols, align, ErrShape)
	}
	sizes, err := c.impl.layout(rows, cols)
	if err != nil {
		return 0, 0, err
	}
	var n int64
	for _, s := range sizes {
		n += (int64(s) + int64(align) - 1) / int64(align) * int64(align)
	}
	return n, len(sizes), nil
}
