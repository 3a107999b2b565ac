package model

import "fmt"

// Cache is one sequence's key/value cache: for each layer, Len() positions of
// KVHeads·HeadDim keys and values, preallocated for the whole context.
type Cache struct {
	K, V   [][]float32 // [layer][pos·kvDim + j]
	kvDim  int
	n, max int
}

// NewCache allocates a cache for maxSeq positions of a model.
func NewCache(cfg *Config, maxSeq int) *Cache {
	kvDim := cfg.KVHeads * cfg.HeadDim
	c := &Cache{kvDim: kvDim, max: maxSeq, K: make([][]float32, cfg.Layers), V: make([][]float32, cfg.Layers)}
	for l := range cfg.Layers {
		c.K[l] = make([]float32, maxSeq*kvDim)
		c.V[l] = make([]float32, maxSeq*kvDim)
	}
	return c
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
func (c *Cache) Bytes() int64 { return int64(len(c.K)) * 2 * int64(c.max*c.kvDim) * 4 }
