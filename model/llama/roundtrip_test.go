package llama_test

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/upgtools/upg/importer"
	"github.com/upgtools/upg/internal/modeltest"
	"github.com/upgtools/upg/internal/testdata"
	"github.com/upgtools/upg/model"
	_ "github.com/upgtools/upg/model/llama"
)

// runcForward is a straight port of llama2.c run.c's forward(): interleaved
// RoPE on adjacent pairs, the weights in llama2.c's own layout. It is the
// independent reference the imported HF checkpoint must agree with.
type runc struct {
	m    *importer.Llama2CModel
	kc   [][]float32
	vc   [][]float32
	seen int
}

func (r *runc) forward(token, pos int) []float32 {
	c := r.m.Config
	dim, hd, kvDim := c.Dim, c.HeadSize(), c.KVDim()
	mul := c.Heads / c.KVHeads
	x := append([]float32(nil), r.m.TokenEmbedding[token*dim:(token+1)*dim]...)
	matmul := func(out, in, w []float32, n, d int) {
		for i := range d {
			var v float32
			for j := range n {
				v += w[i*n+j] * in[j]
			}
			out[i] = v
		}
	}
	rmsnorm := func(o, in, w []float32) {
		var ss float32
		for _, v := range in {
			ss += v * v
		}
		ss = 1 / float32(math.Sqrt(float64(ss/float32(len(in))+1e-5)))
		for i := range in {
			o[i] = w[i] * (ss * in[i])
		}
	}
	xb := make([]float32, dim)
	q, k, v := make([]float32, dim), make([]float32, kvDim), make([]float32, kvDim)
	hb, hb2 := make([]float32, c.HiddenDim), make([]float32, c.HiddenDim)
	for l, L := range r.m.Layers {
		rmsnorm(xb, x, L.RMSAtt)
		matmul(q, xb, L.WQ, dim, dim)
		matmul(k, xb, L.WK, dim, kvDim)
		matmul(v, xb, L.WV, dim, kvDim)
		for i := 0; i < dim; i += 2 {
			headDim := i % hd
			freq := 1 / math.Pow(10000, float64(headDim)/float64(hd))
			fcr, fci := float32(math.Cos(float64(pos)*freq)), float32(math.Sin(float64(pos)*freq))
			rot := func(vec []float32) {
				v0, v1 := vec[i], vec[i+1]
				vec[i], vec[i+1] = v0*fcr-v1*fci, v0*fci+v1*fcr
			}
			rot(q)
			if i < kvDim {
				rot(k)
			}
		}
		r.kc[l] = append(r.kc[l][:pos*kvDim], k...)
		r.vc[l] = append(r.vc[l][:pos*kvDim], v...)
		for h := range c.Heads {
			att := make([]float32, pos+1)
			for t := 0; t <= pos; t++ {
				kk := r.kc[l][t*kvDim+(h/mul)*hd:]
				var s float32
				for i := range hd {
					s += q[h*hd+i] * kk[i]
				}
				att[t] = s / float32(math.Sqrt(float64(hd)))
			}
			mx := att[0]
			for _, a := range att {
				mx = max(mx, a)
			}
			var sum float32
			for t := range att {
				att[t] = float32(math.Exp(float64(att[t] - mx)))
				sum += att[t]
			}
			for i := range hd {
				var o float32
				for t := 0; t <= pos; t++ {
					o += att[t] / sum * r.vc[l][t*kvDim+(h/mul)*hd+i]
				}
				xb[h*hd+i] = o
			}
		}
		xb2 := make([]float32, dim)
		matmul(xb2, xb, L.WO, dim, dim)
		for i := range x {
			x[i] += xb2[i]
		}
		rmsnorm(xb, x, L.RMSFFN)
		matmul(hb, xb, L.W1, dim, c.HiddenDim)
		matmul(hb2, xb, L.W3, dim, c.HiddenDim)
		for i := range hb {
			s := hb[i]
			hb[i] = s * (1 / (1 + float32(math.Exp(float64(-s))))) * hb2[i]
		}
		matmul(xb, hb, L.W2, c.HiddenDim, dim)
		for i := range x {
			x[i] += xb[i]
		}
	}
	rmsnorm(x, x, r.m.RMSFinal)
	logits := make([]float32, c.VocabSize)
	matmul(logits, x, r.m.WCls, dim, c.VocabSize)
	return logits
}

// TestImportRoundTrip checks llama2.c → HF layout → upg's engine gives the
// same logits as run.c's forward pass computed directly on the llama2.c
// file, position by position, both decoding token by token and prefilling
// the whole sequence at once.
func TestImportRoundTrip(t *testing.T) {
	dir := testdata.Path(t, "models", "stories260K")
	bin := filepath.Join(dir, "stories260K.bin")
	ref, err := importer.ReadLlama2C(bin)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "hf")
	if err := importer.FromLlama2C(context.Background(), bin, filepath.Join(dir, "tok512.bin"), out, importer.Options{}); err != nil {
		t.Fatal(err)
	}
	m := modeltest.Load(t, out)
	tokens := []int{1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 40, 7, 300, 511, 2, 90}
	rc := &runc{m: ref, kc: make([][]float32, len(ref.Layers)), vc: make([][]float32, len(ref.Layers))}
	V := m.Config().Vocab
	want := make([][]float32, len(tokens))
	for p, tok := range tokens {
		want[p] = rc.forward(tok, p)
	}
	cache := model.NewCache(m.Config(), 64)
	got := make([]float32, V)
	for p, tok := range tokens {
		if err := m.Forward(cache, []int{tok}, got, false); err != nil {
			t.Fatal(err)
		}
		assertClose(t, "decode", p, got, want[p])
	}
	cache.Reset()
	all := make([]float32, len(tokens)*V)
	if err := m.Forward(cache, tokens, all, true); err != nil {
		t.Fatal(err)
	}
	for p := range tokens {
		assertClose(t, "prefill", p, all[p*V:(p+1)*V], want[p])
	}
}

func assertClose(t *testing.T, what string, pos int, got, want []float32) {
	t.Helper()
	if maxd := modeltest.MaxDiff(got, want); maxd > 2e-4 {
		t.Fatalf("%s position %d: logits differ from run.c by up to %g", what, pos, maxd)
	}
}
