package checkpoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/upgtools/upg/safetensors"
)

// Well-known file names in a model directory.
const (
	ConfigFile     = "config.json"
	GenerationFile = "generation_config.json"
	IndexFile      = "model.safetensors.index.json"
	SingleFile     = "model.safetensors"
)

// partialSuffixes mark files that a downloader has not finished: the HF hub's
// ".incomplete", browsers' and curl's ".part", generic ".tmp", and the
// ".tmp-*" names safetensors.WriteFile and synth use while writing.
var partialSuffixes = []string{".incomplete", ".part", ".tmp"}

func isPartial(name string) bool {
	for _, s := range partialSuffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return strings.Contains(name, ".tmp-")
}

// findPartial lists partial-download files in dir and in the hub's
// local-dir download cache (dir/.cache/huggingface/download).
func findPartial(dir string) ([]string, error) {
	var out []string
	for _, d := range []string{dir, filepath.Join(dir, ".cache", "huggingface", "download")} {
		entries, err := os.ReadDir(d)
		if errors.Is(err, os.ErrNotExist) && d != dir {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("checkpoint: listing %s: %w", d, err)
		}
		for _, e := range entries {
			if isPartial(e.Name()) {
				out = append(out, filepath.Join(d, e.Name()))
			}
		}
	}
	return out, nil
}

// shardPlan says which files hold the weights and, with an index, which
// tensor each file must contain.
type shardPlan struct {
	files     []string          // base names, sorted, existing or not
	weightMap map[string]string // tensor → file; nil without an index
}

// planShards finds the weight files, recording missing ones in inc.
func planShards(dir string, inc *IncompleteError) (*shardPlan, error) {
	indexPath := filepath.Join(dir, IndexFile)
	raw, err := os.ReadFile(indexPath)
	switch {
	case err == nil:
		return planFromIndex(dir, indexPath, raw, inc)
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("checkpoint: reading %s: %w", indexPath, err)
	}
	if _, err := os.Stat(filepath.Join(dir, SingleFile)); err == nil {
		return &shardPlan{files: []string{SingleFile}}, nil
	}
	matches, err := filepath.Glob(filepath.Join(dir, "*.safetensors"))
	if err != nil {
		return nil, fmt.Errorf("checkpoint: listing %s: %w", dir, err)
	}
	plan := &shardPlan{}
	for _, m := range matches {
		plan.files = append(plan.files, filepath.Base(m))
	}
	slices.Sort(plan.files)
	inc.Missing = append(inc.Missing, missingNumbered(plan.files)...)
	if len(plan.files) == 0 && inc.empty() {
		return nil, fmt.Errorf("checkpoint %s: %w: no %s, %s or *.safetensors", dir, ErrNoWeights, IndexFile, SingleFile)
	}
	return plan, nil
}

func planFromIndex(dir, indexPath string, raw []byte, inc *IncompleteError) (*shardPlan, error) {
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(raw, &idx); err != nil {
		return nil, fmt.Errorf("checkpoint: parsing %s: %w: %v", indexPath, ErrInvalid, err)
	}
	if len(idx.WeightMap) == 0 {
		return nil, fmt.Errorf("checkpoint: %s: %w: empty or absent weight_map", indexPath, ErrInvalid)
	}
	plan := &shardPlan{weightMap: idx.WeightMap}
	seen := map[string]bool{}
	for tensor, file := range idx.WeightMap {
		if file == "" || file != filepath.Base(file) || file == "." || file == ".." || strings.ContainsAny(file, `/\`) {
			return nil, fmt.Errorf("checkpoint: %s: %w: tensor %q maps to %q, not a file name in the directory", indexPath, ErrInvalid, tensor, file)
		}
		if !seen[file] {
			seen[file] = true
			plan.files = append(plan.files, file)
		}
	}
	slices.Sort(plan.files)
	for _, f := range plan.files {
		if _, err := os.Stat(filepath.Join(dir, f)); errors.Is(err, os.ErrNotExist) {
			inc.Missing = append(inc.Missing, f)
		} else if err != nil {
			return nil, fmt.Errorf("checkpoint: %w", err)
		}
	}
	return plan, nil
}

var numbered = regexp.MustCompile(`^(.*)-(\d+)-of-(\d+)\.safetensors$`)

// maxNumbered bounds the shard count read from a file name.
const maxNumbered = 100_000

// missingNumbered finds gaps in "prefix-00001-of-00004.safetensors" series.
func missingNumbered(files []string) []string {
	type series struct {
		width int
		total int
		have  map[int]bool
	}
	all := map[string]*series{}
	for _, f := range files {
		m := numbered.FindStringSubmatch(f)
		if m == nil {
			continue
		}
		i, _ := strconv.Atoi(m[2])
		n, err := strconv.Atoi(m[3])
		if err != nil || n > maxNumbered || n < 1 {
			continue
		}
		key := m[1] + "\x00" + m[3]
		s := all[key]
		if s == nil {
			s = &series{width: len(m[2]), total: n, have: map[int]bool{}}
			all[key] = s
		}
		s.have[i] = true
	}
	var missing []string
	for key, s := range all {
		prefix, total, _ := strings.Cut(key, "\x00")
		for i := 1; i <= s.total; i++ {
			if !s.have[i] {
				missing = append(missing, fmt.Sprintf("%s-%0*d-of-%s.safetensors", prefix, s.width, i, total))
			}
		}
	}
	slices.Sort(missing)
	return missing
}

// openShards opens every existing planned file, recording short ones in inc.
// Other format errors are returned at once.
func openShards(dir string, plan *shardPlan, inc *IncompleteError) ([]*safetensors.File, error) {
	var files []*safetensors.File
	for _, name := range plan.files {
		path := filepath.Join(dir, name)
		if slices.Contains(inc.Missing, name) {
			continue
		}
		f, err := safetensors.Open(path)
		var se *safetensors.SizeError
		switch {
		case err == nil:
			files = append(files, f)
		case errors.As(err, &se) && se.Have < se.Want:
			inc.Short = append(inc.Short, ShortFile{Path: path, Have: se.Have, Want: se.Want})
		default:
			closeAll(files)
			return nil, fmt.Errorf("checkpoint %s: %w", dir, err)
		}
	}
	return files, nil
}

// checkWeightMap records index entries whose shard lacks the tensor.
func checkWeightMap(plan *shardPlan, files []*safetensors.File, inc *IncompleteError) {
	byBase := map[string]*safetensors.File{}
	for _, f := range files {
		byBase[filepath.Base(f.Path())] = f
	}
	var missing []string
	for tensor, file := range plan.weightMap {
		f, ok := byBase[file]
		if !ok {
			continue // the file itself is already reported
		}
		if _, _, ok := f.Tensor(tensor); !ok {
			missing = append(missing, fmt.Sprintf("tensor %q (in %s)", tensor, file))
		}
	}
	slices.Sort(missing)
	inc.Missing = append(inc.Missing, missing...)
}

func closeAll(files []*safetensors.File) {
	for _, f := range files {
		f.Close()
	}
}
