package importer

import (
	"context"
	"fmt"
	"os"

	"github.com/upgtools/upg/tokenizer"
)

// FromLlama2C converts a llama2.c float32 checkpoint and its tokenizer.bin
// into a Hugging Face directory at outDir (see the package doc). The default
// output dtype is F32.
func FromLlama2C(ctx context.Context, checkpointPath, tokenizerPath, outDir string, opt Options) error {
	dtype, err := checkDType(opt.DType, "F32")
	if err != nil {
		return err
	}
	if err := checkOutDir(outDir); err != nil {
		return err
	}
	m, err := ReadLlama2C(checkpointPath)
	if err != nil {
		return err
	}
	spec, err := readLlama2CTokenizer(tokenizerPath, m.Config.VocabSize)
	if err != nil {
		return err
	}
	hm, err := llama2CToHF(checkpointPath, m, spec)
	if err != nil {
		return err
	}
	return hm.write(ctx, outDir, dtype, opt.Progress)
}

// readLlama2CTokenizer parses a llama2.c tokenizer.bin.
func readLlama2CTokenizer(path string, vocabSize int) (*tokenizer.Spec, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("importer: reading llama2.c tokenizer: %w", err)
	}
	defer f.Close()
	spec, err := tokenizer.FromLlama2C(f, vocabSize)
	if err != nil {
		return nil, fmt.Errorf("importer: reading llama2.c tokenizer %s: %w", path, err)
	}
	return spec, nil
}

// llama2CToHF maps a llama2.c model and tokenizer onto the output tensors
// and files.
func llama2CToHF(path string, m *Llama2CModel, spec *tokenizer.Spec) (*hfModel, error) {
	cfg := llama2CConfig(m.Config)
	cfg.BOSTokenID, cfg.EOSTokenID = tokenID(spec.BOS), tokenID(spec.EOS)
	tensors := llama2CTensors(path, m, cfg)
	tj, tc, err := tokenizerFiles(spec)
	if err != nil {
		return nil, err
	}
	return &hfModel{source: path, config: cfg, tensors: tensors, tokenizer: tj, tokenizerConfig: tc}, nil
}

// tokenizerFiles renders tokenizer.json and tokenizer_config.json.
func tokenizerFiles(spec *tokenizer.Spec) (tj, tc []byte, err error) {
	if tj, err = spec.MarshalTokenizerJSON(); err != nil {
		return nil, nil, fmt.Errorf("importer: tokenizer.json: %w", err)
	}
	if tc, err = spec.MarshalTokenizerConfigJSON(); err != nil {
		return nil, nil, fmt.Errorf("importer: tokenizer_config.json: %w", err)
	}
	return tj, tc, nil
}
