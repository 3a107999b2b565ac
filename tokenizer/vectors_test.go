package tokenizer

import (
	"bufio"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/upgtools/upg/internal/testdata"
)

// vector is one reference encoding: text and its ids (no BOS).
type vector struct {
	Text string `json:"text"`
	IDs  []int  `json:"ids"`
}

// readLlamaCppVectors reads llama.cpp's tokenizer test vectors
// tokenizers/llama.cpp-vocab/ggml-vocab-<name>.gguf.inp/.out: strings
// separated by "\n__ggml_vocab_test__\n", and one line of space-separated ids
// per string.
func readLlamaCppVectors(t testing.TB, name string) []vector {
	t.Helper()
	base := testdata.Path(t, "tokenizers", "llama.cpp-vocab", "ggml-vocab-"+name+".gguf")
	inp, err := os.ReadFile(base + ".inp")
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(base + ".out")
	if err != nil {
		t.Fatal(err)
	}
	const sep = "\n__ggml_vocab_test__\n"
	texts := strings.Split(string(inp), sep)
	if texts[len(texts)-1] == "" {
		texts = texts[:len(texts)-1]
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(texts) {
		t.Fatalf("%s: %d strings but %d id lines", base, len(texts), len(lines))
	}
	vs := make([]vector, len(texts))
	for i, text := range texts {
		vs[i].Text = text
		vs[i].IDs = []int{}
		for _, f := range strings.Fields(lines[i]) {
			id, err := strconv.Atoi(f)
			if err != nil {
				t.Fatalf("%s.out line %d: %v", base, i+1, err)
			}
			vs[i].IDs = append(vs[i].IDs, id)
		}
	}
	return vs
}

// readJSONLVectors reads {"text", "ids"} lines.
func readJSONLVectors(t testing.TB, path string) []vector {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var vs []vector
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var v vector
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if v.IDs == nil {
			v.IDs = []int{}
		}
		vs = append(vs, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return vs
}

// checkVectors encodes every vector's text (special tokens parsed, no
// BOS/EOS) and compares the ids, and checks that decoding gives the text back.
func checkVectors(t *testing.T, tok *Tokenizer, vs []vector, roundTrip bool) {
	t.Helper()
	pass := 0
	for i, v := range vs {
		got := tok.Encode(v.Text, EncodeOptions{ParseSpecial: true})
		if !equalInts(got, v.IDs) {
			if len(vs)-pass < 100 {
				t.Errorf("vector %d %q:\n got %v\nwant %v", i, v.Text, got, v.IDs)
			}
			continue
		}
		if roundTrip {
			if back := tok.Decode(got, false); back != v.Text {
				t.Errorf("vector %d: Decode(Encode(%q)) = %q", i, v.Text, back)
				continue
			}
		}
		pass++
	}
	t.Logf("%d/%d vectors pass", pass, len(vs))
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
