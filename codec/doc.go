// Package codec implements the weight codecs of the UPG format: the codec
// math, the exact byte layout of each codec's blobs, and reference decoders
// and row dot products that work directly on the codes. It implements the
// "Codecs" section of docs/FORMAT.md; the container (tensor naming,
// metadata, checksums) is another package's job.
//
// Every codec is one row of a table (see Codecs): a name, a stable numeric
// ID, a group size, a nominal bit rate and its encode, decode and dot
// functions. Generic code never switches on the codec:
//
//	c, _ := codec.Lookup("vq2")
//	enc, err := c.Encode(w, rows, cols, importance, codec.Params{Seed: 1})
//	bpw := 8 * float64(enc.Bytes()) / float64(rows*cols)
//	err = enc.DotRows(y, x, 0, rows) // y[r] = row r · x
//
// The lattice-style codecs rotate each row with a seeded randomized
// Hadamard transform (the input x is rotated the same way at run time, so
// dot products are unchanged), quantize 8-weight vectors against small
// sign-structured codebooks (an absolute-value table of at most 256 entries
// of 8 bytes, plus sign bits, a parity rule and an optional shift) and
// store one F16 scale per row and stage. The lookup-table codecs (lut2,
// lut1p6, lut4) code groups of 4, 5 or 2 rotated weights as one byte
// indexing a trained 256-entry codebook, stored in 64-row tiles, so that a
// matrix-vector product is one int8 table per input and one byte lookup per
// group (lut_fast.go). An optional sparse outlier table (F16 corrections at
// delta-coded positions) can be attached to any codec.
package codec
