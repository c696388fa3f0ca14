package thinker

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/marketdata"
)

// testWindow is the window of the tiny test model, so snapshots need
// marketdata.FeatureWarmup-1+testWindow bars.
const testWindow = 16

// testBundle returns an untrained tiny model with unit feature statistics except for a shifted
// rsi14, so standardization is visible, and evenly spaced bin edges.
func testBundle(t testing.TB, sha string) *latentmodel.Bundle {
	t.Helper()
	cfg := latentmodel.Config{
		Features: marketdata.NumFeatures, Width: 16, Heads: 2, MLPHidden: 32,
		PreludeBlocks: 1, CoreBlocks: 1, CodaBlocks: 1, Window: testWindow, Bins: 8,
		MeanSteps: 4, BackpropSteps: 2, RopeBase: 10000,
	}
	model, err := latentmodel.New(cfg, 3)
	require.NoError(t, err)
	b := &latentmodel.Bundle{
		Model:        model,
		FeatureNames: append([]string(nil), marketdata.FeatureNames[:]...),
		FeatureMean:  make([]float64, cfg.Features),
		FeatureStd:   make([]float64, cfg.Features),
		Horizon:      5,
		Name:         "tiny",
		SHA256:       sha,
	}
	for j := range b.FeatureStd {
		b.FeatureStd[j] = 0.01
	}
	b.FeatureMean[marketdata.FeatureRSI14] = 0.1
	for q := range b.BinEdges {
		edges := make([]float64, cfg.Bins+1)
		for k := range edges {
			edges[k] = -0.1 + 0.2*float64(k)/float64(cfg.Bins)
		}
		b.BinEdges[q] = edges
	}
	return b
}

// syntheticSeries returns n weekday bars of a seeded random walk starting on 2015-01-05.
func syntheticSeries(n int, seed uint64) *marketdata.Series {
	rng := rand.New(rand.NewPCG(seed, 11))
	bars := make([]marketdata.Bar, 0, n)
	d := time.Date(2015, 1, 5, 0, 0, 0, 0, time.UTC)
	c := 100.0
	for len(bars) < n {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			open := c * math.Exp(0.004*rng.NormFloat64())
			c = open * math.Exp(0.012*rng.NormFloat64())
			high := math.Max(open, c) * math.Exp(0.006*math.Abs(rng.NormFloat64()))
			low := math.Min(open, c) * math.Exp(-0.006*math.Abs(rng.NormFloat64()))
			volume := math.Round(1e6 * math.Exp(0.3*rng.NormFloat64()))
			bars = append(bars, marketdata.Bar{Date: d, Open: open, High: high, Low: low, Close: c, Volume: volume})
		}
		d = d.AddDate(0, 0, 1)
	}
	return &marketdata.Series{Symbol: "SYN", Bars: bars}
}

// lastView returns the view of s as of its last bar.
func lastView(t testing.TB, s *marketdata.Series) marketdata.View {
	t.Helper()
	v, err := s.AsOf(s.Bars[len(s.Bars)-1].Date)
	require.NoError(t, err)
	return v
}
