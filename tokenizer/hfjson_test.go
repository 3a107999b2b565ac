package tokenizer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upgtools/upg/internal/testdata"
)

// tinyJSON is a small byte-level BPE tokenizer.json: "hello" merges fully.
const tinyJSON = `{
 "version": "1.0",
 "added_tokens": [{"id": 9, "content": "<|end|>", "special": true}],
 "normalizer": null,
 "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
 "post_processor": {"type": "ByteLevel"},
 "decoder": {"type": "ByteLevel"},
 "model": {"type": "BPE", "vocab": {"h": 0, "e": 1, "l": 2, "o": 3, "he": 4, "ll": 5, "hell": 6, "hello": 7, "Ġ": 8, "<|end|>": 9},
  "merges": ["h e", "l l", "he ll", "hell o"]}
}`

func TestFromJSONTiny(t *testing.T) {
	spec, err := FromJSON([]byte(tinyJSON), nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Encode("hello hello<|end|>", EncodeOptions{ParseSpecial: true}); !equalInts(got, []int{7, 8, 7, 9}) {
		t.Errorf("Encode = %v, want [7 8 7 9]", got)
	}
	if tok.EOS() != -1 || !tok.IsEndOfGeneration(9) {
		t.Errorf("EOS %d, IsEndOfGeneration(<|end|>) %v", tok.EOS(), tok.IsEndOfGeneration(9))
	}
}

func TestFromJSONMalformed(t *testing.T) {
	replace := func(old, new string) string {
		if !strings.Contains(tinyJSON, old) {
			t.Fatalf("test setup: %q not in tinyJSON", old)
		}
		return strings.Replace(tinyJSON, old, new, 1)
	}
	cases := []struct {
		name, json, wantInErr string
		want                  error
	}{
		{"truncated", tinyJSON[:len(tinyJSON)/2], "tokenizer.json", ErrInvalid},
		{"empty", "", "tokenizer.json", ErrInvalid},
		{"not an object", "[1,2]", "tokenizer.json", ErrInvalid},
		{"merge names unknown token", replace(`"hell o"`, `"hell x"`), "merges[3]", ErrInvalid},
		{"merge result unknown", replace(`"hell o"`, `"o o"`), "merged", ErrInvalid},
		{"merge without space", replace(`"hell o"`, `"hello"`), "model.merges[3]", ErrInvalid},
		{"vocab wrong type", replace(`"h": 0`, `"h": "zero"`), "model.vocab", ErrInvalid},
		{"vocab negative id", replace(`"h": 0`, `"h": -5`), "vocab", ErrInvalid},
		{"vocab huge id", replace(`"h": 0`, `"h": 99999999`), "vocab", ErrInvalid},
		{"merges wrong type", replace(`["h e", "l l", "he ll", "hell o"]`, `{"a": 1}`), "model.merges", ErrInvalid},
		{"model missing", replace(`"model": {"type": "BPE",`, `"model_x": {"type": "BPE",`), "model", ErrInvalid},
		{"unigram", replace(`"type": "BPE"`, `"type": "Unigram"`), "model.type", ErrUnsupported},
		{"lowercase normalizer", replace(`"normalizer": null`, `"normalizer": {"type": "Lowercase"}`), "normalizer.type", ErrUnsupported},
		{"nested unsupported", replace(`"normalizer": null`, `"normalizer": {"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "NFKD"}]}`), "normalizer.normalizers[1].type", ErrUnsupported},
		{"pre-tokenizer wrong type", replace(`"add_prefix_space": false`, `"add_prefix_space": "no"`), "pre_tokenizer.add_prefix_space", ErrInvalid},
		{"bad split regex", replace(`"pre_tokenizer": {"type": "ByteLevel"`, `"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(("}, "x": {"type": "ByteLevel"}`), "pre_tokenizer.pattern", ErrInvalid},
		{"whitespace pre-tokenizer", replace(`"pre_tokenizer": {"type": "ByteLevel"`, `"pre_tokenizer": {"type": "Whitespace"}, "x": {"type": "ByteLevel"`), "pre_tokenizer.type", ErrUnsupported},
		{"wordpiece decoder", replace(`"decoder": {"type": "ByteLevel"}`, `"decoder": {"type": "WordPiece"}`), "decoder.type", ErrUnsupported},
		{"added token out of range", replace(`{"id": 9, "content"`, `{"id": 900000, "content"`), "added_tokens[0]", ErrInvalid},
		{"added token wrong type", replace(`{"id": 9, "content"`, `{"id": "9", "content"`), "tokenizer.json", ErrInvalid},
		{"template unknown special", replace(`"post_processor": {"type": "ByteLevel"}`, `"post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>"}}, {"Sequence": {"id": "A"}}], "special_tokens": {}}`), "post_processor.single[0]", ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec, err := FromJSON([]byte(c.json), nil)
			if err == nil {
				_, err = New(spec)
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, c.want) {
				t.Errorf("error %q does not wrap %v", err, c.want)
			}
			if !strings.Contains(err.Error(), c.wantInErr) {
				t.Errorf("error %q does not name %q", err, c.wantInErr)
			}
		})
	}
}

func TestFromJSONConfig(t *testing.T) {
	cfg := `{"bos_token": {"content": "h"}, "eos_token": "<|end|>", "add_bos_token": true,
	  "chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]}`
	spec, err := FromJSON([]byte(tinyJSON), []byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if spec.BOS != 0 || spec.EOS != 9 || !spec.AddBOS || spec.ChatTemplate != "D" {
		t.Errorf("BOS %d EOS %d AddBOS %v template %q, want 0 9 true D", spec.BOS, spec.EOS, spec.AddBOS, spec.ChatTemplate)
	}
	for _, bad := range []string{`{"eos_token": "<nope>"}`, `{"chat_template": 5}`, `{"add_eos_token": true, "eos_token": null}`, `{`} {
		if _, err := FromJSON([]byte(tinyJSON), []byte(bad)); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "tokenizer_config.json") {
			t.Errorf("config %s: error %v, want ErrInvalid naming tokenizer_config.json", bad, err)
		}
	}
}

// TestLoadDirectories checks Load's choice of files.
func TestLoadDirectories(t *testing.T) {
	jsonDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(jsonDir, "tokenizer.json"), []byte(tinyJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	tok, err := Load(jsonDir)
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Encode("hello", EncodeOptions{}); !equalInts(got, []int{7}) {
		t.Errorf("tokenizer.json dir: Encode = %v", got)
	}

	llamaDir := t.TempDir()
	model, err := os.ReadFile(testdata.Path(t, "tokenizers", "llama3-tiktoken", "tokenizer.model"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := `{"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "chat_template": "{{ messages }}"}`
	for name, data := range map[string][]byte{"tokenizer.model": model, "tokenizer_config.json": []byte(cfg)} {
		if err := os.WriteFile(filepath.Join(llamaDir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tok, err = Load(llamaDir)
	if err != nil {
		t.Fatal(err)
	}
	if tok.BOS() != 128000 || tok.EOS() != 128009 || tok.Spec().ChatTemplate != "{{ messages }}" || tok.VocabSize() != 128256 {
		t.Errorf("llama3 dir: BOS %d EOS %d template %q vocab %d", tok.BOS(), tok.EOS(), tok.Spec().ChatTemplate, tok.VocabSize())
	}
	ids := tok.Encode("<|start_header_id|>user<|end_header_id|>", EncodeOptions{AddSpecial: true, ParseSpecial: true})
	if len(ids) < 3 || ids[0] != 128000 || ids[1] != 128006 || ids[len(ids)-1] != 128007 {
		t.Errorf("llama3 dir: Encode = %v", ids)
	}

	if _, err := Load(t.TempDir()); err == nil {
		t.Error("empty dir: no error")
	}
	badDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(badDir, "tokenizer.json"), []byte(`{"model": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(badDir); err == nil || !strings.Contains(err.Error(), filepath.Join(badDir, "tokenizer.json")) {
		t.Errorf("bad tokenizer.json: error %v does not name the file", err)
	}
}

func FuzzFromJSON(f *testing.F) {
	f.Add([]byte(tinyJSON), "hello hello<|end|>")
	f.Add([]byte(`{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [["a", "a"]]}}`), "aaa")
	f.Add([]byte(`{"model": {"vocab": {"▁": 0, "a": 1, "<0x61>": 2}, "merges": [], "byte_fallback": true}, "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]}}`), "a b")
	f.Add([]byte(`{"model": {"type": "BPE", "vocab": {"a": 0}}, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "a+"}, "behavior": "Removed"}}`), "baab")
	f.Fuzz(func(t *testing.T, data []byte, text string) {
		spec, err := FromJSON(data, nil)
		if err != nil {
			return
		}
		tok, err := New(spec)
		if err != nil {
			return
		}
		if len(text) > 64 {
			text = text[:64]
		}
		ids := tok.Encode(text, EncodeOptions{AddSpecial: true, ParseSpecial: true})
		_ = tok.Decode(ids, false)
		d := tok.NewStreamDecoder(true)
		for _, id := range ids {
			d.Next(id)
		}
		d.Flush()
	})
}
