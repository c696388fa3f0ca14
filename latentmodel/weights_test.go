package latentmodel

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/internal/safetensors"
)

func tinyBundle(t testing.TB) *Bundle {
	t.Helper()
	cfg := Config{Features: 3, Width: 8, Heads: 2, MLPHidden: 12, PreludeBlocks: 1, CoreBlocks: 1,
		CodaBlocks: 1, Window: 8, Bins: 4, MeanSteps: 3, BackpropSteps: 2, RopeBase: 10000}
	model, err := New(cfg, 5)
	require.NoError(t, err)
	edges := []float64{-0.1, -0.01, 0, 0.01, 0.1}
	return &Bundle{
		Model:        model,
		FeatureNames: []string{"a", "b", "c"},
		FeatureMean:  []float64{0, 1, 2},
		FeatureStd:   []float64{1, 2, 3},
		BinEdges:     [NumQuestions][]float64{edges, edges, edges},
		Horizon:      5,
		Provenance:   Provenance{Command: "trader model train", Seed: 5},
	}
}

func TestWeightsRoundTrip(t *testing.T) {
	b := tinyBundle(t)
	path := filepath.Join(t.TempDir(), "w.safetensors")
	require.NoError(t, b.SaveFile(path))
	loaded, err := LoadFile(path)
	require.NoError(t, err)
	assert.Equal(t, b.Model.Config, loaded.Model.Config)
	assert.Equal(t, b.FeatureStd, loaded.FeatureStd)
	assert.Equal(t, b.BinEdges, loaded.BinEdges)
	assert.Equal(t, b.Provenance.Seed, loaded.Provenance.Seed)
	assert.Len(t, loaded.SHA256, 64)
	want, got := b.Model.Tensors(), loaded.Model.Tensors()
	require.Len(t, got, len(want))
	for i := range want {
		assert.Equal(t, want[i].Data, got[i].Data, want[i].Name)
	}
}

func TestLoadFileErrors(t *testing.T) {
	good, err := tinyBundle(t).Encode()
	require.NoError(t, err)
	file, err := safetensors.Read(good)
	require.NoError(t, err)

	// reencode rebuilds a file from good with one change applied to its tensors and metadata.
	reencode := func(change func(tensors []safetensors.Tensor, meta map[string]string) []safetensors.Tensor) []byte {
		tensors := append([]safetensors.Tensor(nil), file.Tensors...)
		meta := map[string]string{}
		for k, v := range file.Metadata {
			meta[k] = v
		}
		tensors = change(tensors, meta)
		path := filepath.Join(t.TempDir(), "x")
		f, err := os.Create(path)
		require.NoError(t, err)
		require.NoError(t, safetensors.Write(f, tensors, meta))
		require.NoError(t, f.Close())
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		return data
	}
	widerConfig := func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
		var cfg Config
		require.NoError(t, json.Unmarshal([]byte(meta[metaConfig]), &cfg))
		cfg.Width = 16
		raw, _ := json.Marshal(cfg)
		meta[metaConfig] = string(raw)
		return ts
	}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", good[:len(good)/2], "truncated"},
		{"corrupt header length", append([]byte{1, 2, 3, 4, 5, 6, 7, 8}, good[8:]...), "corrupt"},
		{"not a model", reencode(func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			delete(meta, metaFormat)
			return ts
		}), "not a trader model file"},
		{"config does not match", reencode(widerConfig), "does not match"},
		{"missing tensor", reencode(func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			return ts[1:]
		}), "tensors"},
		{"bad bin edges", reencode(func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			meta[metaBinEdges] = `[[0,0,0,0,0],[0,1,2,3,4],[0,1,2,3,4]]`
			return ts
		}), "not increasing"},
		{"missing metadata", reencode(func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			delete(meta, metaFeatureStd)
			return ts
		}), "feature_std"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.safetensors")
			require.NoError(t, os.WriteFile(path, c.data, 0o644))
			_, err := LoadFile(path)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrWeights), "%v should wrap ErrWeights", err)
			assert.ErrorContains(t, err, c.want)
			assert.ErrorContains(t, err, path)
		})
	}
}

func TestLoadFileMissing(t *testing.T) {
	_, err := LoadFile(filepath.Join(t.TempDir(), "none.safetensors"))
	assert.ErrorContains(t, err, "none.safetensors")
}

func TestSaveFileKeepsOldFileOnError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.safetensors")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o644))
	b := tinyBundle(t)
	b.FeatureMean = []float64{nan()}
	require.Error(t, b.SaveFile(path), "NaN cannot be encoded as JSON")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "old", string(data))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "temporary file left behind")
}

func TestStandardizeClips(t *testing.T) {
	b := tinyBundle(t)
	x := b.Standardize([][]float64{{1, 1, 2}, {100, -100, 5}})
	assert.Equal(t, []float32{1, 0, 0, FeatureClip, -FeatureClip, 1}, x)
}

func nan() float64 { return math.NaN() }

func TestWriteFileAtomicModes(t *testing.T) {
	dir := t.TempDir()

	fresh := filepath.Join(dir, "fresh.txt")
	require.NoError(t, WriteFileAtomic(fresh, []byte("a")))
	info, err := os.Stat(fresh)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), info.Mode().Perm(), "a new file")

	private := filepath.Join(dir, "private.txt")
	require.NoError(t, os.WriteFile(private, []byte("old"), 0o600))
	require.NoError(t, WriteFileAtomic(private, []byte("new")))
	info, err = os.Stat(private)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "an existing file keeps its mode")

	link := filepath.Join(dir, "link.txt")
	require.NoError(t, os.Symlink(private, link))
	require.NoError(t, WriteFileAtomic(link, []byte("via link")))
	target, err := os.Readlink(link)
	require.NoError(t, err, "the link stays a link")
	assert.Equal(t, private, target)
	data, err := os.ReadFile(private)
	require.NoError(t, err)
	assert.Equal(t, "via link", string(data))

	assert.ErrorContains(t, WriteFileAtomic(dir, []byte("x")), "not a regular file")
	assert.ErrorContains(t, WriteFileAtomic(filepath.Join(dir, "absent", "x.txt"), []byte("x")), "does not exist")
}
