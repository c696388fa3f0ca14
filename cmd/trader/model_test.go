package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/latentmodel/train"
)

// tinyTrainFlags configure a model small enough to train in about a second.
var tinyTrainFlags = []string{
	"--epochs", "1", "--width", "8", "--heads", "2", "--mlp-hidden", "8", "--window", "16",
	"--bins", "4", "--mean-steps", "2", "--backprop-steps", "2", "--stride", "8",
}

// trainTiny trains a tiny model on a new synthetic data directory and returns the directory and
// the weights file.
func trainTiny(t *testing.T) (dir, weights string) {
	t.Helper()
	dir = syntheticDir(t, "SYNA", "SYNB")
	weights = filepath.Join(t.TempDir(), "w.safetensors")
	res := mustRunTrader(t, append([]string{"model", "train", "--data", dir, "--out", weights}, tinyTrainFlags...)...)
	assert.Contains(t, res.Stdout, "wrote "+weights)
	return dir, weights
}

func TestModelInfoEmbedded(t *testing.T) {
	res := mustRunTrader(t, "model", "info")

	bundle, err := latentmodel.Default()
	require.NoError(t, err)
	weights, err := os.ReadFile(embeddedWeightsPath)
	require.NoError(t, err)
	sum := sha256.Sum256(weights)
	assert.Contains(t, res.Stdout, "sha256:       "+hex.EncodeToString(sum[:]))
	assert.Contains(t, res.Stdout, "parameters:   "+strconv.Itoa(bundle.Model.NumParams()))
	assert.Contains(t, res.Stdout, "weights:      embedded")
}

func TestModelTrainEvalInfo(t *testing.T) {
	dir, weights := trainTiny(t)

	bundle, err := latentmodel.LoadFile(weights)
	require.NoError(t, err)
	cfg := bundle.Model.Config
	assert.Equal(t, []int{8, 2, 8, 16, 4, 2, 2}, []int{cfg.Width, cfg.Heads, cfg.MLPHidden, cfg.Window, cfg.Bins, cfg.MeanSteps, cfg.BackpropSteps})
	assert.Equal(t, 1, bundle.Provenance.Epochs)
	require.Len(t, bundle.Provenance.Data, 2)
	assert.Equal(t, "SYNA", bundle.Provenance.Data[0].Symbol)

	t.Run("info", func(t *testing.T) {
		res := mustRunTrader(t, "model", "info", "--weights", weights)
		assert.Contains(t, res.Stdout, "sha256:       "+bundle.SHA256)
		assert.Contains(t, res.Stdout, "parameters:   "+strconv.Itoa(bundle.Model.NumParams()))
		assert.Contains(t, res.Stdout, "width 8, 2 heads, MLP hidden 8")
		assert.Contains(t, res.Stdout, "SYNB")
	})

	t.Run("eval-json", func(t *testing.T) {
		// --steps here is a list, not the debate's debate.steps setting.
		res := mustRunTrader(t, "model", "eval", "--weights", weights, "--data", dir, "--split", "test", "--steps", "1,2", "--format", "json")

		var report train.Report
		require.NoError(t, json.Unmarshal([]byte(res.Stdout), &report), res.Stdout)
		assert.Equal(t, "test", report.Split)
		assert.Positive(t, report.Windows)
		require.Len(t, report.Questions, latentmodel.NumQuestions)
		for _, q := range report.Questions {
			assert.Positive(t, q.Days, q.Question)
			assert.Positive(t, q.PriorCrossEntropy, q.Question)
			require.Len(t, q.ByStep, 2, q.Question)
			for i, s := range q.ByStep {
				assert.Equal(t, i+1, s.Steps, q.Question)
				assert.False(t, math.IsNaN(s.CrossEntropy) || math.IsInf(s.CrossEntropy, 0), "%s cross-entropy %v", q.Question, s.CrossEntropy)
				assert.Positive(t, s.CrossEntropy, q.Question)
				assert.GreaterOrEqual(t, s.ECE, 0.0, q.Question)
				assert.LessOrEqual(t, s.ECE, 1.0, q.Question)
			}
		}

		again := mustRunTrader(t, "model", "eval", "--weights", weights, "--data", dir, "--split", "test", "--steps", "1,2", "--format", "json")
		var second train.Report
		require.NoError(t, json.Unmarshal([]byte(again.Stdout), &second), again.Stdout)
		assertReportsEqual(t, report, second)
	})

	t.Run("eval-text", func(t *testing.T) {
		res := mustRunTrader(t, "model", "eval", "--weights", weights, "--data", dir, "--split", "validation", "--steps", "2")
		assert.Contains(t, res.Stdout, "Split: validation")
		assert.Contains(t, res.Stdout, bundle.SHA256[:12])
		for _, q := range []string{"return", "upside", "downside"} {
			assert.Contains(t, res.Stdout, q)
		}
	})

	t.Run("debate", func(t *testing.T) {
		doc := debateJSON(t, "SYNA", "--data", dir, "--weights", weights, "--steps", "2", "--rounds", "1")
		model := doc["model"].(map[string]any)
		assert.Equal(t, "w.safetensors", model["name"])
		assert.Equal(t, bundle.SHA256, model["sha256"])
		assert.Equal(t, "2023-12-29", doc["as_of"])
		for i, turn := range doc["turns"].([]any) {
			assert.Len(t, turn.(map[string]any)["probabilities"], 4, "turn %d", i+1)
		}
	})
}

// assertReportsEqual checks that two evaluations of the same weights, data and seed agree
// exactly: Evaluate sums the windows' scores in window order, whatever the scheduling.
func assertReportsEqual(t *testing.T, want, got train.Report) {
	t.Helper()
	const tol = 0
	assert.Equal(t, want.Split, got.Split)
	assert.Equal(t, want.Windows, got.Windows)
	require.Len(t, got.Questions, len(want.Questions))
	for i, w := range want.Questions {
		g := got.Questions[i]
		assert.Equal(t, w.Question, g.Question)
		assert.Equal(t, w.Days, g.Days, w.Question)
		assert.InDelta(t, w.PriorCrossEntropy, g.PriorCrossEntropy, tol, w.Question)
		require.Len(t, g.ByStep, len(w.ByStep), w.Question)
		for j, ws := range w.ByStep {
			gs := g.ByStep[j]
			assert.Equal(t, ws.Steps, gs.Steps, w.Question)
			assert.InDelta(t, ws.CrossEntropy, gs.CrossEntropy, tol, "%s r=%d", w.Question, ws.Steps)
			assert.InDelta(t, ws.ECE, gs.ECE, tol, "%s r=%d", w.Question, ws.Steps)
		}
	}
}

func TestModelTrainSameSeedSameWeights(t *testing.T) {
	dir := syntheticDir(t, "SYNA", "SYNB")
	out := t.TempDir()
	var sums []string
	for _, name := range []string{"a.safetensors", "b.safetensors"} {
		path := filepath.Join(out, name)
		mustRunTrader(t, append([]string{"model", "train", "--data", dir, "--out", path, "--seed", "3", "--workers", "2"}, tinyTrainFlags...)...)
		bundle, err := latentmodel.LoadFile(path)
		require.NoError(t, err)
		// The provenance records the training time, so compare the tensors, not the files.
		var values []float32
		for _, tensor := range bundle.Model.Tensors() {
			values = append(values, tensor.Data...)
		}
		sums = append(sums, floatsDigest(values))
	}
	assert.Equal(t, sums[0], sums[1])
}

// floatsDigest returns a hex digest of the bit patterns of values.
func floatsDigest(values []float32) string {
	h := sha256.New()
	buf := make([]byte, 4)
	for _, v := range values {
		bits := math.Float32bits(v)
		buf[0], buf[1], buf[2], buf[3] = byte(bits), byte(bits>>8), byte(bits>>16), byte(bits>>24)
		h.Write(buf)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestModelInvalid(t *testing.T) {
	dir := syntheticDir(t, "SYN")
	empty := t.TempDir()
	out := filepath.Join(t.TempDir(), "w.safetensors")
	corrupt := writeFile(t, "bad.safetensors", []byte("not a weights file"))

	runInvalidCases(t, []invalidCase{
		{
			name: "train-without-data",
			args: []string{"model", "train", "--out", out},
			want: []string{"--data is required"},
		},
		{
			name: "train-empty-directory",
			args: append([]string{"model", "train", "--data", empty, "--out", out}, tinyTrainFlags...),
			want: []string{"no *.csv files", empty},
		},
		{
			name: "train-bad-shape",
			args: []string{"model", "train", "--data", dir, "--out", out, "--width", "10", "--heads", "4"},
			want: []string{"width 10", "4 heads"},
			is:   latentmodel.ErrInvalidConfig,
		},
		{
			name: "eval-without-data",
			args: []string{"model", "eval"},
			want: []string{"--data is required"},
		},
		{
			name: "eval-split",
			args: []string{"model", "eval", "--data", dir, "--split", "nonsense"},
			want: []string{"--split", `"nonsense"`, "train, validation or test"},
		},
		{
			name: "eval-steps",
			args: []string{"model", "eval", "--data", dir, "--steps", "1,x"},
			want: []string{"--steps", `"1,x"`},
		},
		{
			name: "eval-format",
			args: []string{"model", "eval", "--data", dir, "--format", "markdown"},
			want: []string{"--format", `"markdown"`, "text or json"},
		},
		{
			name: "eval-weights",
			args: []string{"model", "eval", "--data", dir, "--weights", corrupt},
			want: []string{corrupt},
			is:   latentmodel.ErrWeights,
		},
		{
			name: "info-weights",
			args: []string{"model", "info", "--weights", corrupt},
			want: []string{corrupt},
			is:   latentmodel.ErrWeights,
		},
		{
			name: "info-args",
			args: []string{"model", "info", "extra"},
			want: []string{`"extra"`},
		},
	})
	_, err := os.Stat(out)
	assert.ErrorIs(t, err, os.ErrNotExist, "a failed training run wrote weights")
}
