package convert

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/upgtools/upg/internal/atomicfile"
	"github.com/upgtools/upg/upg"
)

// stateFile records, inside the partial output directory, what an
// interrupted conversion had finished.
const stateFile = "convert-state.json"

// state is the resumable progress of a conversion.
type state struct {
	dir         string
	Fingerprint string            `json:"fingerprint"`
	Choices     map[string]string `json:"choices,omitempty"` // tensor → option
	// Costs are the estimated damage of every option of every matrix
	// (tensor → option → cost), so that a resumed run reports and
	// suggests exactly what the uninterrupted one would.
	Costs      map[string]map[string]float64 `json:"costs,omitempty"`
	ShardsDone []string                      `json:"shards_done,omitempty"`
	Tensors    []TensorReport                `json:"tensors,omitempty"` // of the shards done
	Resumed    bool                          `json:"-"`
}

// fingerprint hashes everything the output depends on: the tool version,
// the input's config and tensor layout, and the options that change bytes.
func (j *job) fingerprint() (string, error) {
	h := sha256.New()
	o := j.o
	fmt.Fprintf(h, "upg %s\nratio %v budget %s codec %q prefer %s calib %s %d %x sens %s shard %d outliers %v\n",
		o.ToolVersion, o.Ratio, o.Budget, o.Codec, o.Prefer, o.Calib, o.CalibTokens, sha256.Sum256([]byte(o.CalibText)), o.Sensitivity, o.ShardBytes, o.Outliers)
	h.Write(j.ck.Config)
	for _, p := range j.plans {
		t, err := j.ck.Tensor(p.Name)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %s %v %s %d %d\n", p.Name, t.DType, t.Shape, filepath.Base(t.File), t.Offset, len(t.Data))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// loadState prepares the partial directory: a fresh one, or (resume) the
// one an interrupted run with the same fingerprint left.
func loadState(dir, fp string, resume bool) (*state, error) {
	raw, err := os.ReadFile(filepath.Join(dir, stateFile))
	switch {
	case err == nil:
		if !resume {
			return nil, fmt.Errorf("%s: an interrupted conversion is there: run again with --resume, or remove it: %w", dir, ErrExists)
		}
		var s state
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrResume, filepath.Join(dir, stateFile), err)
		}
		if s.Fingerprint != fp {
			return nil, fmt.Errorf("%w: %s was started with another input, options or tool version (remove it to start over)", ErrResume, dir)
		}
		s.dir, s.Resumed = dir, true
		return &s, nil
	case errors.Is(err, fs.ErrNotExist):
		if _, err := os.Stat(dir); err == nil {
			if !resume {
				return nil, fmt.Errorf("%s: a conversion left this directory: run again with --resume, or remove it: %w", dir, ErrExists)
			}
			// Killed before its state was written: nothing to keep.
			if err := os.RemoveAll(dir); err != nil {
				return nil, err
			}
		}
		// The directory is created by the first save, once there is
		// something to keep: a conversion refused before (a budget that
		// cannot be met, cancelled during calibration) leaves nothing.
		return &state{dir: dir, Fingerprint: fp}, nil
	default:
		return nil, fmt.Errorf("reading %s: %w", filepath.Join(dir, stateFile), err)
	}
}

// save writes the state, creating the directory when needed.
func (s *state) save() error {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", s.dir, err)
	}
	js, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(s.dir, stateFile), js)
}

// done reports whether shard name was completed by an earlier run and is
// still intact (structure and every checksum).
func (s *state) done(name string) bool {
	found := false
	for _, d := range s.ShardsDone {
		found = found || d == name
	}
	if !found {
		return false
	}
	f, err := upg.Open(filepath.Join(s.dir, name))
	if err != nil {
		return false
	}
	defer f.Close()
	return f.Verify() == nil
}

// markDone records shard name and its tensors as finished. A shard written
// again (its earlier copy was damaged) replaces the earlier records.
func (s *state) markDone(name string, tensors []TensorReport) error {
	again := map[string]bool{}
	for _, t := range tensors {
		again[t.Name] = true
	}
	s.ShardsDone = slices.DeleteFunc(s.ShardsDone, func(d string) bool { return d == name })
	s.Tensors = slices.DeleteFunc(s.Tensors, func(t TensorReport) bool { return again[t.Name] })
	s.ShardsDone = append(s.ShardsDone, name)
	s.Tensors = append(s.Tensors, tensors...)
	return s.save()
}

// syncCosts keeps the options' estimated damage in the state: a run
// records them before its first shard, a resumed run, whose choices came
// from the state and whose costs were not estimated again, takes them back.
func (s *state) syncCosts(plans []*tensorPlan) error {
	if s.Resumed && len(s.Costs) > 0 {
		for _, p := range plans {
			for i := range p.Opts {
				if c, ok := s.Costs[p.Name][p.Opts[i].name]; ok {
					p.Opts[i].cost = c
				}
			}
		}
		return nil
	}
	s.Costs = map[string]map[string]float64{}
	for _, p := range plans {
		if !p.Encode {
			continue
		}
		m := map[string]float64{}
		for _, o := range p.Opts {
			m[o.name] = o.cost
		}
		s.Costs[p.Name] = m
	}
	return s.save()
}

// cleanTemporaries removes files a killed writer may have left.
func cleanTemporaries(dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if n := e.Name(); strings.Contains(n, ".tmp-") || strings.Contains(n, ".spool-") {
			os.Remove(filepath.Join(dir, n))
		}
	}
}
