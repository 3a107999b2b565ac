package synth

import (
	"fmt"
	"maps"
	"slices"
)

// preset describes one model: its real config.json and generation_config.json
// fields, the tensor layout switches, and the tokenizer's special tokens.
type preset struct {
	config     map[string]any // real config.json fields; num_hidden_layers is replaced
	generation map[string]any // real generation_config.json fields

	hidden, layers, heads, kvHeads, inter, vocab int
	fusedQKV, fusedGateUp                        bool // Phi-3 layout
	qkvBias                                      bool // Qwen2 layout
	tied                                         bool

	tok tokenizerSpec
}

// tokenizerSpec says how to build the synthetic tokenizer of a preset.
type tokenizerSpec struct {
	size          int            // ids 0..size-1 (may be below the model vocab)
	special       map[int]string // id → content
	bos, eos, pad string         // contents, "" for none
	unk           string
	addBOS        bool
	chatTemplate  string
	maxLength     int
	specialFiller func(id int) string // names the ids in [firstFill, size) not in special
	firstFill     int
}

// Presets returns the preset names, sorted.
func Presets() []string { return slices.Sorted(maps.Keys(presets)) }

func lookup(name string) (*preset, error) {
	p, ok := presets[name]
	if !ok {
		return nil, fmt.Errorf("synth: unknown preset %q (have %v)", name, Presets())
	}
	return p, nil
}

// Chat templates in each family's format (short forms of the real ones).
const (
	llama3Template = "{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
	chatMLTemplate = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
	phi4Template   = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '<|im_sep|>' + message['content'] + '<|im_end|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant<|im_sep|>' }}{% endif %}"
	zephyrTemplate = "{% for message in messages %}{{ '<|' + message['role'] + '|>\n' + message['content'] + eos_token + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}"
)

var presets = map[string]*preset{
	"phi-4": {
		config: map[string]any{
			"architectures": []string{"Phi3ForCausalLM"}, "attention_bias": false, "attention_dropout": 0.0,
			"bos_token_id": 100257, "embd_pdrop": 0.0, "eos_token_id": 100265, "hidden_act": "silu",
			"hidden_size": 5120, "initializer_range": 0.02, "intermediate_size": 17920,
			"max_position_embeddings": 16384, "model_type": "phi3", "num_attention_heads": 40,
			"num_hidden_layers": 40, "num_key_value_heads": 10, "original_max_position_embeddings": 16384,
			"pad_token_id": 100349, "resid_pdrop": 0.0, "rms_norm_eps": 1e-05, "rope_scaling": nil,
			"rope_theta": 250000.0, "sliding_window": nil, "tie_word_embeddings": false,
			"torch_dtype": "bfloat16", "transformers_version": "4.47.0", "use_cache": true, "vocab_size": 100352,
		},
		generation: map[string]any{"bos_token_id": 100257, "eos_token_id": 100265, "pad_token_id": 100349, "transformers_version": "4.47.0"},
		hidden:     5120, layers: 40, heads: 40, kvHeads: 10, inter: 17920, vocab: 100352,
		fusedQKV: true, fusedGateUp: true,
		tok: tokenizerSpec{
			size: 100352, firstFill: 100256,
			special: map[int]string{100257: "<|endoftext|>", 100258: "<|fim_prefix|>", 100259: "<|fim_middle|>",
				100260: "<|fim_suffix|>", 100264: "<|im_start|>", 100265: "<|im_end|>", 100266: "<|im_sep|>", 100276: "<|endofprompt|>"},
			specialFiller: func(id int) string { return fmt.Sprintf("<|dummy_%d|>", id-100264) },
			bos:           "<|endoftext|>", eos: "<|im_end|>", pad: "<|dummy_85|>", unk: "<|endoftext|>",
			chatTemplate: phi4Template, maxLength: 16384,
		},
	},
	"llama-3.1-8b": {
		config: map[string]any{
			"architectures": []string{"LlamaForCausalLM"}, "attention_bias": false, "attention_dropout": 0.0,
			"bos_token_id": 128000, "eos_token_id": 128001, "hidden_act": "silu", "hidden_size": 4096,
			"initializer_range": 0.02, "intermediate_size": 14336, "max_position_embeddings": 131072,
			"mlp_bias": false, "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 32,
			"num_key_value_heads": 8, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
			"rope_scaling": map[string]any{"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
				"original_max_position_embeddings": 8192, "rope_type": "llama3"},
			"rope_theta": 500000.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
			"transformers_version": "4.43.0.dev0", "use_cache": true, "vocab_size": 128256,
		},
		generation: map[string]any{"bos_token_id": 128000, "do_sample": true, "eos_token_id": 128001,
			"temperature": 0.6, "top_p": 0.9, "transformers_version": "4.43.0.dev0"},
		hidden: 4096, layers: 32, heads: 32, kvHeads: 8, inter: 14336, vocab: 128256,
		tok: tokenizerSpec{
			size: 128256, firstFill: 128000,
			special: map[int]string{128000: "<|begin_of_text|>", 128001: "<|end_of_text|>", 128002: "<|reserved_special_token_0|>",
				128003: "<|reserved_special_token_1|>", 128004: "<|finetune_right_pad_id|>", 128005: "<|reserved_special_token_2|>",
				128006: "<|start_header_id|>", 128007: "<|end_header_id|>", 128008: "<|eom_id|>", 128009: "<|eot_id|>", 128010: "<|python_tag|>"},
			specialFiller: func(id int) string { return fmt.Sprintf("<|reserved_special_token_%d|>", id-128008) },
			bos:           "<|begin_of_text|>", eos: "<|end_of_text|>", addBOS: true,
			chatTemplate: llama3Template, maxLength: 131072,
		},
	},
	"qwen2.5-7b": {
		config: map[string]any{
			"architectures": []string{"Qwen2ForCausalLM"}, "attention_dropout": 0.0, "bos_token_id": 151643,
			"eos_token_id": 151643, "hidden_act": "silu", "hidden_size": 3584, "initializer_range": 0.02,
			"intermediate_size": 18944, "max_position_embeddings": 131072, "max_window_layers": 28,
			"model_type": "qwen2", "num_attention_heads": 28, "num_hidden_layers": 28, "num_key_value_heads": 4,
			"rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 131072, "tie_word_embeddings": false,
			"torch_dtype": "bfloat16", "transformers_version": "4.40.1", "use_cache": true, "use_mrope": false,
			"use_sliding_window": false, "vocab_size": 152064,
		},
		generation: map[string]any{"bos_token_id": 151643, "do_sample": false, "eos_token_id": 151643,
			"max_new_tokens": 2048, "transformers_version": "4.37.0"},
		hidden: 3584, layers: 28, heads: 28, kvHeads: 4, inter: 18944, vocab: 152064, qkvBias: true,
		tok: tokenizerSpec{
			size: 151665,
			special: map[int]string{151643: "<|endoftext|>", 151644: "<|im_start|>", 151645: "<|im_end|>",
				151646: "<|object_ref_start|>", 151647: "<|object_ref_end|>", 151648: "<|box_start|>", 151649: "<|box_end|>",
				151650: "<|quad_start|>", 151651: "<|quad_end|>", 151652: "<|vision_start|>", 151653: "<|vision_end|>",
				151654: "<|vision_pad|>", 151655: "<|image_pad|>", 151656: "<|video_pad|>", 151657: "<tool_call>",
				151658: "</tool_call>", 151659: "<|fim_prefix|>", 151660: "<|fim_middle|>", 151661: "<|fim_suffix|>",
				151662: "<|fim_pad|>", 151663: "<|repo_name|>", 151664: "<|file_sep|>"},
			eos: "<|endoftext|>", pad: "<|endoftext|>", chatTemplate: chatMLTemplate, maxLength: 131072,
		},
	},
	"tinyllama-1.1b": {
		config: map[string]any{
			"architectures": []string{"LlamaForCausalLM"}, "attention_bias": false, "bos_token_id": 1,
			"eos_token_id": 2, "hidden_act": "silu", "hidden_size": 2048, "initializer_range": 0.02,
			"intermediate_size": 5632, "max_position_embeddings": 2048, "model_type": "llama",
			"num_attention_heads": 32, "num_hidden_layers": 22, "num_key_value_heads": 4, "pretraining_tp": 1,
			"rms_norm_eps": 1e-05, "rope_scaling": nil, "rope_theta": 10000.0, "tie_word_embeddings": false,
			"torch_dtype": "bfloat16", "transformers_version": "4.35.0", "use_cache": true, "vocab_size": 32000,
		},
		generation: map[string]any{"bos_token_id": 1, "eos_token_id": 2, "max_length": 2048, "pad_token_id": 0, "transformers_version": "4.35.0"},
		hidden:     2048, layers: 22, heads: 32, kvHeads: 4, inter: 5632, vocab: 32000,
		tok: tokenizerSpec{
			size: 32000, special: map[int]string{0: "<unk>", 1: "<s>", 2: "</s>"},
			bos: "<s>", eos: "</s>", pad: "</s>", unk: "<unk>", addBOS: true, chatTemplate: zephyrTemplate, maxLength: 2048,
		},
	},
	"tiny": {
		config: map[string]any{
			"architectures": []string{"LlamaForCausalLM"}, "attention_bias": false, "attention_dropout": 0.0,
			"bos_token_id": 1, "eos_token_id": 2, "head_dim": 16, "hidden_act": "silu", "hidden_size": 64,
			"initializer_range": 0.02, "intermediate_size": 192, "max_position_embeddings": 512, "mlp_bias": false,
			"model_type": "llama", "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 2,
			"pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": nil, "rope_theta": 10000.0,
			"tie_word_embeddings": false, "torch_dtype": "bfloat16", "use_cache": true, "vocab_size": 512,
		},
		generation: map[string]any{"bos_token_id": 1, "eos_token_id": 2, "max_length": 512},
		hidden:     64, layers: 2, heads: 4, kvHeads: 2, inter: 192, vocab: 512,
		tok: tokenizerSpec{
			size: 512, special: map[int]string{0: "<unk>", 1: "<s>", 2: "</s>"},
			bos: "<s>", eos: "</s>", unk: "<unk>", addBOS: true, chatTemplate: zephyrTemplate, maxLength: 512,
		},
	},
}

// tensorSpec is one tensor to generate.
type tensorSpec struct {
	name  string
	shape []int64
	kind  int // kindMatrix, kindNorm, kindBias
}

const (
	kindMatrix = iota // N(0, Std) with outliers
	kindNorm          // 1 + N(0, Std)
	kindBias          // N(0, Std)
)

// tensors lists the preset's tensors in module order for the given number
// of layers, with Hugging Face names and [out, in] weight shapes.
func (p *preset) tensors(layers int) []tensorSpec {
	h, hd := int64(p.hidden), int64(p.hidden/p.heads)
	q, kv, ff := int64(p.heads)*hd, int64(p.kvHeads)*hd, int64(p.inter)
	out := []tensorSpec{{"model.embed_tokens.weight", []int64{int64(p.vocab), h}, kindMatrix}}
	for i := range layers {
		pre := fmt.Sprintf("model.layers.%d.", i)
		add := func(name string, kind int, shape ...int64) {
			out = append(out, tensorSpec{pre + name, shape, kind})
		}
		add("input_layernorm.weight", kindNorm, h)
		if p.fusedQKV {
			add("self_attn.qkv_proj.weight", kindMatrix, q+2*kv, h)
		} else {
			add("self_attn.q_proj.weight", kindMatrix, q, h)
			add("self_attn.k_proj.weight", kindMatrix, kv, h)
			add("self_attn.v_proj.weight", kindMatrix, kv, h)
		}
		if p.qkvBias {
			add("self_attn.q_proj.bias", kindBias, q)
			add("self_attn.k_proj.bias", kindBias, kv)
			add("self_attn.v_proj.bias", kindBias, kv)
		}
		add("self_attn.o_proj.weight", kindMatrix, h, q)
		add("post_attention_layernorm.weight", kindNorm, h)
		if p.fusedGateUp {
			add("mlp.gate_up_proj.weight", kindMatrix, 2*ff, h)
		} else {
			add("mlp.gate_proj.weight", kindMatrix, ff, h)
			add("mlp.up_proj.weight", kindMatrix, ff, h)
		}
		add("mlp.down_proj.weight", kindMatrix, h, ff)
	}
	out = append(out, tensorSpec{"model.norm.weight", []int64{h}, kindNorm})
	if !p.tied {
		out = append(out, tensorSpec{"lm_head.weight", []int64{int64(p.vocab), h}, kindMatrix})
	}
	return out
}
