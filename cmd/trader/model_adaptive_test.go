package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestModelEvalExit(t *testing.T) {
	dir := syntheticDir(t, "SYN")
	res := mustRunTrader(t, "model", "eval", "--data", dir, "--split", "test", "--steps", "1", "--health=false",
		"--exit", "kl:5e-4", "--max-steps", "6", "--every", "25", "--format", "json")
	var doc struct {
		Exit adaptiveResult `json:"exit"`
	}
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &doc))
	rep := doc.Exit.Adaptive
	require.NotNil(t, rep)
	assert.Equal(t, "kl:0.0005", rep.Rule)
	assert.Equal(t, 6, rep.MaxSteps)
	assert.Equal(t, 25, doc.Exit.Every)
	require.NotEmpty(t, rep.Scores)
	for _, s := range rep.Scores {
		assert.GreaterOrEqual(t, s.MeanSteps, 2.0)
		assert.LessOrEqual(t, s.MeanSteps, 6.0)
		require.NotEmpty(t, s.Fixed)
		assert.Equal(t, 6, s.Fixed[len(s.Fixed)-1].Steps, "the cap is among the fixed counts")
	}
	require.NotNil(t, doc.Exit.Handoff)
	assert.Equal(t, doc.Exit.Days, doc.Exit.Handoff.Days)
	assert.Len(t, doc.Exit.Handoff.Turns, 4)

	text := mustRunTrader(t, "model", "eval", "--data", dir, "--split", "test", "--steps", "1", "--health=false",
		"--exit", "kl:5e-4", "--max-steps", "4", "--every", "50", "--handoff=false")
	assert.Contains(t, text.Stdout, "Exit kl:0.0005, at most 4 steps")
	assert.Contains(t, text.Stdout, "volatile")
	assert.NotContains(t, text.Stdout, "Hand-off")

	bad := runTrader(t, "model", "eval", "--data", dir, "--exit", "kl:x")
	require.Error(t, bad.Err)
	assert.Contains(t, bad.Err.Error(), "--exit")
}

func TestModelPlot(t *testing.T) {
	dir := syntheticDir(t, "SYN")
	out := filepath.Join(t.TempDir(), "plots")
	mustRunTrader(t, "model", "plot", "--data", dir, "--out", out, "--max-steps", "4", "--every", "40", "--samples", "2")
	for _, name := range []string{plotCrossEntropy, plotExitSteps, plotStateChange, plotPCA} {
		data, err := os.ReadFile(filepath.Join(out, name))
		require.NoError(t, err, name)
		require.Greater(t, len(data), 8, name)
		assert.Equal(t, "\x89PNG\r\n\x1a\n", string(data[:8]), name)
	}

	for _, args := range [][]string{
		{"model", "plot", "--data", dir},
		{"model", "plot", "--data", dir, "--out", out, "--max-steps", "1"},
		{"model", "plot", "--data", dir, "--out", out, "--exit", "bogus"},
	} {
		assert.Error(t, runTrader(t, args...).Err, "%v", args)
	}
}
