package codec

import (
	"container/heap"
	"encoding/binary"
	"fmt"
	"math"
	"sort"

	"github.com/upgtools/upg/kernels"
)

// Blob names of the sparse outlier table.
const (
	blobOutIdx = "outlier_idx" // unsigned LEB128 deltas of flat positions r*cols+c
	blobOutVal = "outlier_val" // F16 corrections, little-endian
)

// outlierTable is the parsed sparse table: positions sorted, rowStart[r]
// indexes the first entry of row r (len rows+1). A zero table is empty.
type outlierTable struct {
	cols     int
	rowStart []int
	row      []int32 // row of each entry (addDots' flat loop)
	col      []int32
	val      []float32
}

// selectOutliers returns the flat positions of the n largest |w|·sqrt(imp),
// sorted ascending (ties: lower position first).
func selectOutliers(w []float32, cols int, imp []float32, n int) []int {
	h := &minHeap{}
	for i, v := range w {
		s := math.Abs(float64(v))
		if imp != nil {
			s *= math.Sqrt(float64(imp[i%cols]))
		}
		if h.Len() < n {
			heap.Push(h, scored{s, i})
		} else if s > h.s[0].s {
			h.s[0] = scored{s, i}
			heap.Fix(h, 0)
		}
	}
	pos := make([]int, h.Len())
	for i, e := range h.s {
		pos[i] = e.i
	}
	sort.Ints(pos)
	return pos
}

type scored struct {
	s float64
	i int
}

type minHeap struct{ s []scored }

func (h *minHeap) Len() int           { return len(h.s) }
func (h *minHeap) Less(i, j int) bool { return h.s[i].s < h.s[j].s }
func (h *minHeap) Swap(i, j int)      { h.s[i], h.s[j] = h.s[j], h.s[i] }
func (h *minHeap) Push(x any)         { h.s = append(h.s, x.(scored)) }
func (h *minHeap) Pop() any {
	x := h.s[len(h.s)-1]
	h.s = h.s[:len(h.s)-1]
	return x
}

// buildOutliers stores, for each position, the F16 correction w − ŵ_dense,
// where ŵ_dense is the bit-exact decode of the dense codes.
func buildOutliers(e *Encoded, c *Codec, rot *rotation, w []float32, pos []int) (idx, val []byte) {
	cols := e.Cols
	row := make([]float32, c.rotatedLen(cols))
	last := -1
	prev := 0
	val = make([]byte, 2*len(pos))
	for n, p := range pos {
		if r := p / cols; r != last {
			c.impl.decodeRow(e, r, row)
			rot.inverse(row)
			last = r
		}
		corr := w[p] - row[p%cols]
		binary.LittleEndian.PutUint16(val[2*n:], kernels.F32ToF16(corr))
		idx = binary.AppendUvarint(idx, uint64(p-prev))
		prev = p
	}
	return idx, val
}

// parseOutliers validates and parses the outlier blobs: exactly n varints
// filling idx, positions strictly increasing (the first delta may be 0)
// and inside the tensor, n F16 values, all finite.
func parseOutliers(idx, val []byte, n, rows, cols int) (outlierTable, error) {
	t := outlierTable{cols: cols}
	if n < 0 || n > len(idx) || len(val) != 2*n {
		return t, fmt.Errorf("outlier table: count %d with %d index bytes and %d value bytes: %w", n, len(idx), len(val), ErrCorrupt)
	}
	t.rowStart = make([]int, rows+1)
	t.row = make([]int32, n)
	t.col = make([]int32, n)
	t.val = make([]float32, n)
	total := uint64(rows) * uint64(cols)
	var pos uint64
	off := 0
	r := 0
	for i := range n {
		d, k := binary.Uvarint(idx[off:])
		if k <= 0 {
			return t, fmt.Errorf("outlier table: bad varint at index byte %d: %w", off, ErrCorrupt)
		}
		off += k
		if i > 0 && d == 0 || d >= total || pos+d >= total {
			return t, fmt.Errorf("outlier table: entry %d: delta %d at index byte %d out of order or range: %w", i, d, off-k, ErrCorrupt)
		}
		pos += d
		row := int(pos / uint64(cols))
		for r < row {
			r++
			t.rowStart[r] = i
		}
		t.row[i] = int32(row)
		t.col[i] = int32(pos % uint64(cols))
		v := kernels.F16ToF32(binary.LittleEndian.Uint16(val[2*i:]))
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return t, fmt.Errorf("outlier table: value %d is %v: %w", i, v, ErrCorrupt)
		}
		t.val[i] = v
	}
	if off != len(idx) {
		return t, fmt.Errorf("outlier table: %d trailing index bytes: %w", len(idx)-off, ErrCorrupt)
	}
	for r < rows {
		r++
		t.rowStart[r] = n
	}
	return t, nil
}

// addRow adds row r's corrections to dst.
func (t *outlierTable) addRow(r int, dst []float32) {
	if t.rowStart == nil {
		return
	}
	for i := t.rowStart[r]; i < t.rowStart[r+1]; i++ {
		dst[t.col[i]] += t.val[i]
	}
}

// addDots adds correction·x[col] of every entry of rows lo..hi-1 to
// dst[row], in one loop over the entries (no per-row branches: most rows
// have zero to two entries).
func (t *outlierTable) addDots(dst, x []float32, lo, hi int) {
	if t.rowStart == nil {
		return
	}
	i1 := t.rowStart[hi]
	row, col, val := t.row[:i1], t.col[:i1], t.val[:i1]
	for i := t.rowStart[lo]; i < i1; i++ {
		dst[row[i]] += val[i] * x[col[i]]
	}
}

// dotRow returns Σ correction·x over row r's entries.
func (t *outlierTable) dotRow(r int, x []float32) float32 {
	if t.rowStart == nil {
		return 0
	}
	var s float32
	for i := t.rowStart[r]; i < t.rowStart[r+1]; i++ {
		s += t.val[i] * x[t.col[i]]
	}
	return s
}
