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
	ShardsDone  []string          `json:"shards_done,omitempty"`
	Tensors     []TensorReport    `json:"tensors,omitempty"` // of the shards done
	Resumed     bool              `json:"-"`
}

// fingerprint hashes everything the output depends on: the tool version,
// the input's config and tensor layout, and the options that change bytes.
func (j *job) fingerprint() (string, error) {
	h := sha256.New()
	o := j.o
	fmt.Fprintf(h, "upg %s\nratio %v codec %q calib %s %d %x sens %s shard %d\n",
		o.ToolVersion, o.Ratio, o.Codec, o.Calib, o.CalibTokens, sha256.Sum256([]byte(o.CalibText)), o.Sensitivity, o.ShardBytes)
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
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("creating %s: %w", dir, err)
		}
		s := &state{dir: dir, Fingerprint: fp}
		return s, s.save()
	default:
		return nil, fmt.Errorf("reading %s: %w", filepath.Join(dir, stateFile), err)
	}
}

func (s *state) save() error {
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

func (s *state) markDone(name string, tensors []TensorReport) error {
	s.ShardsDone = append(s.ShardsDone, name)
	s.Tensors = append(s.Tensors, tensors...)
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
