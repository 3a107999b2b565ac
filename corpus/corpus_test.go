package corpus

import (
	"strings"
	"testing"
)

func TestTextsDoNotOverlap(t *testing.T) {
	docs := strings.Split(Sample, DocSeparator)
	n := 0
	for _, d := range docs {
		d = strings.TrimSpace(d)
		if d == "" {
			continue
		}
		n++
		for _, para := range strings.Split(d, "\n") {
			if para = strings.TrimSpace(para); len(para) > 40 && strings.Contains(Calibration, para) {
				t.Errorf("sample paragraph %q occurs in the calibration text", para)
			}
		}
	}
	if n != 5 {
		t.Errorf("sample has %d documents, want 5", n)
	}
	if len(Calibration) < 20000 {
		t.Errorf("calibration text has %d bytes, want ≥ 20000", len(Calibration))
	}
}
