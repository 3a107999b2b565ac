package importer

import "fmt"

// RoPE layouts of the q and k projections.
//
// llama2.c (run.c) and llama.cpp's llama architecture (GGUF, rope type
// NORM) rotate adjacent pairs: within one head of size hd, output features
// 2i and 2i+1 are rotated together by angle pos*theta^(-2i/hd). Hugging
// Face's LlamaForCausalLM uses rotate_half: feature j is paired with
// j + hd/2, rotated by pos*theta^(-2j/hd). The two are the same attention
// once the rows of Wq and Wk are reordered within every head:
//
//	hf[h*hd + r*hd/2 + i] = meta[h*hd + 2*i + r]   for i < hd/2, r in {0, 1}
//
// i.e. HF row j takes Meta row 2j for j < hd/2 and row 2(j-hd/2)+1 above.
// This is exactly transformers' convert_llama_weights_to_hf.py `permute`
// (w.view(n_heads, hd/2, 2, in).transpose(1, 2).reshape(out, in)), which maps
// Meta to HF; llama.cpp's convert_hf_to_gguf.py applies its inverse when
// writing GGUF, so GGUF q/k come back through this same mapping. Wk uses the
// number of key/value heads.

// metaRow returns the Meta (interleaved) row that HF (rotate-half) row j of
// one head of size hd comes from.
func metaRow(j, hd int) int {
	half := hd / 2
	if j < half {
		return 2 * j
	}
	return 2*(j-half) + 1
}

// permuteRoPE reorders the rows of a [heads*hd][rowLen] row-major matrix,
// given as raw elements of elemSize bytes, from Meta's interleaved RoPE
// layout to HF's rotate-half layout. It returns a new slice.
func permuteRoPE(w []byte, heads, rows, rowLen, elemSize int) ([]byte, error) {
	if heads <= 0 || rows%heads != 0 || (rows/heads)%2 != 0 || len(w) != rows*rowLen*elemSize {
		return nil, fmt.Errorf("RoPE permutation of %d bytes as %d heads of %d rows x %d: %w", len(w), heads, rows, rowLen, ErrInvalid)
	}
	hd := rows / heads
	rowBytes := rowLen * elemSize
	out := make([]byte, len(w))
	for h := 0; h < heads; h++ {
		for j := 0; j < hd; j++ {
			src := (h*hd + metaRow(j, hd)) * rowBytes
			dst := (h*hd + j) * rowBytes
			copy(out[dst:dst+rowBytes], w[src:src+rowBytes])
		}
	}
	return out, nil
}
