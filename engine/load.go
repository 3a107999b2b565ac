package engine

import (
	"fmt"
	"time"

	"github.com/upgtools/upg/checkpoint"
	"github.com/upgtools/upg/model"
	_ "github.com/upgtools/upg/model/all" // every architecture
	"github.com/upgtools/upg/tokenizer"
)

// Loaded is a model directory opened for inference.
type Loaded struct {
	Dir        string
	Checkpoint *checkpoint.Checkpoint
	Model      model.Model
	Tokenizer  *tokenizer.Tokenizer
	LoadTime   time.Duration
}

// Load opens a model directory: checks the checkpoint is complete, builds
// the architecture over the memory-mapped weights and loads the tokenizer.
func Load(dir string, opt model.Options) (*Loaded, error) {
	start := time.Now()
	ck, err := checkpoint.Open(dir)
	if err != nil {
		return nil, err
	}
	m, err := model.LoadCheckpoint(ck, opt)
	if err != nil {
		ck.Close()
		return nil, err
	}
	tok, err := tokenizer.Load(dir)
	if err != nil {
		m.Close()
		ck.Close()
		return nil, fmt.Errorf("loading tokenizer of %s: %w", dir, err)
	}
	if tok.VocabSize() > m.Config().Vocab {
		m.Close()
		ck.Close()
		return nil, fmt.Errorf("%s: tokenizer has %d tokens but the model only %d", dir, tok.VocabSize(), m.Config().Vocab)
	}
	if m.Config().BOS < 0 {
		m.Config().BOS = tok.BOS()
	}
	return &Loaded{Dir: dir, Checkpoint: ck, Model: m, Tokenizer: tok, LoadTime: time.Since(start)}, nil
}

// Close releases the model and its files.
func (l *Loaded) Close() error {
	l.Model.Close()
	return l.Checkpoint.Close()
}
