//go:build ignore

// Command gen_conformance writes the conformance vectors in
// testdata/conformance: one small .upg file per codec holding the tensor
// "weight" (fixed-seed N(0,1) matrix), and next to it a .npy file (<f4,
// C order) with the expected decoded values. Run from upg/:
//
//	go run gen_conformance.go
package main

import (
	"encoding/binary"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/upgtools/upg/codec"
	"github.com/upgtools/upg/upg"
)

func main() {
	dir := filepath.Join("testdata", "conformance")
	cases := []struct {
		file, codec string
		rows, cols  int
		p           codec.Params
	}{
		{"q4", "q4", 16, 64, codec.Params{Seed: 11}},
		{"q2", "q2", 16, 64, codec.Params{Rotation: codec.RotNone}},
		{"vq2_outliers", "vq2", 16, 64, codec.Params{Seed: 12, OutlierFrac: 0.02}},
		{"vq1p6", "vq1p6", 16, 320, codec.Params{Seed: 13}},
		{"vq3", "vq3", 16, 64, codec.Params{Seed: 14}},
		{"vq4", "vq4", 16, 64, codec.Params{Seed: 15, RotBlock: 32}},
		{"vq1", "vq1", 16, 64, codec.Params{Seed: 16}},
		{"q3", "q3", 16, 72, codec.Params{Seed: 17}},
		{"q8", "q8", 8, 64, codec.Params{Seed: 18}},
		{"vq2_padded", "vq2", 8, 172, codec.Params{Seed: 19}}, // rows padded to 176, rotation block 16
	}
	for i, c := range cases {
		r := rand.New(rand.NewPCG(uint64(i+1), 2024))
		w := make([]float32, c.rows*c.cols)
		for j := range w {
			w[j] = float32(r.NormFloat64())
		}
		cd, err := codec.Lookup(c.codec)
		check(err)
		e, err := cd.Encode(w, c.rows, c.cols, nil, c.p)
		check(err)
		out := make([]float32, len(w))
		check(e.Decode(out))
		wr, err := upg.Create(filepath.Join(dir, c.file+".upg"), upg.Options{})
		check(err)
		check(wr.AddEncoded("weight", e))
		check(wr.Close())
		check(writeNPY(filepath.Join(dir, c.file+".npy"), out, c.rows, c.cols))
	}
}

// writeNPY writes a 2-D little-endian float32 .npy file (format 1.0).
func writeNPY(path string, v []float32, rows, cols int) error {
	hdr := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }", rows, cols)
	for (10+len(hdr)+1)%64 != 0 {
		hdr += " "
	}
	hdr += "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(hdr)), byte(len(hdr)>>8))
	b = append(b, hdr...)
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return os.WriteFile(path, b, 0o644)
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
