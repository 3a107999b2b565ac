package tokenizer

import (
	"os"
	"testing"

	"github.com/upgtools/upg/internal/testdata"
)

// BenchmarkEncodeWikiText encodes the WikiText-2 raw test split (1.3 MB)
// with cl100k_base: "cold" with an empty word cache (a fresh tokenizer per
// iteration, built outside the timer), "warm" reusing the cache.
func BenchmarkEncodeWikiText(b *testing.B) {
	data, err := os.ReadFile(testdata.Path(b, "text", "wikitext-2", "wikitext-2-raw-v1.test.hfjoin.txt"))
	if err != nil {
		b.Fatal(err)
	}
	text := string(data)
	for _, cold := range []bool{true, false} {
		name := "warm"
		if cold {
			name = "cold"
		}
		b.Run(name, func(b *testing.B) {
			tok := loadTiktokenJSON(b, "cl100k_base")
			b.SetBytes(int64(len(text)))
			b.ResetTimer()
			n := 0
			for b.Loop() {
				if cold {
					b.StopTimer()
					tok = loadTiktokenJSON(b, "cl100k_base")
					b.StartTimer()
				}
				n = len(tok.Encode(text, EncodeOptions{}))
			}
			b.ReportMetric(float64(n), "tokens")
		})
	}
}

// TestEncodeWikiTextRoundTrip encodes the whole WikiText-2 test split with
// cl100k_base and checks that decoding restores it.
func TestEncodeWikiTextRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("1.3 MB encode")
	}
	data, err := os.ReadFile(testdata.Path(t, "text", "wikitext-2", "wikitext-2-raw-v1.test.hfjoin.txt"))
	if err != nil {
		t.Fatal(err)
	}
	tok := loadTiktokenJSON(t, "cl100k_base")
	ids := tok.Encode(string(data), EncodeOptions{})
	if got := tok.Decode(ids, false); got != string(data) {
		t.Fatal("Decode(Encode(wikitext)) differs from the text")
	}
	t.Logf("%d bytes → %d tokens", len(data), len(ids))
}
