// Package all links every architecture upg implements into the model
// registry; import it for its side effect.
package all

import (
	_ "github.com/upgtools/upg/model/llama" // LlamaForCausalLM, MistralForCausalLM
	_ "github.com/upgtools/upg/model/phi3"  // Phi3ForCausalLM
	_ "github.com/upgtools/upg/model/qwen2" // Qwen2ForCausalLM
)
