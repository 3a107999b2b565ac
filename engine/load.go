package engine

import (
	"errors"
	"fmt"
	"time"

	"github.com/upgtools/upg/checkpoint"
	"github.com/upgtools/upg/model"
	_ "github.com/upgtools/upg/model/all" // every architecture
	"github.com/upgtools/upg/tokenizer"
	"github.com/upgtools/upg/upg"
)

// Loaded is a model directory opened for inference.
type Loaded struct {
	Dir        string
	Checkpoint *checkpoint.Checkpoint // configs (and tensors, for a Hugging Face directory)
	UPG        *upg.Dir               // the weights of a UPG directory, nil otherwise
	Model      model.Model
	Tokenizer  *tokenizer.Tokenizer
	LoadTime   time.Duration
}

// Load opens a model directory — a Hugging Face checkpoint or a UPG
// directory (whose compressed weights are used directly) — checks it is
// complete, builds the architecture over the memory-mapped weights and
// loads the tokenizer.
func Load(dir string, opt model.Options) (*Loaded, error) {
	start := time.Now()
	l := &Loaded{Dir: dir}
	var err error
	if upg.IsDir(dir) {
		err = l.openUPG(opt)
	} else {
		err = l.openCheckpoint(opt)
	}
	if err != nil {
		return nil, err
	}
	tok, err := tokenizer.Load(dir)
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("loading tokenizer of %s: %w", dir, err)
	}
	if tok.VocabSize() > l.Model.Config().Vocab {
		l.Close()
		return nil, fmt.Errorf("%s: tokenizer has %d tokens but the model only %d", dir, tok.VocabSize(), l.Model.Config().Vocab)
	}
	if l.Model.Config().BOS < 0 {
		l.Model.Config().BOS = tok.BOS()
	}
	l.Tokenizer = tok
	l.LoadTime = time.Since(start)
	return l, nil
}

func (l *Loaded) openCheckpoint(opt model.Options) error {
	ck, err := checkpoint.Open(l.Dir)
	if err != nil {
		return err
	}
	m, err := model.LoadCheckpoint(ck, opt)
	if err != nil {
		ck.Close()
		return err
	}
	l.Checkpoint, l.Model = ck, m
	return nil
}

func (l *Loaded) openUPG(opt model.Options) error {
	ck, err := checkpoint.OpenConfig(l.Dir)
	if err != nil {
		return err
	}
	d, err := upg.OpenDir(l.Dir)
	if err != nil {
		return err
	}
	m, err := model.LoadWeights(ck, model.NewUPGWeights(d), opt)
	if err != nil {
		d.Close()
		return err
	}
	l.Checkpoint, l.UPG, l.Model = ck, d, m
	return nil
}

// IsUPG reports whether the weights are UPG-compressed.
func (l *Loaded) IsUPG() bool { return l.UPG != nil }

// Close releases the model and its files.
func (l *Loaded) Close() error {
	var errs []error
	if l.Model != nil {
		errs = append(errs, l.Model.Close())
	}
	if l.UPG != nil {
		errs = append(errs, l.UPG.Close())
	}
	if l.Checkpoint != nil {
		errs = append(errs, l.Checkpoint.Close())
	}
	return errors.Join(errs...)
}
