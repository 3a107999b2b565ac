package synth

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestPresetShapes checks the full-size layouts against the published
// parameter counts of the real models and a few characteristic shapes.
func TestPresetShapes(t *testing.T) {
	for _, tc := range []struct {
		preset string
		params int64
		shapes map[string][]int64
	}{
		{"phi-4", 14_659_507_200, map[string][]int64{
			"model.layers.39.self_attn.qkv_proj.weight": {7680, 5120},
			"model.layers.0.mlp.gate_up_proj.weight":    {35840, 5120},
			"model.layers.0.mlp.down_proj.weight":       {5120, 17920},
			"lm_head.weight":                            {100352, 5120},
		}},
		{"llama-3.1-8b", 8_030_261_248, map[string][]int64{
			"model.layers.31.self_attn.k_proj.weight": {1024, 4096},
			"model.layers.0.mlp.gate_proj.weight":     {14336, 4096},
			"model.embed_tokens.weight":               {128256, 4096},
		}},
		{"qwen2.5-7b", 7_615_616_512, map[string][]int64{
			"model.layers.27.self_attn.q_proj.bias":  {3584},
			"model.layers.0.self_attn.k_proj.bias":   {512},
			"model.layers.0.self_attn.v_proj.weight": {512, 3584},
			"lm_head.weight":                         {152064, 3584},
		}},
		{"tinyllama-1.1b", 1_100_048_384, map[string][]int64{
			"model.layers.21.self_attn.v_proj.weight": {256, 2048},
			"model.layers.0.mlp.up_proj.weight":       {5632, 2048},
		}},
	} {
		p, err := lookup(tc.preset)
		if err != nil {
			t.Fatal(err)
		}
		var params int64
		got := map[string][]int64{}
		for _, ts := range p.tensors(p.layers) {
			params += bytesOf(ts) / 2
			got[ts.name] = ts.shape
		}
		if params != tc.params {
			t.Errorf("%s: %d parameters, the real model has %d", tc.preset, params, tc.params)
		}
		for name, shape := range tc.shapes {
			if !slices.Equal(got[name], shape) {
				t.Errorf("%s: %s is %v, want %v", tc.preset, name, got[name], shape)
			}
		}
	}
}

func TestLayerScaling(t *testing.T) {
	for _, tc := range []struct {
		preset string
		opt    Options
		want   int
	}{
		{"llama-3.1-8b", Options{}, 32},
		{"llama-3.1-8b", Options{Scale: 0.5}, 16},
		{"tinyllama-1.1b", Options{Scale: 0.1}, 2},
		{"phi-4", Options{Scale: 0.001}, 1},
		{"phi-4", Options{Scale: 0.5, Layers: 3}, 3},
	} {
		p, _ := lookup(tc.preset)
		_, layers, err := tc.opt.defaults(p)
		if err != nil || layers != tc.want {
			t.Errorf("%s %+v: %d layers (%v), want %d", tc.preset, tc.opt, layers, err, tc.want)
		}
	}
}

// TestMetaFiles writes the config, generation config and tokenizer of every
// preset and checks them against the real models' key values, and that the
// tokenizer is a consistent byte-level BPE.
func TestMetaFiles(t *testing.T) {
	want := map[string]map[string]any{
		"phi-4":          {"architectures": []any{"Phi3ForCausalLM"}, "hidden_size": 5120.0, "num_key_value_heads": 10.0, "rope_theta": 250000.0, "max_position_embeddings": 16384.0, "tie_word_embeddings": false, "vocab_size": 100352.0},
		"llama-3.1-8b":   {"architectures": []any{"LlamaForCausalLM"}, "intermediate_size": 14336.0, "rope_theta": 500000.0, "rope_scaling": map[string]any{"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192.0}},
		"qwen2.5-7b":     {"architectures": []any{"Qwen2ForCausalLM"}, "num_attention_heads": 28.0, "num_key_value_heads": 4.0, "rope_theta": 1e6, "rms_norm_eps": 1e-6, "vocab_size": 152064.0},
		"tinyllama-1.1b": {"hidden_size": 2048.0, "num_attention_heads": 32.0, "num_key_value_heads": 4.0, "rope_theta": 10000.0, "vocab_size": 32000.0},
		"tiny":           {"hidden_size": 64.0, "vocab_size": 512.0},
	}
	if testing.Short() {
		delete(want, "qwen2.5-7b")
		delete(want, "llama-3.1-8b")
		delete(want, "phi-4")
	}
	for name, fields := range want {
		t.Run(name, func(t *testing.T) {
			p, _ := lookup(name)
			dir := t.TempDir()
			if err := writeMeta(dir, p, 3); err != nil {
				t.Fatal(err)
			}
			var cfg map[string]any
			readJSON(t, filepath.Join(dir, "config.json"), &cfg)
			fields["num_hidden_layers"] = 3.0
			fields["torch_dtype"] = "bfloat16"
			for k, v := range fields {
				if !jsonEqual(cfg[k], v) {
					t.Errorf("config %s = %v, want %v", k, cfg[k], v)
				}
			}
			checkTokenizer(t, dir, p, cfg)
		})
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func checkTokenizer(t *testing.T, dir string, p *preset, cfg map[string]any) {
	var tok struct {
		AddedTokens []struct {
			ID      int    `json:"id"`
			Content string `json:"content"`
		} `json:"added_tokens"`
		Model struct {
			Type   string         `json:"type"`
			Vocab  map[string]int `json:"vocab"`
			Merges []string       `json:"merges"`
		} `json:"model"`
	}
	readJSON(t, filepath.Join(dir, "tokenizer.json"), &tok)
	v := tok.Model.Vocab
	if tok.Model.Type != "BPE" || len(v) != p.tok.size {
		t.Fatalf("model %q with %d tokens, want BPE with %d", tok.Model.Type, len(v), p.tok.size)
	}
	ids := make([]bool, len(v))
	for s, id := range v {
		if id < 0 || id >= len(ids) || ids[id] {
			t.Fatalf("token %q has bad or repeated id %d", s, id)
		}
		ids[id] = true
	}
	for _, b := range []string{"Ġ", "!", "Ċ", "Ā"} {
		if _, ok := v[b]; !ok {
			t.Errorf("byte token %q missing", b)
		}
	}
	for i, m := range tok.Model.Merges {
		a, b, ok := strings.Cut(m, " ")
		_, okA := v[a]
		_, okB := v[b]
		_, okAB := v[a+b]
		if !ok || !okA || !okB || !okAB || strings.Contains(b, " ") {
			t.Fatalf("merge %d %q is not a pair of tokens forming a token", i, m)
		}
	}
	if len(tok.Model.Merges) != len(v)-256-len(tok.AddedTokens) {
		t.Errorf("%d merges for %d tokens", len(tok.Model.Merges), len(v))
	}
	var tc map[string]any
	readJSON(t, filepath.Join(dir, "tokenizer_config.json"), &tc)
	for _, key := range []string{"bos_token_id", "eos_token_id"} {
		id, ok := cfg[key].(float64)
		if !ok {
			continue
		}
		content, _ := tc[strings.TrimSuffix(key, "_id")].(string)
		if key == "bos_token_id" && content == "" {
			continue // Qwen's tokenizer has no BOS
		}
		if v[content] != int(id) {
			t.Errorf("%s: config says %v, tokenizer_config %q has id %d", key, id, content, v[content])
		}
	}
	dec := tc["added_tokens_decoder"].(map[string]any)
	for _, a := range tok.AddedTokens {
		if v[a.Content] != a.ID || dec[strconv.Itoa(a.ID)] == nil {
			t.Errorf("added token %q id %d not in vocab/decoder", a.Content, a.ID)
		}
	}
	if tc["chat_template"] == "" {
		t.Error("no chat template")
	}
}
