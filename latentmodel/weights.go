package latentmodel

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/traderlab/trader/internal/safetensors"
)

// FeatureClip bounds every standardized feature to [−FeatureClip, FeatureClip], so one extreme
// day cannot dominate a window.
const FeatureClip = 5.0

// ErrWeights is wrapped by every error about a weights file that cannot be used.
var ErrWeights = errors.New("invalid weights")

// Metadata keys of a weights file.
const (
	metaConfig       = "config"
	metaFeatureNames = "feature_names"
	metaFeatureMean  = "feature_mean"
	metaFeatureStd   = "feature_std"
	metaBinEdges     = "bin_edges"
	metaHorizon      = "horizon"
	metaProvenance   = "provenance"
	metaFormat       = "format"
	formatName       = "trader-latentmodel/1"
)

// Bundle is a trained model with everything needed to use it on new data: the feature
// statistics of the training split, the bin edges of each question's target and the record of
// how it was trained.
type Bundle struct {
	Model *Model

	// FeatureNames are the per-day input features in model order.
	FeatureNames []string
	// FeatureMean and FeatureStd standardize each feature: (x − mean) / std, then clip to
	// ±FeatureClip. Computed on the training split.
	FeatureMean, FeatureStd []float64
	// BinEdges holds, per question, Bins+1 increasing edges of the target in log-return units.
	// Inner edges are equal-frequency quantiles of the training split. Each outer edge is placed
	// so that the midpoint of its bin is the mean training target in that bin.
	BinEdges [NumQuestions][]float64
	// Horizon is the target horizon in bars.
	Horizon int
	// Provenance records the command, seed and data that produced the weights.
	Provenance Provenance

	// Name identifies the weights in reports, for example "embedded" or a file name.
	Name string
	// SHA256 is the hex digest of the weights file.
	SHA256 string
}

// Provenance records how a weights file was produced, so anyone can reproduce it. It holds no
// wall-clock time, so the same command on the same data writes a byte-identical file.
type Provenance struct {
	Command         string         `json:"command"`
	Seed            uint64         `json:"seed"`
	Data            []DataFile     `json:"data"`
	TrainEnd        string         `json:"train_end"`
	ValidationEnd   string         `json:"validation_end"`
	Epochs          int            `json:"epochs"`
	BestEpoch       int            `json:"best_epoch"`
	ValidationLoss  float64        `json:"validation_loss"`
	GoVersion       string         `json:"go_version"`
	Hyperparameters map[string]any `json:"hyperparameters,omitempty"`
}

// DataFile identifies one input file of a training run.
type DataFile struct {
	Symbol string `json:"symbol"`
	First  string `json:"first"`
	Last   string `json:"last"`
	Rows   int    `json:"rows"`
	SHA256 string `json:"sha256"`
}

// Encode returns the bundle as a safetensors file with the metadata in its header.
func (b *Bundle) Encode() ([]byte, error) {
	meta := map[string]string{metaFormat: formatName}
	put := func(key string, value any) error {
		data, err := json.Marshal(value)
		if err != nil {
			return fmt.Errorf("encode %s: %w", key, err)
		}
		meta[key] = string(data)
		return nil
	}
	for key, value := range map[string]any{
		metaConfig:       b.Model.Config,
		metaFeatureNames: b.FeatureNames,
		metaFeatureMean:  b.FeatureMean,
		metaFeatureStd:   b.FeatureStd,
		metaBinEdges:     b.BinEdges,
		metaHorizon:      b.Horizon,
		metaProvenance:   b.Provenance,
	} {
		if err := put(key, value); err != nil {
			return nil, err
		}
	}
	var tensors []safetensors.Tensor
	for _, t := range b.Model.Tensors() {
		tensors = append(tensors, safetensors.Tensor{Name: t.Name, Shape: t.Shape, Data: t.Data})
	}
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, tensors, meta); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// SaveFile writes the bundle to path atomically: a temporary file in the same directory, then a
// rename, so an interrupted save never leaves a truncated weights file behind.
func (b *Bundle) SaveFile(path string) error {
	data, err := b.Encode()
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, data)
}

// WriteFileAtomic writes data to a temporary file beside path and renames it into place, so a
// reader never sees a partial file. A symbolic link at path is followed and its target replaced.
// An existing file keeps its permission bits; a new one gets 0644. A path that exists but is
// not a regular file (a directory or a device such as /dev/stdout) is an error.
func WriteFileAtomic(path string, data []byte) error {
	target := path
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		target = resolved
	}
	mode := os.FileMode(0o644)
	if info, err := os.Stat(target); err == nil {
		if !info.Mode().IsRegular() {
			return fmt.Errorf("write %s: not a regular file; give the path of a file to create or replace", path)
		}
		mode = info.Mode().Perm()
	}
	dir := filepath.Dir(target)
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return fmt.Errorf("write %s: directory %s does not exist", path, dir)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(target)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// LoadFile reads a weights file from disk.
func LoadFile(path string) (*Bundle, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read weights: %w", err)
	}
	b, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("weights file %s: %w", path, err)
	}
	b.Name = filepath.Base(path)
	return b, nil
}

// Decode parses a weights file and checks that its tensors match its config. The error names the
// offending tensor or metadata key.
func Decode(data []byte) (*Bundle, error) {
	file, err := safetensors.Read(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w (the file is corrupt or truncated; retrain with `trader model train` or restore it)", ErrWeights, err)
	}
	if got := file.Metadata[metaFormat]; got != formatName {
		return nil, fmt.Errorf("%w: metadata %q is %q, expected %q (not a trader model file)", ErrWeights, metaFormat, got, formatName)
	}
	b := &Bundle{}
	var cfg Config
	get := func(key string, into any) error {
		raw, ok := file.Metadata[key]
		if !ok {
			return fmt.Errorf("%w: metadata key %q is missing", ErrWeights, key)
		}
		if err := json.Unmarshal([]byte(raw), into); err != nil {
			return fmt.Errorf("%w: metadata key %q: %v", ErrWeights, key, err)
		}
		return nil
	}
	for key, into := range map[string]any{
		metaConfig:       &cfg,
		metaFeatureNames: &b.FeatureNames,
		metaFeatureMean:  &b.FeatureMean,
		metaFeatureStd:   &b.FeatureStd,
		metaBinEdges:     &b.BinEdges,
		metaHorizon:      &b.Horizon,
		metaProvenance:   &b.Provenance,
	} {
		if err := get(key, into); err != nil {
			return nil, err
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%w: config: %w", ErrWeights, err)
	}
	if err := b.checkMetadata(cfg); err != nil {
		return nil, err
	}
	model, err := New(cfg, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrWeights, err)
	}
	want := model.Tensors()
	if len(file.Tensors) != len(want) {
		return nil, fmt.Errorf("%w: file has %d tensors, config %+v needs %d", ErrWeights, len(file.Tensors), cfg, len(want))
	}
	for _, t := range want {
		stored, ok := file.Get(t.Name)
		if !ok {
			return nil, fmt.Errorf("%w: tensor %q is missing", ErrWeights, t.Name)
		}
		if !slices.Equal(stored.Shape, t.Shape) {
			return nil, fmt.Errorf("%w: tensor %q has shape %v, the config needs %v (config does not match the weights)", ErrWeights, t.Name, stored.Shape, t.Shape)
		}
		copy(t.Data, stored.Data)
	}
	b.Model = model
	sum := sha256.Sum256(data)
	b.SHA256 = hex.EncodeToString(sum[:])
	return b, nil
}

func (b *Bundle) checkMetadata(cfg Config) error {
	n := cfg.Features
	if len(b.FeatureNames) != n || len(b.FeatureMean) != n || len(b.FeatureStd) != n {
		return fmt.Errorf("%w: config has %d features but metadata has %d names, %d means and %d standard deviations",
			ErrWeights, n, len(b.FeatureNames), len(b.FeatureMean), len(b.FeatureStd))
	}
	for i, s := range b.FeatureStd {
		if !(s > 0) {
			return fmt.Errorf("%w: feature_std of %q is %v, must be positive", ErrWeights, b.FeatureNames[i], s)
		}
	}
	for q, edges := range b.BinEdges {
		if len(edges) != cfg.Bins+1 {
			return fmt.Errorf("%w: bin_edges of %s has %d edges, config needs %d", ErrWeights, Question(q), len(edges), cfg.Bins+1)
		}
		for i := 1; i < len(edges); i++ {
			if !(edges[i] > edges[i-1]) {
				return fmt.Errorf("%w: bin_edges of %s are not increasing at index %d", ErrWeights, Question(q), i)
			}
		}
	}
	if b.Horizon < 1 {
		return fmt.Errorf("%w: horizon %d must be at least 1 bar", ErrWeights, b.Horizon)
	}
	return nil
}

// Standardize maps raw feature values to model inputs: (x − mean) / std, clipped to
// ±FeatureClip. raw is [days][features]; the result is [days*features].
func (b *Bundle) Standardize(raw [][]float64) []float32 {
	n := len(b.FeatureMean)
	out := make([]float32, 0, len(raw)*n)
	for _, row := range raw {
		for j := 0; j < n; j++ {
			z := (row[j] - b.FeatureMean[j]) / b.FeatureStd[j]
			z = max(-FeatureClip, min(FeatureClip, z))
			out = append(out, float32(z))
		}
	}
	return out
}
