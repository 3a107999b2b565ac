package tokenizer

import "unicode/utf8"

// symbol is one piece of a word during merging: the bytes word[start:end]
// and the token id they form (-1 when they form none). A symbol's start never
// changes; merging absorbs the right neighbour, so end only grows.
type symbol struct {
	id         int32
	start, end int32
	prev, next int32 // neighbour indexes, -1 at the ends
	dead       bool
}

// candidate is a possible merge of symbols left and right; key orders them
// (lower first, then leftmost). lend and rend record the symbols' ends when
// the candidate was made so that stale entries can be recognised.
type candidate struct {
	key         float64
	left, right int32
	lend, rend  int32
	id          int32
}

// merger holds the working state of one word's merging.
type merger struct {
	syms []symbol
	heap []candidate
}

func (h *merger) less(i, j int) bool {
	a, b := &h.heap[i], &h.heap[j]
	return a.key < b.key || (a.key == b.key && a.left < b.left)
}

func (h *merger) push(c candidate) {
	h.heap = append(h.heap, c)
	for i := len(h.heap) - 1; i > 0; {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h.heap[i], h.heap[p] = h.heap[p], h.heap[i]
		i = p
	}
}

func (h *merger) pop() candidate {
	top := h.heap[0]
	n := len(h.heap) - 1
	h.heap[0] = h.heap[n]
	h.heap = h.heap[:n]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && h.less(l, m) {
			m = l
		}
		if r < n && h.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		h.heap[i], h.heap[m] = h.heap[m], h.heap[i]
		i = m
	}
	return top
}

// pairFor returns the merge of symbols l and r of word, if any: by merge
// rank, by tiktoken token rank, or by SentencePiece score (negated so that
// lower keys win everywhere).
func (t *Tokenizer) pairFor(word string, l, r *symbol) (key float64, id int32, ok bool) {
	switch {
	case t.spec.Model == ModelSPM:
		id, ok := t.keyToID[word[l.start:r.end]]
		if !ok {
			return 0, 0, false
		}
		return -float64(t.scores[id]), id, true
	case t.rankMerge:
		id, ok := t.keyToID[word[l.start:r.end]]
		return float64(id), id, ok
	default:
		if l.id < 0 || r.id < 0 {
			return 0, 0, false
		}
		p, ok := t.pairs[uint64(uint32(l.id))<<32|uint64(uint32(r.id))]
		return float64(p.rank), p.id, ok
	}
}

// initialSymbols splits word into single bytes (byte-level and tiktoken
// vocabularies) or UTF-8 characters (character-level ones).
func (t *Tokenizer) initialSymbols(word string, syms []symbol) []symbol {
	add := func(id int32, start, end int) {
		n := int32(len(syms))
		syms = append(syms, symbol{id: id, start: int32(start), end: int32(end), prev: n - 1, next: n + 1})
	}
	if !t.charLevel {
		for i := 0; i < len(word); i++ {
			add(t.single[word[i]], i, i+1)
		}
	} else {
		for i := 0; i < len(word); {
			_, n := utf8.DecodeRuneInString(word[i:])
			id, ok := t.keyToID[word[i:i+n]]
			if !ok {
				id = -1
			}
			add(id, i, i+n)
			i += n
		}
	}
	if len(syms) > 0 {
		syms[len(syms)-1].next = -1
	}
	return syms
}

// mergeWord runs the merge loop over word and appends the resulting ids.
func (t *Tokenizer) mergeWord(dst []int, word string) []int {
	var m merger
	m.syms = t.initialSymbols(word, make([]symbol, 0, len(word)))
	if len(m.syms) > 1 {
		m.heap = make([]candidate, 0, len(m.syms))
		for i := 0; i+1 < len(m.syms); i++ {
			t.tryPair(&m, word, int32(i))
		}
	}
	for len(m.heap) > 0 {
		c := m.pop()
		l := &m.syms[c.left]
		if l.dead || l.end != c.lend || l.next != c.right {
			continue
		}
		r := &m.syms[c.right]
		if r.dead || r.end != c.rend {
			continue
		}
		l.id, l.end, l.next = c.id, r.end, r.next
		r.dead = true
		if r.next >= 0 {
			m.syms[r.next].prev = c.left
		}
		if l.prev >= 0 {
			t.tryPair(&m, word, l.prev)
		}
		t.tryPair(&m, word, c.left)
	}
	for i := 0; i >= 0 && i < len(m.syms); i = int(m.syms[i].next) {
		s := &m.syms[i]
		if s.id >= 0 {
			dst = append(dst, int(s.id))
			continue
		}
		dst = t.fallback(dst, word[s.start:s.end])
	}
	return dst
}

// tryPair queues the merge of symbol i with its right neighbour, if any.
func (t *Tokenizer) tryPair(m *merger, word string, i int32) {
	l := &m.syms[i]
	if l.next < 0 {
		return
	}
	r := &m.syms[l.next]
	if key, id, ok := t.pairFor(word, l, r); ok {
		m.push(candidate{key: key, left: i, right: l.next, lend: l.end, rend: r.end, id: id})
	}
}

// fallback encodes bytes no token covers: as <0xNN> tokens when the
// vocabulary has them all, else as one UNK token, else not at all.
func (t *Tokenizer) fallback(dst []int, b string) []int {
	all := true
	for i := 0; i < len(b); i++ {
		if t.byteTok[b[i]] < 0 {
			all = false
			break
		}
	}
	if all && (t.spec.ByteFallback || t.spec.Model == ModelSPM) {
		for i := 0; i < len(b); i++ {
			dst = append(dst, int(t.byteTok[b[i]]))
		}
		return dst
	}
	if t.spec.UNK >= 0 {
		dst = append(dst, t.spec.UNK)
	}
	return dst
}

// maxCachedWord bounds the length of words kept in the BPE cache.
const maxCachedWord = 128

// encodeWord appends the ids of one pre-tokenized BPE word.
func (t *Tokenizer) encodeWord(dst []int, word string) []int {
	if word == "" {
		return dst
	}
	if t.spec.IgnoreMerges {
		if id, ok := t.keyToID[word]; ok {
			return append(dst, int(id))
		}
	}
	cacheable := len(word) <= maxCachedWord
	if cacheable {
		if v, ok := t.cache.Load(word); ok {
			for _, id := range v.([]int32) {
				dst = append(dst, int(id))
			}
			return dst
		}
	}
	n := len(dst)
	dst = t.mergeWord(dst, word)
	if cacheable && t.cacheCount.Load() < maxCacheEntries {
		ids := make([]int32, len(dst)-n)
		for i, id := range dst[n:] {
			ids[i] = int32(id)
		}
		if _, loaded := t.cache.LoadOrStore(word, ids); !loaded {
			t.cacheCount.Add(1)
		}
	}
	return dst
}
