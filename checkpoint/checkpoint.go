package checkpoint

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/upgtools/upg/safetensors"
)

// Checkpoint is an open model directory.
type Checkpoint struct {
	// Dir is the directory path as given to Open.
	Dir string
	// Config holds the raw bytes of config.json, for the model package to
	// parse into its own typed config.
	Config []byte
	// Architecture is config.json "architectures"[0] ("" when absent).
	Architecture string
	// ModelType is config.json "model_type".
	ModelType string
	// Generation is generation_config.json, nil when the file is absent.
	Generation *GenerationConfig

	files   []*safetensors.File
	tensors map[string]location
	names   []string
}

type location struct {
	file *safetensors.File
	info safetensors.TensorInfo
}

// Tensor is a view of one stored tensor. Data aliases the read-only mapping
// of its shard and is valid until the Checkpoint is closed.
type Tensor struct {
	Name  string
	DType safetensors.DType
	Shape []int64
	Data  []byte
	// File is the shard path; Offset is the absolute byte offset of Data in it.
	File   string
	Offset int64
}

// Open reads the configs and opens and validates every weight shard of dir.
// An unfinished download is reported as an *IncompleteError listing every
// problem found; a damaged file as the safetensors *FormatError.
func Open(dir string) (*Checkpoint, error) {
	c, err := OpenConfig(dir)
	if err != nil {
		return nil, err
	}
	inc := &IncompleteError{Dir: dir}
	if inc.Partial, err = findPartial(dir); err != nil {
		return nil, err
	}
	plan, err := planShards(dir, inc)
	if err != nil {
		return nil, err
	}
	files, err := openShards(dir, plan, inc)
	if err != nil {
		return nil, err
	}
	checkWeightMap(plan, files, inc)
	if !inc.empty() {
		closeAll(files)
		return nil, inc
	}
	c.files = files
	if err := c.buildIndex(); err != nil {
		closeAll(files)
		return nil, err
	}
	return c, nil
}

// OpenConfig reads only config.json and generation_config.json of dir: a
// Checkpoint without tensors, for directories whose weights are stored in
// another format (UPG).
func OpenConfig(dir string) (*Checkpoint, error) {
	c := &Checkpoint{Dir: dir, tensors: map[string]location{}}
	if err := c.readConfig(filepath.Join(dir, ConfigFile)); err != nil {
		return nil, err
	}
	gen, err := readGeneration(filepath.Join(dir, GenerationFile))
	if err != nil {
		return nil, err
	}
	c.Generation = gen
	return c, nil
}

func (c *Checkpoint) buildIndex() error {
	c.tensors = map[string]location{}
	for _, f := range c.files {
		for _, t := range f.Header().Tensors {
			if prev, dup := c.tensors[t.Name]; dup {
				return fmt.Errorf("checkpoint %s: %w: %q in %s and %s", c.Dir, ErrDuplicateTensor, t.Name, prev.file.Path(), f.Path())
			}
			c.tensors[t.Name] = location{file: f, info: t}
			c.names = append(c.names, t.Name)
		}
	}
	slices.Sort(c.names)
	return nil
}

// Names returns every tensor name, sorted. The caller must not modify it.
func (c *Checkpoint) Names() []string { return c.names }

// Has reports whether the checkpoint holds the tensor.
func (c *Checkpoint) Has(name string) bool {
	_, ok := c.tensors[name]
	return ok
}

// Tensor returns a view of the named tensor.
func (c *Checkpoint) Tensor(name string) (*Tensor, error) {
	loc, ok := c.tensors[name]
	if !ok {
		return nil, fmt.Errorf("checkpoint %s: %w: %q", c.Dir, ErrMissingTensor, name)
	}
	_, data, ok := loc.file.Tensor(name)
	if !ok {
		return nil, fmt.Errorf("checkpoint %s: tensor %q: %s is closed", c.Dir, name, loc.file.Path())
	}
	return &Tensor{
		Name:   name,
		DType:  loc.info.DType,
		Shape:  loc.info.Shape,
		Data:   data,
		File:   loc.file.Path(),
		Offset: loc.file.Header().DataOffset + loc.info.Begin,
	}, nil
}

// scaleSuffix names the DeepSeek-V3 FP8 block-scale companion of a weight.
const scaleSuffix = "_scale_inv"

// ParamCount returns the number of stored elements, not counting the
// "*_scale_inv" FP8 scale companions.
func (c *Checkpoint) ParamCount() int64 {
	var n int64
	for name, loc := range c.tensors {
		if !strings.HasSuffix(name, scaleSuffix) {
			n += loc.info.NumElements()
		}
	}
	return n
}

// Close unmaps every shard. Tensor views must not be used afterwards.
func (c *Checkpoint) Close() error {
	var errs []error
	for _, f := range c.files {
		errs = append(errs, f.Close())
	}
	c.files = nil
	return errors.Join(errs...)
}
