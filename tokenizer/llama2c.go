package tokenizer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// maxLlama2CTokenLen bounds max_token_length (and so every token length).
const maxLlama2CTokenLen = 1 << 16

// FromLlama2C reads a llama2.c tokenizer.bin (karpathy/llama2.c run.c
// build_tokenizer: int32 max_token_length, then per token float32 score,
// int32 byte length and the bytes) holding vocabSize tokens, as exported by
// llama2.c's tokenizer.py from a SentencePiece model: id 0 "<unk>", 1
// "\n<s>\n", 2 "\n</s>\n", 3..258 the byte tokens "<0x00>".."<0xFF>", then
// pieces with ' ' standing for SentencePiece's '▁'.
//
// The Spec is in the SentencePiece/Hugging Face convention: '▁' for space,
// "<unk>", "<s>", "</s>" as control tokens (unknown for id 0), <0xNN> byte
// tokens, a dummy space prefix that decoding strips, BOS 1 added, EOS 2.
// Encoding it gives run.c's encode(): prefix " ", per-codepoint lookup with
// byte fallback, then repeated merging of the best-scoring adjacent pair.
func FromLlama2C(r io.Reader, vocabSize int) (*Spec, error) {
	if vocabSize < 259 {
		return nil, fmt.Errorf("tokenizer: llama2.c: vocab size %d is below the 259 ids of <unk>, <s>, </s> and the byte tokens: %w", vocabSize, ErrInvalid)
	}
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("tokenizer: llama2.c: reading max_token_length at byte 0: %w", errors.Join(ErrInvalid, err))
	}
	maxLen := int32(binary.LittleEndian.Uint32(hdr[:]))
	if maxLen <= 0 || maxLen > maxLlama2CTokenLen {
		return nil, fmt.Errorf("tokenizer: llama2.c: max_token_length %d out of range (1..%d): %w", maxLen, maxLlama2CTokenLen, ErrInvalid)
	}
	s := &Spec{
		Model: ModelSPM, Pre: PreNone, ByteFallback: true,
		AddPrefixSpace: true, StripLeadingSpace: true,
		BOS: 1, EOS: 2, UNK: 0, PAD: -1, AddBOS: true,
	}
	capHint := min(vocabSize, 1<<16)
	s.Vocab = make([]string, 0, capHint)
	s.Scores = make([]float32, 0, capHint)
	s.TokenTypes = make([]int, 0, capHint)
	off := int64(4)
	buf := make([]byte, maxLen)
	for id := range vocabSize {
		var rec [8]byte
		if _, err := io.ReadFull(r, rec[:]); err != nil {
			return nil, fmt.Errorf("tokenizer: llama2.c: token %d at byte %d: %w", id, off, errors.Join(ErrInvalid, err))
		}
		score := math.Float32frombits(binary.LittleEndian.Uint32(rec[:4]))
		n := int32(binary.LittleEndian.Uint32(rec[4:]))
		if n < 0 || n > maxLen {
			return nil, fmt.Errorf("tokenizer: llama2.c: token %d at byte %d: length %d outside 0..%d: %w", id, off, n, maxLen, ErrInvalid)
		}
		if _, err := io.ReadFull(r, buf[:n]); err != nil {
			return nil, fmt.Errorf("tokenizer: llama2.c: token %d at byte %d: %w", id, off, errors.Join(ErrInvalid, err))
		}
		piece, typ, err := llama2cPiece(id, string(buf[:n]))
		if err != nil {
			return nil, fmt.Errorf("tokenizer: llama2.c: token %d at byte %d: %w", id, off, err)
		}
		s.Vocab = append(s.Vocab, piece)
		s.Scores = append(s.Scores, score)
		s.TokenTypes = append(s.TokenTypes, typ)
		off += 8 + int64(n)
	}
	s.Added = []AddedToken{
		{ID: 0, Content: "<unk>", Special: true},
		{ID: 1, Content: "<s>", Special: true},
		{ID: 2, Content: "</s>", Special: true},
	}
	return s, nil
}

// llama2cPiece converts token id's llama2.c string to the SentencePiece form
// and gives its type, checking the fixed ids of the export convention.
func llama2cPiece(id int, t string) (string, int, error) {
	want := func(ok bool, what string) error {
		if ok {
			return nil
		}
		return fmt.Errorf("%q is not %s as llama2.c's export writes it: %w", t, what, ErrInvalid)
	}
	switch {
	case id == 0:
		return "<unk>", TypeUnknown, want(t == "<unk>", "<unk>")
	case id == 1:
		return "<s>", TypeControl, want(t == "\n<s>\n" || t == "<s>", "BOS")
	case id == 2:
		return "</s>", TypeControl, want(t == "\n</s>\n" || t == "</s>", "EOS")
	case id < 259:
		return t, TypeByte, want(t == fmt.Sprintf("<0x%02X>", id-3), fmt.Sprintf("byte token <0x%02X>", id-3))
	}
	return strings.ReplaceAll(t, " ", "▁"), TypeNormal, nil
}
