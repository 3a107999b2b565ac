package tokenizer

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// addedMatcher finds added tokens in text, leftmost first and, among tokens
// starting at the same byte, longest first (HF's leftmost-longest matching).
type addedMatcher struct {
	toks    []AddedToken
	byFirst [256][]int // indexes into toks by first byte, longest content first
}

func newAddedMatcher(toks []AddedToken) *addedMatcher {
	m := &addedMatcher{toks: toks}
	for i, a := range toks {
		c := a.Content[0]
		m.byFirst[c] = append(m.byFirst[c], i)
	}
	for c := range m.byFirst {
		l := m.byFirst[c]
		sort.SliceStable(l, func(i, j int) bool { return len(toks[l[i]].Content) > len(toks[l[j]].Content) })
	}
	return m
}

// segment is a stretch of input text (id < 0) or a matched added token.
type segment struct {
	text string
	id   int
}

// split cuts text into plain stretches and added tokens. Special tokens are
// only matched when parseSpecial is set. LStrip/RStrip tokens swallow the
// whitespace beside them.
func (m *addedMatcher) split(text string, parseSpecial bool) []segment {
	if len(m.toks) == 0 {
		return []segment{{text: text, id: -1}}
	}
	var out []segment
	last := 0 // start of the pending plain stretch
	for i := 0; i < len(text); i++ {
		cands := m.byFirst[text[i]]
		if len(cands) == 0 {
			continue
		}
		k := m.matchAt(text, i, cands, parseSpecial)
		if k < 0 {
			continue
		}
		a := m.toks[k]
		start, end := i, i+len(a.Content)
		if a.LStrip {
			start = last + len(strings.TrimRightFunc(text[last:start], unicode.IsSpace))
		}
		if a.RStrip {
			end = len(text) - len(strings.TrimLeftFunc(text[end:], unicode.IsSpace))
		}
		if start > last {
			out = append(out, segment{text: text[last:start], id: -1})
		}
		out = append(out, segment{id: a.ID})
		last = end
		i = end - 1
	}
	if last < len(text) {
		out = append(out, segment{text: text[last:], id: -1})
	}
	return out
}

// matchAt returns the index of the longest enabled token matching at text[i:].
func (m *addedMatcher) matchAt(text string, i int, cands []int, parseSpecial bool) int {
	for _, k := range cands {
		a := &m.toks[k]
		if a.Special && !parseSpecial {
			continue
		}
		if !strings.HasPrefix(text[i:], a.Content) {
			continue
		}
		if a.SingleWord && !singleWordAt(text, i, i+len(a.Content)) {
			continue
		}
		return k
	}
	return -1
}

// singleWordAt reports whether text[start:end] is not glued to word
// characters on either side.
func singleWordAt(text string, start, end int) bool {
	isWord := func(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
	if start > 0 {
		r, _ := utf8.DecodeLastRuneInString(text[:start])
		if isWord(r) {
			return false
		}
	}
	if end < len(text) {
		r, _ := utf8.DecodeRuneInString(text[end:])
		if isWord(r) {
			return false
		}
	}
	return true
}
