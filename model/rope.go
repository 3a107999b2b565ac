package model

import (
	"fmt"
	"math"
)

// Rope describes rotary position embeddings as Hugging Face configures them
// (rope_theta, rope_scaling). Pairs follow the rotate-half layout.
type Rope struct {
	Theta float64 // rope_theta (base)
	Dim   int     // rotated dimensions per head (head_dim × partial_rotary_factor)
	// Scaling: "" or "default", "linear", "dynamic" or "llama3".
	Type    string
	Factor  float64
	LowFreq float64 // llama3 low_freq_factor
	HighFrq float64 // llama3 high_freq_factor
	OrigMax int     // original_max_position_embeddings (llama3, dynamic)

	invFreq []float64
}

// ParseRopeScaling fills the scaling fields from a config's rope_scaling
// object (nil means none). maxPos is max_position_embeddings.
func (r *Rope) ParseRopeScaling(s map[string]any, maxPos int) error {
	r.Type, r.OrigMax = "default", maxPos
	if s == nil {
		return nil
	}
	typ, _ := s["rope_type"].(string)
	if typ == "" {
		typ, _ = s["type"].(string)
	}
	num := func(k string, def float64) float64 {
		if v, ok := s[k].(float64); ok {
			return v
		}
		return def
	}
	r.Type = typ
	r.Factor = num("factor", 1)
	switch typ {
	case "default", "":
		r.Type = "default"
	case "linear", "dynamic":
		if r.Factor <= 0 {
			return fmt.Errorf("rope_scaling %s: factor %v must be positive", typ, r.Factor)
		}
	case "llama3":
		r.LowFreq, r.HighFrq = num("low_freq_factor", 1), num("high_freq_factor", 4)
		r.OrigMax = int(num("original_max_position_embeddings", 8192))
		if r.Factor <= 0 || r.HighFrq <= r.LowFreq || r.OrigMax <= 0 {
			return fmt.Errorf("rope_scaling llama3: bad factors %v", s)
		}
	default:
		return fmt.Errorf("rope_scaling type %q is %w (supported: default, linear, dynamic, llama3)", typ, ErrUnsupported)
	}
	return nil
}

// init computes the inverse frequencies for a given sequence length (only
// "dynamic" depends on it).
func (r *Rope) frequencies(seqLen int) []float64 {
	base := r.Theta
	if r.Type == "dynamic" && seqLen > r.OrigMax {
		// HF _compute_dynamic_ntk_parameters.
		d := float64(r.Dim)
		base *= math.Pow(r.Factor*float64(seqLen)/float64(r.OrigMax)-(r.Factor-1), d/(d-2))
	} else if r.invFreq != nil {
		return r.invFreq
	}
	half := r.Dim / 2
	inv := make([]float64, half)
	for i := range inv {
		inv[i] = 1 / math.Pow(base, float64(2*i)/float64(r.Dim))
	}
	switch r.Type {
	case "linear":
		for i := range inv {
			inv[i] /= r.Factor
		}
	case "llama3":
		// HF _compute_llama3_parameters.
		lowWavelen := float64(r.OrigMax) / r.LowFreq
		highWavelen := float64(r.OrigMax) / r.HighFrq
		for i, f := range inv {
			wavelen := 2 * math.Pi / f
			switch {
			case wavelen > lowWavelen:
				inv[i] = f / r.Factor
			case wavelen < highWavelen:
			default:
				smooth := (float64(r.OrigMax)/wavelen - r.LowFreq) / (r.HighFrq - r.LowFreq)
				inv[i] = (1-smooth)*f/r.Factor + smooth*f
			}
		}
	}
	if r.Type != "dynamic" || seqLen <= r.OrigMax {
		r.invFreq = inv
	}
	return inv
}

// CosSin fills cos and sin (Dim/2 values each) for position pos of a
// sequence that will reach seqLen positions.
func (r *Rope) CosSin(pos, seqLen int, cos, sin []float32) {
	inv := r.frequencies(seqLen)
	for i, f := range inv {
		s, c := math.Sincos(float64(pos) * f)
		cos[i], sin[i] = float32(c), float32(s)
	}
}
