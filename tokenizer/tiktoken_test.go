package tokenizer

import (
	"os"
	"testing"

	"github.com/upgtools/upg/internal/testdata"
)

// loadTiktokenJSON builds the tokenizer of tokenizers/tiktoken/<name>.json.
func loadTiktokenJSON(t testing.TB, name string) *Tokenizer {
	t.Helper()
	data, err := os.ReadFile(testdata.Path(t, "tokenizers", "tiktoken", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	spec, err := FromTiktokenJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTiktokenVectors(t *testing.T) {
	for _, name := range []string{"cl100k_base", "o200k_base"} {
		t.Run(name, func(t *testing.T) {
			tok := loadTiktokenJSON(t, name)
			vs := readJSONLVectors(t, testdata.Path(t, "tokenizers", "tiktoken", name+".vectors.jsonl"))
			checkVectors(t, tok, vs, true)
		})
	}
}

func TestLlama3TiktokenVectors(t *testing.T) {
	spec := llama3Spec(t)
	tok, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	checkVectors(t, tok, readLlamaCppVectors(t, "llama-bpe"), true)
}

// llama3Spec loads the Llama 3 tiktoken ranks with Llama 3's special tokens.
func llama3Spec(t *testing.T) *Spec {
	t.Helper()
	f, err := os.Open(testdata.Path(t, "tokenizers", "llama3-tiktoken", "tokenizer.model"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	spec, err := FromLlama3Tiktoken(f)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}
