package llama

import (
	"encoding/json"
	"fmt"

	"github.com/upgtools/upg/model"
)

// hfConfig is the part of a Hugging Face config.json that Llama-family
// architectures read. Pointers distinguish "absent" from zero.
type hfConfig struct {
	Architectures         []string       `json:"architectures"`
	VocabSize             int            `json:"vocab_size"`
	HiddenSize            int            `json:"hidden_size"`
	IntermediateSize      int            `json:"intermediate_size"`
	NumHiddenLayers       int            `json:"num_hidden_layers"`
	NumAttentionHeads     int            `json:"num_attention_heads"`
	NumKeyValueHeads      *int           `json:"num_key_value_heads"`
	HeadDim               *int           `json:"head_dim"`
	MaxPositionEmbeddings int            `json:"max_position_embeddings"`
	RMSNormEps            *float64       `json:"rms_norm_eps"`
	RopeTheta             *float64       `json:"rope_theta"`
	RopeScaling           map[string]any `json:"rope_scaling"`
	PartialRotaryFactor   *float64       `json:"partial_rotary_factor"`
	TieWordEmbeddings     *bool          `json:"tie_word_embeddings"`
	BOSTokenID            any            `json:"bos_token_id"`
	EOSTokenID            any            `json:"eos_token_id"`
	HiddenAct             string         `json:"hidden_act"`
	SlidingWindow         *int           `json:"sliding_window"`
	UseSlidingWindow      *bool          `json:"use_sliding_window"`
}

// Defaults are the values transformers' LlamaConfig uses for absent keys.
const (
	DefaultRMSEps    = 1e-6
	DefaultRopeTheta = 10000.0
)

// ParseConfig reads a Llama-family config.json into the engine's Config,
// validating it; the errors name the field.
func ParseConfig(data []byte) (*model.Config, int, error) {
	var h hfConfig
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, 0, fmt.Errorf("config.json: %w", err)
	}
	for _, f := range []struct {
		name string
		v    int
	}{
		{"vocab_size", h.VocabSize}, {"hidden_size", h.HiddenSize}, {"intermediate_size", h.IntermediateSize},
		{"num_hidden_layers", h.NumHiddenLayers}, {"num_attention_heads", h.NumAttentionHeads},
		{"max_position_embeddings", h.MaxPositionEmbeddings},
	} {
		if f.v <= 0 {
			return nil, 0, fmt.Errorf("config.json: %s must be a positive integer (have %d)", f.name, f.v)
		}
	}
	c := &model.Config{
		Vocab: h.VocabSize, Hidden: h.HiddenSize, FFN: h.IntermediateSize, Layers: h.NumHiddenLayers,
		Heads: h.NumAttentionHeads, KVHeads: h.NumAttentionHeads, MaxSeq: h.MaxPositionEmbeddings,
		RMSEps: DefaultRMSEps, BOS: -1,
	}
	if len(h.Architectures) > 0 {
		c.Architecture = h.Architectures[0]
	}
	if h.NumKeyValueHeads != nil {
		c.KVHeads = *h.NumKeyValueHeads
	}
	if c.KVHeads <= 0 || c.Heads%c.KVHeads != 0 {
		return nil, 0, fmt.Errorf("config.json: num_attention_heads %d must be a multiple of num_key_value_heads %d", c.Heads, c.KVHeads)
	}
	if h.HeadDim != nil && *h.HeadDim > 0 {
		c.HeadDim = *h.HeadDim
	} else {
		if c.Hidden%c.Heads != 0 {
			return nil, 0, fmt.Errorf("config.json: hidden_size %d is not divisible by num_attention_heads %d", c.Hidden, c.Heads)
		}
		c.HeadDim = c.Hidden / c.Heads
	}
	if c.HeadDim%2 != 0 {
		return nil, 0, fmt.Errorf("config.json: head dimension %d must be even for RoPE", c.HeadDim)
	}
	if h.RMSNormEps != nil {
		c.RMSEps = float32(*h.RMSNormEps)
	}
	if h.HiddenAct != "" && h.HiddenAct != "silu" {
		return nil, 0, fmt.Errorf("config.json: hidden_act %q is %w (want silu)", h.HiddenAct, model.ErrUnsupported)
	}
	c.Rope.Theta = DefaultRopeTheta
	if h.RopeTheta != nil {
		c.Rope.Theta = *h.RopeTheta
	}
	c.Rope.Dim = c.HeadDim
	if h.PartialRotaryFactor != nil {
		c.Rope.Dim = int(float64(c.HeadDim) * *h.PartialRotaryFactor)
		c.Rope.Dim -= c.Rope.Dim % 2
	}
	if err := c.Rope.ParseRopeScaling(h.RopeScaling, c.MaxSeq); err != nil {
		return nil, 0, fmt.Errorf("config.json: %w", err)
	}
	if h.TieWordEmbeddings != nil {
		c.Tied = *h.TieWordEmbeddings
	}
	if ids := tokenIDs(h.BOSTokenID); len(ids) > 0 {
		c.BOS = ids[0]
	}
	c.EOS = tokenIDs(h.EOSTokenID)
	window := 0
	if h.SlidingWindow != nil && (h.UseSlidingWindow == nil || *h.UseSlidingWindow) {
		window = *h.SlidingWindow
	}
	return c, window, nil
}

// tokenIDs reads a token id field that may be a number, a list or null.
func tokenIDs(v any) []int {
	switch t := v.(type) {
	case float64:
		return []int{int(t)}
	case []any:
		var out []int
		for _, e := range t {
			if f, ok := e.(float64); ok {
				out = append(out, int(f))
			}
		}
		return out
	}
	return nil
}
