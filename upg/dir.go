package upg

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/upgtools/upg/codec"
	"github.com/upgtools/upg/internal/atomicfile"
	"github.com/upgtools/upg/safetensors"
)

// File names of a UPG model directory (docs/FORMAT.md, "Directory").
const (
	SingleFile = "model.upg"            // the weights when they fit one file
	IndexFile  = "model.upg.index.json" // the shard index of a sharded model
	MetaFile   = "metadata.json"        // conversion report (sizes, codecs, quality)
)

// ShardName returns the name of shard k (1-based) of n: model-0000k-of-0000n.upg.
func ShardName(k, n int) string { return fmt.Sprintf("model-%05d-of-%05d.upg", k, n) }

// Index is the JSON of IndexFile, shaped like the Hugging Face
// model.safetensors.index.json: the total stored bytes and, for each
// original tensor, the shard that holds it.
type Index struct {
	Metadata  IndexMeta         `json:"metadata"`
	WeightMap map[string]string `json:"weight_map"`
}

// IndexMeta is the "metadata" object of an Index.
type IndexMeta struct {
	Format        string `json:"format"`
	FormatVersion string `json:"format_version"`
	TotalSize     int64  `json:"total_size"`
}

// IsDir reports whether dir holds UPG weights (a model.upg file or an
// index).
func IsDir(dir string) bool {
	for _, n := range []string{SingleFile, IndexFile} {
		if st, err := os.Stat(filepath.Join(dir, n)); err == nil && st.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// Dir is an opened UPG model directory: one file or several shards.
type Dir struct {
	Path  string
	files []*File
	owner map[string]*File
	names []string
}

// OpenDir opens the UPG weights of a model directory: the shards listed by
// model.upg.index.json, or model.upg. Every file is validated as by Open;
// the index must name exactly the tensors the shards hold.
func OpenDir(dir string) (*Dir, error) {
	d := &Dir{Path: dir, owner: map[string]*File{}}
	idxPath := filepath.Join(dir, IndexFile)
	raw, err := os.ReadFile(idxPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		f, err := Open(filepath.Join(dir, SingleFile))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, &Error{Path: dir, Offset: -1, Err: fmt.Errorf("%w: neither %s nor %s found", ErrFormat, SingleFile, IndexFile)}
			}
			return nil, err
		}
		d.add(f)
		return d, nil
	case err != nil:
		return nil, &Error{Path: idxPath, Offset: -1, Err: err}
	}
	var idx Index
	if err := json.Unmarshal(raw, &idx); err != nil {
		return nil, &Error{Path: idxPath, Offset: -1, Err: fmt.Errorf("%w: %v", ErrMetadata, err)}
	}
	if idx.Metadata.Format != FormatName {
		return nil, &Error{Path: idxPath, Offset: -1, Err: fmt.Errorf("%w: format %q", ErrFormat, idx.Metadata.Format)}
	}
	if idx.Metadata.FormatVersion != FormatVersion {
		return nil, &Error{Path: idxPath, Offset: -1, Err: fmt.Errorf("%w: %q (this reader: %s)", ErrVersion, idx.Metadata.FormatVersion, FormatVersion)}
	}
	if len(idx.WeightMap) == 0 {
		return nil, &Error{Path: idxPath, Offset: -1, Err: fmt.Errorf("%w: empty weight_map", ErrMetadata)}
	}
	shards := map[string][]string{} // shard → its tensors
	for t, s := range idx.WeightMap {
		if s == "" || filepath.Base(s) != s {
			return nil, &Error{Path: idxPath, Tensor: t, Offset: -1, Err: fmt.Errorf("%w: shard name %q", ErrMetadata, s)}
		}
		shards[s] = append(shards[s], t)
	}
	for _, s := range slices.Sorted(maps.Keys(shards)) {
		f, err := Open(filepath.Join(dir, s))
		if err != nil {
			d.Close()
			if errors.Is(err, fs.ErrNotExist) {
				ts := slices.Sorted(slices.Values(shards[s]))
				err = &Error{Path: filepath.Join(dir, s), Tensor: ts[0], Offset: -1,
					Err: fmt.Errorf("%w: the shard holding it and %d more tensors, listed in %s, is missing: %w", ErrMissing, len(ts)-1, IndexFile, fs.ErrNotExist)}
			}
			return nil, err
		}
		d.add(f)
	}
	if err := d.checkIndex(idxPath, idx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func (d *Dir) add(f *File) {
	d.files = append(d.files, f)
	for _, n := range f.Names() {
		d.owner[n] = f
		d.names = append(d.names, n)
	}
}

func (d *Dir) checkIndex(idxPath string, idx Index) error {
	var total int64
	for _, f := range d.files {
		for _, n := range f.Names() {
			want := idx.WeightMap[n]
			if filepath.Join(d.Path, want) != f.Path() {
				return &Error{Path: f.Path(), Tensor: n, Offset: -1, Err: fmt.Errorf("%w: tensor is in this shard but the index maps it to %q", ErrLayout, want)}
			}
		}
		st, err := os.Stat(f.Path())
		if err != nil {
			return &Error{Path: f.Path(), Offset: -1, Err: err}
		}
		total += st.Size()
	}
	for t, s := range idx.WeightMap {
		if d.owner[t] == nil {
			return &Error{Path: filepath.Join(d.Path, s), Tensor: t, Offset: -1, Err: fmt.Errorf("%w: listed in %s but not stored in the shard", ErrMissing, IndexFile)}
		}
	}
	if idx.Metadata.TotalSize != total {
		return &Error{Path: idxPath, Offset: -1, Err: fmt.Errorf("%w: total_size %d, shards hold %d bytes", ErrLayout, idx.Metadata.TotalSize, total)}
	}
	return nil
}

// WriteIndex writes dir/model.upg.index.json for the given shards (file
// names in dir) atomically; total_size is the sum of the shard sizes on
// disk.
func WriteIndex(dir string, shards []string) error {
	idx := Index{Metadata: IndexMeta{Format: FormatName, FormatVersion: FormatVersion}, WeightMap: map[string]string{}}
	for _, s := range shards {
		f, err := Open(filepath.Join(dir, s))
		if err != nil {
			return err
		}
		for _, n := range f.Names() {
			idx.WeightMap[n] = s
		}
		f.Close()
		st, err := os.Stat(filepath.Join(dir, s))
		if err != nil {
			return fmt.Errorf("upg: index: %w", err)
		}
		idx.Metadata.TotalSize += st.Size()
	}
	js, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return fmt.Errorf("upg: index: %w", err)
	}
	return atomicfile.WriteFile(filepath.Join(dir, IndexFile), append(js, '\n'))
}

// Files returns the paths of the opened files, in shard order.
func (d *Dir) Files() []string {
	out := make([]string, len(d.files))
	for i, f := range d.files {
		out[i] = f.Path()
	}
	return out
}

// Names lists the original tensor names, in storage order.
func (d *Dir) Names() []string { return slices.Clone(d.names) }

// SortedNames lists the original tensor names, sorted.
func (d *Dir) SortedNames() []string {
	n := d.Names()
	sort.Strings(n)
	return n
}

// Has reports whether the tensor exists.
func (d *Dir) Has(name string) bool { return d.owner[name] != nil }

// FileOf returns the path of the file holding a tensor ("" when absent).
func (d *Dir) FileOf(name string) string {
	if f := d.owner[name]; f != nil {
		return f.Path()
	}
	return ""
}

func (d *Dir) file(name string) (*File, error) {
	f := d.owner[name]
	if f == nil {
		return nil, &Error{Path: d.Path, Tensor: name, Offset: -1, Err: ErrMissing}
	}
	return f, nil
}

// Entry returns a tensor's metadata entry, nil when absent.
func (d *Dir) Entry(name string) *Entry {
	if f := d.owner[name]; f != nil {
		return f.Entry(name)
	}
	return nil
}

// Encoded returns an encoded tensor (see File.Encoded).
func (d *Dir) Encoded(name string) (*codec.Encoded, error) {
	f, err := d.file(name)
	if err != nil {
		return nil, err
	}
	return f.Encoded(name)
}

// Plain returns a plain tensor (see File.Plain).
func (d *Dir) Plain(name string) (safetensors.DType, []int64, []byte, error) {
	f, err := d.file(name)
	if err != nil {
		return "", nil, nil, err
	}
	return f.Plain(name)
}

// Verify checks every checksum of every file.
func (d *Dir) Verify() error {
	var errs []error
	for _, f := range d.files {
		errs = append(errs, f.Verify())
	}
	return errors.Join(errs...)
}

// Close releases every file.
func (d *Dir) Close() error {
	var errs []error
	for _, f := range d.files {
		errs = append(errs, f.Close())
	}
	d.files = nil
	return errors.Join(errs...)
}
