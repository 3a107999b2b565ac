package convert

import (
	"container/heap"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/upgtools/upg/checkpoint"
	"github.com/upgtools/upg/codec"
	"github.com/upgtools/upg/safetensors"
	"github.com/upgtools/upg/upg"
)

// DefaultRatio is the default compression ratio versus BF16 over the whole
// checkpoint (2.0 bits per weight).
const DefaultRatio = 8

// Ladder is the default list of codecs the allocator chooses from, from
// fewest to most bits; "f16" means the tensor is kept plain (F16, or BF16
// when the source is BF16). It is the PreferSpeed ladder: at 1.6, 2 and 4
// bits the LUT codecs, whose products are table lookups (a TinyLlama-shaped
// model decodes about 1.8× faster than with QualityLadder), for NMSE 3–10%
// higher than the vq codecs at 1.6 and 2 bits (lower at 4;
// codec/README.md). vq3 is left out: its product runs at a fifth of lut2's
// speed per weight.
var Ladder = []string{"vq1", "lut1p6", "lut2", "q3", "lut4", "q4", "q8", PlainOption}

// QualityLadder is the PreferQuality ladder: the E8-derived vector codecs,
// lowest distortion per bit, compute-bound products.
var QualityLadder = []string{"vq1", "vq1p6", "vq2", "vq3", "q3", "vq4", "q4", "q8", PlainOption}

// Ladder preferences (Options.Prefer).
const (
	PreferSpeed   = "speed"   // Ladder (default)
	PreferQuality = "quality" // QualityLadder
)

// ladderFor returns the ladder of a preference.
func ladderFor(prefer string) []string {
	if prefer == PreferQuality {
		return QualityLadder
	}
	return Ladder
}

// PlainOption names the "keep the tensor unencoded" rung of the ladder.
const PlainOption = "f16"

// option is one way of storing a tensor: a codec or plain.
type option struct {
	name  string
	codec *codec.Codec // nil: plain
	bytes int64        // stored bytes including container padding
	cost  float64      // estimated damage (lower is better)
	blobs int          // stored blobs (header entries)
}

// tensorPlan is what the converter will do with one tensor.
type tensorPlan struct {
	Name   string
	Shape  []int64
	DType  safetensors.DType // source dtype
	Params int64
	Encode bool     // a matrix the ladder applies to (else stored plain as is)
	Opts   []option // candidate options (Encode only), cheapest first
	Choice int      // index into Opts
	Shard  int      // 0-based shard index

	payload bool // sizes count tensor data only
}

func (t *tensorPlan) chosen() option { return t.Opts[t.Choice] }

// plainDType is the dtype a tensor is stored in when kept plain.
func plainDType(src safetensors.DType) safetensors.DType {
	if src == safetensors.BF16 || src == safetensors.F32 || src == safetensors.F16 {
		if src == safetensors.F32 {
			return safetensors.F16
		}
		return src
	}
	return safetensors.BF16
}

// storedBytes is what the container stores for a blob of n bytes.
func storedBytes(n int64) int64 { return (n + upg.Align - 1) / upg.Align * upg.Align }

// encodable reports whether a tensor is a weight matrix the codecs apply to.
func encodable(name string, shape []int64) bool {
	return len(shape) == 2 && shape[0] >= 8 && shape[1] >= 8 && strings.HasSuffix(name, ".weight")
}

// newPlan lists the tensors of ck with their candidate options. fixed, when
// set, is the only codec allowed for matrices.
//
// Option sizes are what the container stores (alignment and the tensor's
// share of the header included), or with payload set only the tensor data.
// outFrac is the outlier share: its table (about 5 bytes per entry, F16
// value and a delta of up to 3 varint bytes) is added to every codec option.
func newPlan(ck *checkpoint.Checkpoint, ladder []string, payload bool, outFrac float64) ([]*tensorPlan, error) {
	var plans []*tensorPlan
	for _, name := range ck.Names() {
		if strings.HasSuffix(name, "_scale_inv") {
			continue // FP8 block scales: folded into their weight when it is read
		}
		t, err := ck.Tensor(name)
		if err != nil {
			return nil, err
		}
		p := &tensorPlan{Name: name, Shape: t.Shape, DType: t.DType, Params: 1, payload: payload}
		for _, d := range t.Shape {
			p.Params *= d
		}
		switch t.DType {
		case safetensors.F32, safetensors.F16, safetensors.BF16, safetensors.F8E4M3:
		default:
			return nil, fmt.Errorf("%s: tensor %s: dtype %s is not supported by the converter (F32, F16, BF16, F8_E4M3 are)", t.File, name, t.DType)
		}
		if encodable(name, t.Shape) {
			p.Encode = true
			rows, cols := int(t.Shape[0]), int(t.Shape[1])
			for _, o := range ladder {
				if o == PlainOption {
					p.Opts = append(p.Opts, option{name: o, bytes: p.plainSize(2 * p.Params)})
					continue
				}
				c, err := codec.Lookup(o)
				if err != nil {
					return nil, err
				}
				align := upg.Align
				if payload {
					align = 1
				}
				n, blobs, err := c.StoredBytes(rows, cols, align)
				if err != nil {
					continue // shape not supported by this codec
				}
				if outs := int64(math.Round(outFrac * float64(p.Params))); outs > 0 {
					n += 5 * outs
					blobs += 2
					if !payload {
						n += 2 * upg.Align
					}
				}
				if !payload {
					n += headerPerTensor(name, blobs, false)
				}
				p.Opts = append(p.Opts, option{name: o, codec: c, bytes: n, blobs: blobs})
			}
			if len(p.Opts) == 0 {
				return nil, fmt.Errorf("%s: tensor %s %v: no codec of %v accepts this shape", t.File, name, t.Shape, ladder)
			}
			sort.SliceStable(p.Opts, func(i, j int) bool { return p.Opts[i].bytes < p.Opts[j].bytes })
		}
		plans = append(plans, p)
	}
	if len(plans) == 0 {
		return nil, fmt.Errorf("%s: no tensors", ck.Dir)
	}
	return plans, nil
}

// plainBytes is the stored size of a tensor kept plain.
func (t *tensorPlan) plainBytes() int64 {
	if t.Encode {
		return t.Opts[len(t.Opts)-1].bytes
	}
	return t.plainSize(t.Params * int64(plainDType(t.DType).Size()))
}

// plainSize is the planned size of n bytes of plain data.
func (t *tensorPlan) plainSize(n int64) int64 {
	if t.payload {
		return n
	}
	return storedBytes(n) + headerPerTensor(t.Name, 0, n%upg.Align != 0)
}

// Bytes is the planned stored size of the tensor.
func (t *tensorPlan) bytes() int64 {
	if t.Encode {
		return t.chosen().bytes
	}
	return t.plainBytes()
}

// lowerHull returns the indexes of the options on the lower convex hull of
// (bytes, cost), cheapest first; options that cost more bytes for more
// damage, or lie above the hull, are never worth choosing.
func lowerHull(opts []option) []int {
	var h []int
	for i, o := range opts {
		if len(h) > 0 && o.cost >= opts[h[len(h)-1]].cost {
			continue // more bytes, no less damage
		}
		for len(h) >= 2 {
			a, b := opts[h[len(h)-2]], opts[h[len(h)-1]]
			// drop b when it lies on or above the segment a–o
			if (b.cost-a.cost)*float64(o.bytes-a.bytes) >= (o.cost-a.cost)*float64(b.bytes-a.bytes) {
				h = h[:len(h)-1]
				continue
			}
			break
		}
		h = append(h, i)
	}
	return h
}

// upgrade is a candidate move of one tensor to its next hull point.
type upgrade struct {
	t     *tensorPlan
	hull  []int
	pos   int // current position in hull
	slope float64
}

type upgradeHeap []*upgrade

func (h upgradeHeap) Len() int { return len(h) }
func (h upgradeHeap) Less(i, j int) bool {
	if h[i].slope != h[j].slope {
		return h[i].slope > h[j].slope
	}
	return h[i].t.Name < h[j].t.Name // deterministic
}
func (h upgradeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *upgradeHeap) Push(x any)   { *h = append(*h, x.(*upgrade)) }
func (h *upgradeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func (u *upgrade) next() bool {
	if u.pos+1 >= len(u.hull) {
		return false
	}
	a, b := u.t.Opts[u.hull[u.pos]], u.t.Opts[u.hull[u.pos+1]]
	u.slope = (a.cost - b.cost) / float64(b.bytes-a.bytes)
	return true
}

// allocate chooses an option per matrix so that the total stored bytes stay
// within budget and the summed cost is (greedily) minimal: every matrix
// starts at its cheapest useful option and the upgrade with the best cost
// reduction per byte is applied while it fits.
func allocate(plans []*tensorPlan, budget int64) error {
	var total int64
	h := &upgradeHeap{}
	for _, t := range plans {
		if !t.Encode {
			total += t.bytes()
			continue
		}
		u := &upgrade{t: t, hull: lowerHull(t.Opts)}
		t.Choice = u.hull[0]
		total += t.bytes()
		if u.next() {
			heap.Push(h, u)
		}
	}
	if total > budget {
		return &BudgetError{Min: total, Budget: budget}
	}
	for h.Len() > 0 {
		u := heap.Pop(h).(*upgrade)
		t := u.t
		next := t.Opts[u.hull[u.pos+1]]
		extra := next.bytes - t.bytes()
		if total+extra > budget {
			continue // does not fit; cheaper upgrades of others may
		}
		total += extra
		u.pos++
		t.Choice = u.hull[u.pos]
		if u.next() {
			heap.Push(h, u)
		}
	}
	return nil
}

var layerRe = regexp.MustCompile(`\.layers\.(\d+)\.`)

// priorWeight is the heuristic sensitivity of a tensor used when the
// damage is not measured: embeddings and output head matter most,
// value/down projections and the first and last layers more than the rest.
func priorWeight(name string, layers int) float64 {
	w := 1.0
	switch {
	case strings.Contains(name, "embed_tokens") || strings.HasPrefix(name, "lm_head"):
		w = 8
	case strings.Contains(name, "v_proj") || strings.Contains(name, "down_proj") || strings.Contains(name, "qkv_proj"):
		w = 2
	}
	if m := layerRe.FindStringSubmatch(name); m != nil && layers > 0 {
		if l, _ := strconv.Atoi(m[1]); l == 0 || l == layers-1 {
			w *= 1.5
		}
	}
	return w
}

// gaussianNMSE measures each codec's NMSE on a fixed-seed Gaussian matrix:
// the prior distortion of a codec when a tensor's own is not measured.
func gaussianNMSE(names []string) (map[string]float64, error) {
	const rows, cols = 64, 1024
	w := make([]float32, rows*cols)
	rng := uint64(0x9e3779b97f4a7c15)
	for i := range w {
		// Box–Muller on a splitmix64 stream: deterministic and cheap.
		rng += 0x9e3779b97f4a7c15
		z := rng
		z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		z ^= z >> 31
		u1 := (float64(z>>11) + 0.5) / (1 << 53)
		u2 := float64(z&0x7ff) / 2048
		w[i] = float32(math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2))
	}
	out := map[string]float64{PlainOption: 1e-7}
	dec := make([]float32, len(w))
	for _, n := range names {
		if n == PlainOption {
			continue
		}
		c, err := codec.Lookup(n)
		if err != nil {
			return nil, err
		}
		e, err := c.Encode(w, rows, cols, nil, codec.Params{Seed: 1})
		if err != nil {
			return nil, err
		}
		if err := e.Decode(dec); err != nil {
			return nil, err
		}
		out[n] = codec.NMSE(w, dec)
	}
	return out, nil
}

// headerPerTensor estimates the container header bytes of one tensor
// (measured on converter output, rounded up): its escaped metadata entry
// and one safetensors entry per stored tensor, each naming the tensor. A
// plain tensor (blobs == 0) may need a padding entry.
func headerPerTensor(name string, blobs int, padded bool) int64 {
	l := int64(len(name))
	if blobs == 0 {
		if padded {
			return 3*l + 250
		}
		return 2*l + 175
	}
	return int64(blobs+1)*l + 200 + 118*int64(blobs)
}

// shardHeader is the fixed header part of each shard (format keys, tool
// version, alignment padding).
const shardHeader = 256
