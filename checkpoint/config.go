package checkpoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// GenerationConfig holds the sampling defaults of generation_config.json.
// A zero value means the file does not set the field (or sets it to zero,
// which for every field here means "off"), and the caller applies its own
// default: Temperature, TopP and RepetitionPenalty 0 mean unset (HF treats
// them as 1.0), TopK 0 means no top-k cut, MaxLength and MaxNewTokens 0 mean
// no limit given, DoSample false means greedy decoding.
type GenerationConfig struct {
	// BOS is bos_token_id, -1 when absent or null.
	BOS int
	// EOS holds eos_token_id, which the file may give as one id or a list;
	// nil when absent or null.
	EOS               []int
	Temperature       float64
	TopP              float64
	TopK              int
	RepetitionPenalty float64
	DoSample          bool
	MaxLength         int
	MaxNewTokens      int
}

// readConfig reads config.json, keeping the raw bytes and the architecture.
func (c *Checkpoint) readConfig(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("checkpoint: reading %s: %w", path, err)
	}
	var cfg struct {
		Architectures []string `json:"architectures"`
		ModelType     string   `json:"model_type"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return fmt.Errorf("checkpoint: parsing %s: %w: %v", path, ErrInvalid, err)
	}
	c.Config = raw
	c.ModelType = cfg.ModelType
	if len(cfg.Architectures) > 0 {
		c.Architecture = cfg.Architectures[0]
	}
	return nil
}

// readGeneration parses generation_config.json; a missing file gives nil.
func readGeneration(path string) (*GenerationConfig, error) {
	raw, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint: reading %s: %w", path, err)
	}
	var g struct {
		BOS               json.RawMessage `json:"bos_token_id"`
		EOS               json.RawMessage `json:"eos_token_id"`
		Temperature       *float64        `json:"temperature"`
		TopP              *float64        `json:"top_p"`
		TopK              *int            `json:"top_k"`
		RepetitionPenalty *float64        `json:"repetition_penalty"`
		DoSample          *bool           `json:"do_sample"`
		MaxLength         *int            `json:"max_length"`
		MaxNewTokens      *int            `json:"max_new_tokens"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("checkpoint: parsing %s: %w: %v", path, ErrInvalid, err)
	}
	bos, err := tokenIDs(g.BOS)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: parsing %s: bos_token_id: %w", path, err)
	}
	eos, err := tokenIDs(g.EOS)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: parsing %s: eos_token_id: %w", path, err)
	}
	out := &GenerationConfig{BOS: -1, EOS: eos}
	if len(bos) > 0 {
		out.BOS = bos[0]
	}
	set(&out.Temperature, g.Temperature)
	set(&out.TopP, g.TopP)
	set(&out.TopK, g.TopK)
	set(&out.RepetitionPenalty, g.RepetitionPenalty)
	set(&out.DoSample, g.DoSample)
	set(&out.MaxLength, g.MaxLength)
	set(&out.MaxNewTokens, g.MaxNewTokens)
	return out, nil
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// tokenIDs decodes a token id given as null, one integer or a list of them.
func tokenIDs(raw json.RawMessage) ([]int, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one int
	if err := json.Unmarshal(raw, &one); err == nil {
		if one < 0 {
			return nil, fmt.Errorf("%w: negative token id %d", ErrInvalid, one)
		}
		return []int{one}, nil
	}
	var list []int
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("%w: %s is not an id or a list of ids", ErrInvalid, raw)
	}
	for _, id := range list {
		if id < 0 {
			return nil, fmt.Errorf("%w: negative token id %d", ErrInvalid, id)
		}
	}
	return list, nil
}
