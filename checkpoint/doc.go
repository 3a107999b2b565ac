// Package checkpoint opens a Hugging Face model directory: config.json,
// generation_config.json and the safetensors weights, whether one
// model.safetensors, shards listed by model.safetensors.index.json
// ("weight_map": tensor name → shard file, as written by transformers'
// save_pretrained), or loose *.safetensors files.
//
// Open checks that the download is complete before anything is used: every
// shard exists, no shard is shorter than its header says, no hub partial files
// (*.incomplete, *.part, *.tmp) lie around, and every tensor the index names is
// in its shard. Problems of that kind are gathered into one *IncompleteError
// (errors.Is(err, ErrIncomplete)).
//
// Tensors are zero-copy views of the memory-mapped shards; Float32 converts
// any supported model dtype (F32, F16, BF16, I8, U8, F8_E4M3 with DeepSeek-V3
// 128×128 block scales) to a new []float32:
//
//	c, err := checkpoint.Open(dir)
//	if err != nil { ... }
//	defer c.Close()
//	w, err := c.Float32("model.layers.0.self_attn.q_proj.weight")
package checkpoint
