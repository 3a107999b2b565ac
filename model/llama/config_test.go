package llama

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/upgtools/upg/model"
)

func TestParseConfig(t *testing.T) {
	base := `"vocab_size":100,"hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":8,"max_position_embeddings":256`
	cases := []struct {
		name, json, err string
		check           func(*model.Config) bool
	}{
		{"defaults", `{` + base + `}`, "", func(c *model.Config) bool {
			return c.KVHeads == 8 && c.HeadDim == 8 && c.RMSEps == float32(DefaultRMSEps) && c.Rope.Theta == DefaultRopeTheta && !c.Tied && c.BOS == -1
		}},
		{"gqa and ids", `{` + base + `,"num_key_value_heads":2,"bos_token_id":1,"eos_token_id":[2,3],"tie_word_embeddings":true}`, "", func(c *model.Config) bool {
			return c.KVHeads == 2 && c.BOS == 1 && len(c.EOS) == 2 && c.Tied
		}},
		{"llama3 scaling", `{` + base + `,"rope_scaling":{"rope_type":"llama3","factor":8,"low_freq_factor":1,"high_freq_factor":4,"original_max_position_embeddings":8192}}`, "", func(c *model.Config) bool {
			return c.Rope.Type == "llama3" && c.Rope.OrigMax == 8192
		}},
		{"missing hidden", `{"vocab_size":100,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":8,"max_position_embeddings":256}`, "hidden_size", nil},
		{"bad gqa", `{` + base + `,"num_key_value_heads":3}`, "multiple of num_key_value_heads", nil},
		{"indivisible", `{"vocab_size":100,"hidden_size":60,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":8,"max_position_embeddings":256}`, "not divisible", nil},
		{"gelu", `{` + base + `,"hidden_act":"gelu"}`, "hidden_act", nil},
		{"yarn", `{` + base + `,"rope_scaling":{"type":"yarn","factor":4}}`, "yarn", nil},
		{"not json", `{"vocab_size":`, "config.json", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _, err := ParseConfig([]byte(tc.json))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one mentioning %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(c) {
				t.Fatalf("unexpected config %+v", c)
			}
		})
	}
	_, _, err := ParseConfig([]byte(`{` + base + `,"rope_scaling":{"type":"longrope"}}`))
	if !errors.Is(err, model.ErrUnsupported) {
		t.Errorf("longrope: %v is not ErrUnsupported", err)
	}
}

// TestLlama3Frequencies checks the llama3 rope scaling against values of
// transformers' _compute_llama3_parameters for Llama 3.1 (head 128, base
// 500000): the highest frequency is unscaled, the lowest divided by 8.
func TestLlama3Frequencies(t *testing.T) {
	r := model.Rope{Theta: 500000, Dim: 128}
	if err := r.ParseRopeScaling(map[string]any{"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192.0}, 131072); err != nil {
		t.Fatal(err)
	}
	cos, sin := make([]float32, 64), make([]float32, 64)
	r.CosSin(1, 1, cos, sin)
	// Position 1: angle = inv_freq. inv_freq[0] = 1 (unscaled).
	if math.Abs(float64(sin[0])-math.Sin(1)) > 1e-6 {
		t.Errorf("inv_freq[0]: sin %g, want %g", sin[0], math.Sin(1))
	}
	last := 1 / math.Pow(500000, 126.0/128) / 8
	if math.Abs(float64(sin[63])-math.Sin(last)) > 1e-9 {
		t.Errorf("inv_freq[63]: sin %g, want %g", sin[63], math.Sin(last))
	}
}
