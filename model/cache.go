package model

import (
	"fmt"

	"github.com/upgtools/upg/kernels"
)

// KVType is the storage type of a KV cache's keys and values.
type KVType uint8

const (
	// KVF16 stores keys and values as IEEE binary16 (half the memory and
	// memory traffic of F32; llama.cpp's default). It is the zero value and
	// the engine's default.
	KVF16 KVType = iota
	// KVF32 stores keys and values as float32, exactly as computed.
	KVF32
)

// String is the type's name as the --kv flag spells it.
func (t KVType) String() string {
	switch t {
	case KVF16:
		return "f16"
	case KVF32:
		return "f32"
	}
	return fmt.Sprintf("KVType(%d)", uint8(t))
}

// ParseKVType reads "f16" or "f32" (as the --kv flag takes them).
func ParseKVType(s string) (KVType, error) {
	switch s {
	case "f16", "F16":
		return KVF16, nil
	case "f32", "F32":
		return KVF32, nil
	}
	return 0, fmt.Errorf("KV cache type %q: want f16 or f32", s)
}

// Cache is one sequence's key/value cache: for each layer, Len() positions of
// KVHeads·HeadDim keys and values, preallocated for the whole context, stored
// as float32 (K, V) or binary16 (K16, V16) according to Type().
type Cache struct {
	K, V     [][]float32 // KVF32: [layer][pos·kvDim + j]
	K16, V16 [][]uint16  // KVF16: [layer][pos·kvDim + j]
	typ      KVType
	kvDim    int
	n, max   int
}

// NewCache allocates a float32 cache for maxSeq positions of a model: the
// reference precision, which evaluation uses. NewCacheKV chooses the type.
func NewCache(cfg *Config, maxSeq int) *Cache { return NewCacheKV(cfg, maxSeq, KVF32) }

// NewCacheKV allocates a cache of type typ for maxSeq positions of a model.
func NewCacheKV(cfg *Config, maxSeq int, typ KVType) *Cache {
	kvDim := cfg.KVHeads * cfg.HeadDim
	maxSeq = max(maxSeq, 0)
	c := &Cache{typ: typ, kvDim: kvDim, max: maxSeq}
	if typ == KVF32 {
		c.K, c.V = make([][]float32, cfg.Layers), make([][]float32, cfg.Layers)
		for l := range cfg.Layers {
			c.K[l] = make([]float32, maxSeq*kvDim)
			c.V[l] = make([]float32, maxSeq*kvDim)
		}
		return c
	}
	c.typ = KVF16
	c.K16, c.V16 = make([][]uint16, cfg.Layers), make([][]uint16, cfg.Layers)
	for l := range cfg.Layers {
		c.K16[l] = make([]uint16, maxSeq*kvDim)
		c.V16[l] = make([]uint16, maxSeq*kvDim)
	}
	return c
}

// Type is the storage type of the keys and values.
func (c *Cache) Type() KVType { return c.typ }

// Store writes the keys k and values v of len(k)/kvDim consecutive positions
// from pos on into layer l, rounding them to binary16 in an F16 cache. The
// caller has checked the positions fit (Reserve).
func (c *Cache) Store(l, pos int, k, v []float32) {
	off := pos * c.kvDim
	if c.typ == KVF32 {
		copy(c.K[l][off:off+len(k)], k)
		copy(c.V[l][off:off+len(v)], v)
		return
	}
	kernels.NarrowF16(c.K16[l][off:off+len(k)], k)
	kernels.NarrowF16(c.V16[l][off:off+len(v)], v)
}

// Len is the number of positions stored.
func (c *Cache) Len() int { return c.n }

// Cap is the number of positions the cache can hold.
func (c *Cache) Cap() int { return c.max }

// Reset empties the cache (keeping its memory).
func (c *Cache) Reset() { c.n = 0 }

// Truncate drops the positions from n on.
func (c *Cache) Truncate(n int) {
	if n < c.n {
		c.n = max(n, 0)
	}
}

// Reserve checks that n more positions fit.
func (c *Cache) Reserve(n int) error {
	if c.n+n > c.max {
		return fmt.Errorf("context full: %d positions used, %d more requested, capacity %d", c.n, n, c.max)
	}
	return nil
}

// Advance records that n positions were written.
func (c *Cache) Advance(n int) { c.n += n }

// Bytes is the memory the cache holds.
func (c *Cache) Bytes() int64 {
	layers, elem := int64(len(c.K)), int64(4)
	if c.typ == KVF16 {
		layers, elem = int64(len(c.K16)), 2
	}
	return layers * 2 * int64(c.max*c.kvDim) * elem
}
