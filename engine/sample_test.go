package engine

import "testing"

func TestSampler(t *testing.T) {
	logits := func() []float32 { return []float32{1, 3, 2, 0.5, 2.9} }
	cases := []struct {
		name string
		o    SampleOptions
		hist []int
		ok   func(id int) bool
	}{
		{"greedy", Greedy, nil, func(id int) bool { return id == 1 }},
		{"top-k 1 is greedy", SampleOptions{Temperature: 1, TopK: 1}, nil, func(id int) bool { return id == 1 }},
		{"top-k 2", SampleOptions{Temperature: 5, TopK: 2}, nil, func(id int) bool { return id == 1 || id == 4 }},
		{"min-p keeps near-top only", SampleOptions{Temperature: 5, MinP: 0.85}, nil, func(id int) bool { return id == 1 || id == 4 }},
		{"top-p tiny keeps the best", SampleOptions{Temperature: 5, TopP: 0.01}, nil, func(id int) bool { return id == 1 }},
		{"repeat penalty flips greedy", SampleOptions{RepeatPenalty: 2}, []int{1}, func(id int) bool { return id == 4 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSampler(tc.o)
			for range 200 {
				if id := s.Sample(logits(), tc.hist); !tc.ok(id) {
					t.Fatalf("sampled %d", id)
				}
			}
		})
	}
	// High temperature without filters reaches every token.
	s := NewSampler(SampleOptions{Temperature: 100, Seed: 3})
	seen := map[int]bool{}
	for range 2000 {
		seen[s.Sample(logits(), nil)] = true
	}
	if len(seen) != 5 {
		t.Errorf("temperature 100 reached only %d of 5 tokens", len(seen))
	}
}

func TestStopWriterHoldsBackPrefixes(t *testing.T) {
	var got []string
	w := &stopWriter{stops: []string{"</s>"}, emit: func(s string) { got = append(got, s) }}
	for _, piece := range []string{"ab", "c<", "/", "x", "y</", "s>z"} {
		if w.write(piece) {
			break
		}
	}
	if w.text() != "abc</xy" {
		t.Fatalf("text %q", w.text())
	}
	joined := ""
	for _, g := range got {
		joined += g
	}
	if joined != "abc</xy" {
		t.Fatalf("emitted %q", joined)
	}
}
