package model

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/upgtools/upg/checkpoint"
	"github.com/upgtools/upg/kernels"
)

// Config holds the hyperparameters the engine needs, whatever the
// architecture. Each architecture parses its own config.json into it.
type Config struct {
	Architecture string // HF "architectures"[0], e.g. "LlamaForCausalLM"
	Vocab        int    // vocab_size
	Hidden       int    // hidden_size
	Layers       int    // num_hidden_layers
	Heads        int    // num_attention_heads
	KVHeads      int    // num_key_value_heads
	HeadDim      int    // head_dim (default hidden/heads)
	FFN          int    // intermediate_size
	MaxSeq       int    // max_position_embeddings
	RMSEps       float32
	Rope         Rope
	Tied         bool  // tie_word_embeddings: the output head is the embedding
	BOS          int   // -1 when none
	EOS          []int // end-of-sequence ids from config/generation config
}

// ErrUnsupported marks an architecture or feature upg does not implement.
var ErrUnsupported = errors.New("unsupported")

// Model is a loaded network that turns tokens into logits.
type Model interface {
	// Config returns the hyperparameters.
	Config() *Config
	// Forward runs tokens at positions c.Len()… and appends them to the KV
	// cache. If all is set, logits receives len(tokens)×Vocab values (one
	// row per token), otherwise only the last token's Vocab values.
	Forward(c *Cache, tokens []int, logits []float32, all bool) error
	// Pool is the worker pool the model computes with.
	Pool() *kernels.Pool
	// WeightBytes is the storage of all weights (what a decoded token reads).
	WeightBytes() int64
	// Close releases the files and workers.
	Close() error
}

// Options control loading.
type Options struct {
	// Threads is the number of worker goroutines (≤ 0: one per CPU).
	Threads int
}

// Loader builds a model of one architecture from its config and weights.
type Loader func(cfgJSON []byte, w Weights, opt Options) (Model, error)

var (
	regMu    sync.Mutex
	registry = map[string]Loader{}
)

// Register makes an architecture loadable under its Hugging Face
// "architectures" name. Registering a name twice panics (a programming error).
func Register(arch string, l Loader) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[arch]; dup {
		panic("model: architecture registered twice: " + arch)
	}
	registry[arch] = l
}

// Architectures lists the registered architecture names, sorted.
func Architectures() []string {
	regMu.Lock()
	defer regMu.Unlock()
	out := make([]string, 0, len(registry))
	for k := range registry {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// LoaderFor returns the loader of an architecture, or an error listing the
// supported ones.
func LoaderFor(arch string) (Loader, error) {
	regMu.Lock()
	l, ok := registry[arch]
	regMu.Unlock()
	if !ok {
		return nil, fmt.Errorf("architecture %q is %w; supported: %s", arch, ErrUnsupported, strings.Join(Architectures(), ", "))
	}
	return l, nil
}

// LoadCheckpoint builds the model of an open checkpoint. The checkpoint must
// stay open while the model is used (weights are memory-mapped views).
func LoadCheckpoint(ck *checkpoint.Checkpoint, opt Options) (Model, error) {
	return LoadWeights(ck, NewCheckpointWeights(ck), opt)
}

// LoadWeights builds the model described by ck's configs over w (the
// checkpoint's own tensors, or a UPG directory's).
func LoadWeights(ck *checkpoint.Checkpoint, w Weights, opt Options) (Model, error) {
	l, err := LoaderFor(ck.Architecture)
	if err != nil {
		return nil, fmt.Errorf("%s/config.json: %w", ck.Dir, err)
	}
	m, err := l(ck.Config, w, opt)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", ck.Dir, err)
	}
	if ck.Generation != nil && len(ck.Generation.EOS) > 0 {
		m.Config().EOS = mergeIDs(m.Config().EOS, ck.Generation.EOS)
	}
	return m, nil
}

// IgnoredTensorSuffixes are tensors checkpoints carry that no forward pass
// reads (precomputed RoPE tables).
var IgnoredTensorSuffixes = []string{"rotary_emb.inv_freq"}

// CheckAllUsed fails when w holds tensors the architecture did not consume.
func CheckAllUsed(w Weights) error { return checkUnused(w, IgnoredTensorSuffixes) }

func mergeIDs(a, b []int) []int {
	out := append([]int(nil), a...)
	for _, v := range b {
		found := false
		for _, u := range out {
			found = found || u == v
		}
		if !found {
			out = append(out, v)
		}
	}
	return out
}
