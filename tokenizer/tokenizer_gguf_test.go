package tokenizer

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/upgtools/upg/gguf"
	"github.com/upgtools/upg/internal/testdata"
)

func openVocabGGUF(t *testing.T, name string) *gguf.File {
	t.Helper()
	f, err := gguf.Open(testdata.Path(t, "tokenizers", "llama.cpp-vocab", "ggml-vocab-"+name+".gguf"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestGGUFVectors runs llama.cpp's tokenizer test vectors (test-tokenizer-0:
// no BOS/EOS) through FromGGUF + New, and checks decoding round-trips.
func TestGGUFVectors(t *testing.T) {
	cases := []struct {
		name, model, pre string
		bos, eos         int
	}{
		{"llama-spm", ModelSPM, PreNone, 1, 2},
		{"phi-3", ModelSPM, PreNone, 1, 32000},
		{"gpt-2", ModelBPE, PreGPT2, 50256, 50256},
		{"deepseek-llm", ModelBPE, PreDeepSeekLLM, 100000, 100001},
		{"deepseek-coder", ModelBPE, PreDeepSeekCoder, 32013, 32014},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec, err := FromGGUF(openVocabGGUF(t, c.name))
			if err != nil {
				t.Fatal(err)
			}
			if spec.Model != c.model || spec.Pre != c.pre || spec.BOS != c.bos || spec.EOS != c.eos {
				t.Errorf("model %q pre %q bos %d eos %d", spec.Model, spec.Pre, spec.BOS, spec.EOS)
			}
			tok, err := New(spec)
			if err != nil {
				t.Fatal(err)
			}
			checkVectors(t, tok, readLlamaCppVectors(t, c.name), true)
		})
	}
}

func TestFromGGUFFields(t *testing.T) {
	spm, err := FromGGUF(openVocabGGUF(t, "llama-spm"))
	if err != nil {
		t.Fatal(err)
	}
	if !spm.AddPrefixSpace || !spm.StripLeadingSpace || !spm.ByteFallback || !spm.AddBOS || spm.AddEOS ||
		spm.UNK != 0 || spm.PAD != -1 || len(spm.Vocab) != 32000 || spm.TokenTypes[13] != TypeByte {
		t.Errorf("llama-spm spec: %+v", spm.Added)
	}
	var added []string
	for _, a := range spm.Added {
		added = append(added, a.Content)
		if !a.Special {
			t.Errorf("%q should be special", a.Content)
		}
	}
	if !slices.Equal(added, []string{"<unk>", "<s>", "</s>"}) {
		t.Errorf("added %q", added)
	}

	phi, err := FromGGUF(openVocabGGUF(t, "phi-3"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(phi.ChatTemplate, "<|user|>") {
		t.Errorf("phi-3 chat template %q", phi.ChatTemplate)
	}
	for _, a := range phi.Added {
		wantRStrip := a.Content != "<unk>" && a.Content != "<s>" && a.Content != "<|endoftext|>"
		if a.RStrip != wantRStrip {
			t.Errorf("phi-3 %q rstrip %v", a.Content, a.RStrip)
		}
		if a.Content == "<|end|>" && !a.Special { // forced control by text, as llama.cpp does
			t.Errorf("<|end|> not special")
		}
	}

	gpt2, err := FromGGUF(openVocabGGUF(t, "gpt-2"))
	if err != nil {
		t.Fatal(err)
	}
	if len(gpt2.Merges) != 50000 || gpt2.Merges[0] != [2]string{"Ġ", "t"} || !gpt2.ByteLevel || gpt2.AddBOS {
		t.Errorf("gpt-2: %d merges, first %q, bytelevel %v addbos %v", len(gpt2.Merges), gpt2.Merges[0], gpt2.ByteLevel, gpt2.AddBOS)
	}
}

func TestFromGGUFStories260K(t *testing.T) {
	f, err := gguf.Open(testdata.Path(t, "models", "stories260K", "stories260K.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	spec, err := FromGGUF(f)
	if err != nil {
		t.Fatal(err)
	}
	// padding_token_id is 0xFFFFFFFF there: out of range, so ignored.
	if spec.PAD != -1 || spec.BOS != 1 || spec.EOS != 2 || len(spec.Vocab) != 512 {
		t.Errorf("pad %d bos %d eos %d n %d", spec.PAD, spec.BOS, spec.EOS, len(spec.Vocab))
	}
}

// ggufBytes builds an in-memory GGUF holding kv.
func ggufBytes(t *testing.T, kv []gguf.KV) *gguf.File {
	t.Helper()
	var buf bytes.Buffer
	if err := gguf.Write(&buf, kv, nil, nil); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Parse(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFromGGUFErrors(t *testing.T) {
	toks := gguf.KV{Key: ggufTokens, Value: []string{"a", "b", "ab"}}
	merges := gguf.KV{Key: ggufMerges, Value: []string{"a b"}}
	cases := []struct {
		name string
		kv   []gguf.KV
		want error
		msg  string
	}{
		{"no model", []gguf.KV{toks}, nil, "missing tokenizer.ggml.model"},
		{"unknown model", []gguf.KV{{Key: ggufModel, Value: "t5"}, toks}, ErrUnsupported, "t5"},
		{"unknown pre", []gguf.KV{{Key: ggufModel, Value: "gpt2"}, {Key: ggufPre, Value: "nope"}, toks, merges}, ErrUnsupported, "deepseek-coder"},
		{"no merges", []gguf.KV{{Key: ggufModel, Value: "gpt2"}, toks}, nil, "merges"},
		{"bad merge", []gguf.KV{{Key: ggufModel, Value: "gpt2"}, toks, {Key: ggufMerges, Value: []string{"ab"}}}, nil, "two space-separated"},
		{"no tokens", []gguf.KV{{Key: ggufModel, Value: "llama"}}, nil, "tokenizer.ggml.tokens"},
		{"dup token", []gguf.KV{{Key: ggufModel, Value: "llama"}, {Key: ggufTokens, Value: []string{"a", "a"}}}, nil, "duplicate"},
		{"short scores", []gguf.KV{{Key: ggufModel, Value: "llama"}, toks, {Key: ggufScores, Value: []float32{1}}}, nil, "scores"},
		{"bad types", []gguf.KV{{Key: ggufModel, Value: "llama"}, toks, {Key: ggufTypes, Value: []uint8{1, 1, 1}}}, nil, "token_type"},
		{"add_bos without bos", []gguf.KV{{Key: ggufModel, Value: "gpt2"}, toks, merges, {Key: ggufAddBOS, Value: true}}, nil, "bos_token_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := FromGGUF(ggufBytes(t, c.kv))
			if err == nil || (c.want != nil && !errors.Is(err, c.want)) || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("got %v, want %v containing %q", err, c.want, c.msg)
			}
		})
	}
}

func TestFromGGUFPreNames(t *testing.T) {
	cases := []struct {
		pre        string
		preset     string
		regexes    int
		ignore, bo bool
	}{
		{"llama-bpe", PreLlama3, 0, true, true},
		{"qwen2", PreQwen2, 0, false, false},
		{"default", PreNone, 4, false, false},
		{"", PreNone, 4, false, false},
		{"deepseek-v3", PreNone, 3, false, false},
		{"starcoder", PreNone, 2, false, false},
		{"gpt-4o", PreO200K, 0, false, false},
	}
	for _, c := range cases {
		kv := []gguf.KV{{Key: ggufModel, Value: "gpt2"}, {Key: ggufTokens, Value: []string{"a", "b", "ab"}},
			{Key: ggufMerges, Value: []string{"a b"}}, {Key: ggufBOS, Value: uint32(0)}}
		if c.pre != "" {
			kv = append(kv, gguf.KV{Key: ggufPre, Value: c.pre})
		}
		s, err := FromGGUF(ggufBytes(t, kv))
		if err != nil {
			t.Fatalf("%q: %v", c.pre, err)
		}
		if s.Pre != c.preset || len(s.SplitRegexes) != c.regexes || s.IgnoreMerges != c.ignore || s.AddBOS != c.bo {
			t.Errorf("%q: pre %q, %d regexes, ignore %v, addBOS %v", c.pre, s.Pre, len(s.SplitRegexes), s.IgnoreMerges, s.AddBOS)
		}
		if len(s.SplitRegexes) > 0 {
			if _, err := New(s); err != nil {
				t.Errorf("%q: regexes do not compile: %v", c.pre, err)
			}
		}
	}
}
