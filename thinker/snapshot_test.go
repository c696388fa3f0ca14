package thinker

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/internal/shareddata"
	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/marketdata"
)

func TestNewSnapshotWindow(t *testing.T) {
	bundle := testBundle(t, "sha-a")
	series := syntheticSeries(300, 1)
	snap, err := NewSnapshot(lastView(t, series), bundle)
	require.NoError(t, err)
	require.NoError(t, snap.Validate())

	assert.Equal(t, "SYN", snap.Symbol)
	assert.Equal(t, series.Bars[299].Date, snap.AsOf)
	assert.Equal(t, series.Bars[299].Close, snap.Close)
	assert.Equal(t, 5, snap.Horizon)
	assert.Equal(t, testWindow, snap.Days)
	assert.Equal(t, "sha-a", snap.Model)
	assert.Equal(t, marketdata.FeatureNames[:], snap.FeatureNames)

	features := marketdata.ComputeFeatures(series.Bars)
	for d := range testWindow {
		want := features[300-testWindow+d]
		for j := range marketdata.NumFeatures {
			assert.Equal(t, want[j], snap.Raw[d][j], "raw day %d feature %s", d, marketdata.FeatureNames[j])
			z := (want[j] - bundle.FeatureMean[j]) / bundle.FeatureStd[j]
			z = max(-latentmodel.FeatureClip, min(latentmodel.FeatureClip, z))
			assert.InDelta(t, z, float64(snap.X[d*marketdata.NumFeatures+j]), 1e-5, "x day %d feature %s", d, marketdata.FeatureNames[j])
		}
	}
	for j, name := range marketdata.FeatureNames {
		assert.Equal(t, features[299][j], snap.Latest[name], "latest %s", name)
	}
}

func TestNewSnapshotPointInTime(t *testing.T) {
	bundle := testBundle(t, "sha-a")
	series := syntheticSeries(320, 2)
	asOf := series.Bars[299].Date

	full, err := series.AsOf(asOf)
	require.NoError(t, err)
	fromFull, err := NewSnapshot(full, bundle)
	require.NoError(t, err)

	truncated := &marketdata.Series{Symbol: series.Symbol, Bars: series.Bars[:300]}
	fromTruncated, err := NewSnapshot(lastView(t, truncated), bundle)
	require.NoError(t, err)

	assert.Equal(t, fromTruncated, fromFull, "bars after the as-of date must not change the snapshot")
}

func TestNewSnapshotInsufficientHistory(t *testing.T) {
	bundle := testBundle(t, "sha-a")
	needed := marketdata.FeatureWarmup - 1 + testWindow

	_, err := NewSnapshot(lastView(t, syntheticSeries(needed, 3)), bundle)
	require.NoError(t, err, "exactly %d bars are enough", needed)

	short := syntheticSeries(needed-1, 3)
	_, err = NewSnapshot(lastView(t, short), bundle)
	require.ErrorIs(t, err, marketdata.ErrInsufficientHistory)
	msg := err.Error()
	assert.Contains(t, msg, "SYN")
	assert.Contains(t, msg, marketdata.FormatDate(short.Bars[needed-2].Date))
	assert.Contains(t, msg, fmt.Sprintf("%d bars available", needed-1))
	assert.Contains(t, msg, fmt.Sprintf("%d needed", needed))
}

func TestNewSnapshotRejects(t *testing.T) {
	view := lastView(t, syntheticSeries(300, 4))

	_, err := NewSnapshot(view, nil)
	assert.ErrorContains(t, err, "bundle is nil")

	renamed := testBundle(t, "sha-a")
	renamed.FeatureNames[0] = "something_else"
	_, err = NewSnapshot(view, renamed)
	assert.ErrorContains(t, err, "retrain")

	_, err = NewSnapshot(marketdata.View{}, testBundle(t, "sha-a"))
	assert.ErrorIs(t, err, marketdata.ErrNoData)
}

func TestSnapshotQueries(t *testing.T) {
	s := &Snapshot{
		Symbol:       "X",
		Days:         4,
		FeatureNames: []string{"a", "b"},
		X:            []float32{0, 0, 0, 0, 0, 0, 1.5, -2},
		Raw:          [][]float64{{1, 4}, {2, 3}, {3, 2}, {2.5, 1}},
	}
	require.NoError(t, s.Validate())

	z, ok := s.ZScore("b")
	require.True(t, ok)
	assert.Equal(t, -2.0, z)

	p, ok := s.Percentile("a")
	require.True(t, ok)
	assert.Equal(t, 0.625, p, "2.5 is above 1 and 2 and equal to itself")
	p, ok = s.Percentile("b")
	require.True(t, ok)
	assert.Equal(t, 0.125, p, "the latest value is the lowest")

	_, ok = s.ZScore("missing")
	assert.False(t, ok)
	_, ok = s.Percentile("missing")
	assert.False(t, ok)
}

func TestSnapshotValidate(t *testing.T) {
	valid := func() *Snapshot {
		return &Snapshot{Symbol: "X", Days: 2, FeatureNames: []string{"a"}, X: []float32{0, 0}, Raw: [][]float64{{0}, {0}}}
	}
	tests := []struct {
		name   string
		mutate func(*Snapshot)
	}{
		{"no days", func(s *Snapshot) { s.Days = 0 }},
		{"no features", func(s *Snapshot) { s.FeatureNames = nil }},
		{"inputs", func(s *Snapshot) { s.X = s.X[:1] }},
		{"raw rows", func(s *Snapshot) { s.Raw = s.Raw[:1] }},
		{"raw width", func(s *Snapshot) { s.Raw[1] = []float64{0, 0} }},
	}
	require.NoError(t, valid().Validate())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid()
			tt.mutate(s)
			assert.Error(t, s.Validate())
		})
	}
}

// TestNewSnapshotRealData builds a snapshot from the shared AAPL file and checks that every
// standardized input is finite and within the clip.
func TestNewSnapshotRealData(t *testing.T) {
	dir := shareddata.SharedDataDir(t)
	series, err := marketdata.CSVDir{Dir: dir}.Load(t.Context(), "AAPL")
	require.NoError(t, err, "load AAPL from %s", filepath.Join(dir, "AAPL.csv"))

	view, err := series.Adjusted().AsOf(time.Date(2024, 3, 30, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	snap, err := NewSnapshot(view, testBundle(t, "sha-a"))
	require.NoError(t, err)

	assert.Equal(t, "2024-03-28", marketdata.FormatDate(snap.AsOf), "a Saturday as-of uses the Thursday before Good Friday")
	for i, x := range snap.X {
		assert.False(t, math.IsNaN(float64(x)), "input %d", i)
		assert.LessOrEqual(t, math.Abs(float64(x)), latentmodel.FeatureClip, "input %d", i)
	}
}
