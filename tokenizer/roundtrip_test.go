package tokenizer

import (
	"testing"

	"github.com/upgtools/upg/internal/testdata"
)

// roundTrip writes spec as tokenizer.json + tokenizer_config.json, reads both
// back and builds the tokenizer.
func roundTrip(t testing.TB, spec *Spec) *Tokenizer {
	t.Helper()
	js, err := spec.MarshalTokenizerJSON()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := spec.MarshalTokenizerConfigJSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := FromJSON(js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := New(back)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTiktokenJSONRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("derives ~500k merges per vocabulary")
	}
	for _, name := range []string{"cl100k_base", "o200k_base"} {
		t.Run(name, func(t *testing.T) {
			orig := loadTiktokenJSON(t, name)
			tok := roundTrip(t, orig.Spec())
			vs := readJSONLVectors(t, testdata.Path(t, "tokenizers", "tiktoken", name+".vectors.jsonl"))
			checkVectors(t, tok, vs, true)
		})
	}
}

func TestLlamaCppBPERoundTrip(t *testing.T) {
	spec := llama3Spec(t)
	tok := roundTrip(t, spec)
	if tok.BOS() != 128000 || !tok.Spec().AddBOS {
		t.Errorf("BOS %d AddBOS %v after round trip, want 128000 true", tok.BOS(), tok.Spec().AddBOS)
	}
	checkVectors(t, tok, readLlamaCppVectors(t, "llama-bpe"), true)
}
