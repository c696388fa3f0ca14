package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/marketdata"
)

// writeRandomWalk writes SYMBOL.csv with business-day bars from start to end whose log prices
// follow a seeded random walk.
func writeRandomWalk(t testing.TB, dir, symbol string, start, end time.Time, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	b.WriteString("date,open,high,low,close,adj_close,volume\n")
	price := 100.0
	for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			continue
		}
		open := price * math.Exp(0.005*rng.NormFloat64())
		price = open * math.Exp(0.01*rng.NormFloat64())
		high := max(open, price) * (1 + 0.01*rng.Float64())
		low := min(open, price) * (1 - 0.01*rng.Float64())
		fmt.Fprintf(&b, "%s,%.4f,%.4f,%.4f,%.4f,%.4f,%d\n", d.Format(time.DateOnly), open, high, low, price, price, 1000+rng.IntN(1000))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, symbol+".csv"), []byte(b.String()), 0o644))
}

func syntheticData(t testing.TB) *Data {
	t.Helper()
	dir := t.TempDir()
	start := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)
	writeRandomWalk(t, dir, "AAA", start, time.Date(2023, 6, 30, 0, 0, 0, 0, time.UTC), 1)
	writeRandomWalk(t, dir, "BBB", start, time.Date(2023, 6, 30, 0, 0, 0, 0, time.UTC), 2)
	data, err := LoadData(context.Background(), LoadOptions{Dir: dir, Horizon: 5})
	require.NoError(t, err)
	return data
}

func TestSplitsDoNotLeak(t *testing.T) {
	data := syntheticData(t)
	splitEnd := map[Split]time.Time{SplitTrain: data.TrainEnd, SplitValidation: data.ValidationEnd}
	for _, s := range data.Symbols {
		for i, split := range s.Split {
			if split < 0 {
				continue
			}
			require.Less(t, i+data.Horizon, len(s.Dates), "day %d has a split but no full horizon", i)
			if end, ok := splitEnd[split]; ok {
				assert.False(t, s.Dates[i+data.Horizon].After(end), "%s %s: target reaches %s past the %s split",
					s.Name, s.Dates[i].Format(time.DateOnly), s.Dates[i+data.Horizon].Format(time.DateOnly), split)
			}
			if split > SplitTrain {
				assert.True(t, s.Dates[i].After(splitEnd[split-1]), "%s: day in %s before its start", s.Dates[i], split)
			}
		}
	}
}

func TestEvalWindowsScoreEachDayOnce(t *testing.T) {
	data := syntheticData(t)
	for _, split := range []Split{SplitTrain, SplitValidation, SplitTest} {
		scored := map[[2]int]int{}
		for _, w := range data.EvalWindows(split, 64, 32) {
			assert.LessOrEqual(t, w.Days(), 64)
			for i, on := range w.Scored {
				if on {
					scored[[2]int{w.Symbol, w.Start + i}]++
				}
			}
		}
		want := 0
		for si, s := range data.Symbols {
			for d, sp := range s.Split {
				if sp == split {
					want++
					assert.Equal(t, 1, scored[[2]int{si, d}], "%s day %d of %s", split, d, s.Name)
				}
			}
		}
		assert.Len(t, scored, want, split.String())
	}
}

func TestBinIndex(t *testing.T) {
	edges := []float64{-1, 0, 1, 2}
	cases := []struct {
		value float64
		want  int
	}{{-5, 0}, {-1, 0}, {-0.5, 0}, {0, 1}, {0.5, 1}, {1, 2}, {1.5, 2}, {2, 2}, {9, 2}}
	for _, c := range cases {
		assert.Equal(t, c.want, BinIndex(edges, c.value), "value %v", c.value)
	}
}

func TestBinEdgesEqualFrequency(t *testing.T) {
	data := syntheticData(t)
	edges, err := data.BinEdges(8)
	require.NoError(t, err)
	prior := data.Prior(edges)
	for q := range prior {
		for k, p := range prior[q] {
			assert.InDelta(t, 1.0/8, p, 0.01, "question %d bin %d", q, k)
		}
	}
}

func TestBinEdgesOuterMidpointsAreTailMeans(t *testing.T) {
	data := syntheticData(t)
	edges, err := data.BinEdges(8)
	require.NoError(t, err)
	for q := range edges {
		var lowSum, highSum float64
		var lowN, highN int
		for _, s := range data.Symbols {
			for d, split := range s.Split {
				if split != SplitTrain {
					continue
				}
				switch BinIndex(edges[q], s.Targets[q][d]) {
				case 0:
					lowSum += s.Targets[q][d]
					lowN++
				case 7:
					highSum += s.Targets[q][d]
					highN++
				}
			}
		}
		require.Positive(t, lowN)
		require.Positive(t, highN)
		assert.InDelta(t, lowSum/float64(lowN), (edges[q][0]+edges[q][1])/2, 1e-12, "question %d lowest bin", q)
		assert.InDelta(t, highSum/float64(highN), (edges[q][7]+edges[q][8])/2, 1e-12, "question %d highest bin", q)
	}
}

func TestLearningRateSchedule(t *testing.T) {
	assert.InDelta(t, 0.1, LearningRate(0, 10, 100, 1, 0.1), 1e-12)
	assert.InDelta(t, 1.0, LearningRate(9, 10, 100, 1, 0.1), 1e-12)
	assert.InDelta(t, 1.0, LearningRate(10, 10, 100, 1, 0.1), 1e-12)
	assert.InDelta(t, 0.55, LearningRate(55, 10, 100, 1, 0.1), 1e-12)
	assert.InDelta(t, 0.1, LearningRate(100, 10, 100, 1, 0.1), 1e-12)
}

func TestClipGradNorm(t *testing.T) {
	grads := [][]float32{{3}, {4}}
	norm := ClipGradNorm(grads, 1)
	assert.InDelta(t, 5, norm, 1e-6)
	assert.InDelta(t, 0.6, grads[0][0], 1e-6)
	assert.InDelta(t, 0.8, grads[1][0], 1e-6)
}

func TestAdamWMinimizesQuadratic(t *testing.T) {
	w := &latentmodel.Tensor{Name: "w", Shape: []int{2}, Data: []float32{3, -2}}
	opt := NewAdamW(0)
	for range 2000 {
		grad := []float32{2 * w.Data[0], 2 * (w.Data[1] - 1)}
		opt.Step([]*latentmodel.Tensor{w}, [][]float32{grad}, 0.01)
	}
	assert.InDelta(t, 0, w.Data[0], 1e-2)
	assert.InDelta(t, 1, w.Data[1], 1e-2)
}

func TestAdamWSkipsDecayOnNoDecay(t *testing.T) {
	decayed := &latentmodel.Tensor{Name: "w", Shape: []int{1}, Data: []float32{1}}
	kept := &latentmodel.Tensor{Name: "g", Shape: []int{1}, Data: []float32{1}, NoDecay: true}
	opt := NewAdamW(0.5)
	opt.Step([]*latentmodel.Tensor{decayed, kept}, [][]float32{{0}, {0}}, 0.1)
	assert.InDelta(t, 0.95, decayed.Data[0], 1e-6)
	assert.InDelta(t, 1, kept.Data[0], 1e-6)
}

func tinyOptions() Options {
	opt := DefaultOptions()
	opt.Config = latentmodel.Config{
		Features: marketdata.NumFeatures, Width: 8, Heads: 2, MLPHidden: 12,
		PreludeBlocks: 1, CoreBlocks: 1, CodaBlocks: 1, Window: 16, Bins: 4,
		MeanSteps: 3, BackpropSteps: 2, RopeBase: 10000,
	}
	opt.Epochs = 2
	opt.BatchSize = 4
	opt.Warmup = 5
	opt.Stride = 8
	return opt
}

// sameWeights reports whether two models have bit-identical parameters.
func sameWeights(a, b *latentmodel.Model) bool {
	ta, tb := a.Tensors(), b.Tensors()
	if len(ta) != len(tb) {
		return false
	}
	for i := range ta {
		for j := range ta[i].Data {
			if math.Float32bits(ta[i].Data[j]) != math.Float32bits(tb[i].Data[j]) {
				return false
			}
		}
	}
	return true
}

func TestRunSameSeedSameWeights(t *testing.T) {
	data := syntheticData(t)
	opt := tinyOptions()
	first, _, err := Run(context.Background(), data, opt)
	require.NoError(t, err)
	opt.Workers = 1 // a different split of the work must not change the result
	second, _, err := Run(context.Background(), data, opt)
	require.NoError(t, err)
	assert.True(t, sameWeights(first.Model, second.Model), "two runs with the same seed and data gave different weights")

	opt.Seed = 2
	third, _, err := Run(context.Background(), data, opt)
	require.NoError(t, err)
	assert.False(t, sameWeights(first.Model, third.Model), "a different seed gave the same weights")
}

func TestRunLowersLoss(t *testing.T) {
	data := syntheticData(t)
	opt := tinyOptions()
	opt.Epochs = 4
	_, history, err := Run(context.Background(), data, opt)
	require.NoError(t, err)
	require.Len(t, history, 4)
	assert.Less(t, history[3].TrainLoss, history[0].TrainLoss)
}

func TestRunSavesCheckpoint(t *testing.T) {
	data := syntheticData(t)
	opt := tinyOptions()
	opt.OutPath = filepath.Join(t.TempDir(), "model.safetensors")
	bundle, _, err := Run(context.Background(), data, opt)
	require.NoError(t, err)
	loaded, err := latentmodel.LoadFile(opt.OutPath)
	require.NoError(t, err)
	assert.Equal(t, bundle.Model.Config, loaded.Model.Config)
	assert.Equal(t, bundle.BinEdges, loaded.BinEdges)
	assert.Equal(t, opt.Seed, loaded.Provenance.Seed)
	assert.Len(t, loaded.Provenance.Data, 2)
}

func TestEvaluateReportsEveryStep(t *testing.T) {
	data := syntheticData(t)
	bundle, _, err := Run(context.Background(), data, tinyOptions())
	require.NoError(t, err)
	report, err := Evaluate(context.Background(), data, bundle, EvalOptions{Split: SplitTest, Steps: []int{1, 3}, Workers: 2})
	require.NoError(t, err)
	require.Len(t, report.Questions, latentmodel.NumQuestions)
	for _, q := range report.Questions {
		require.Len(t, q.ByStep, 2)
		assert.Positive(t, q.Days)
		// Equal-frequency bins make the prior close to uniform: log 4 nats.
		assert.InDelta(t, math.Log(4), q.PriorCrossEntropy, 0.2)
		for _, s := range q.ByStep {
			assert.Positive(t, s.CrossEntropy)
			assert.GreaterOrEqual(t, s.ECE, 0.0)
			assert.LessOrEqual(t, s.ECE, 1.0)
		}
	}
}

func TestECEOnHandExample(t *testing.T) {
	var acc scoreAccumulator
	// Two days predicted with confidence 0.9, one right and one wrong: accuracy 0.5 in the
	// 0.9 group, so ECE = |0.5 − 0.9| = 0.4.
	acc.add([]float32{0.9, 0.1}, 0)
	acc.add([]float32{0.9, 0.1}, 1)
	assert.InDelta(t, 0.4, acc.ece(), 1e-6)
	assert.InDelta(t, -(math.Log(0.9)+math.Log(0.1))/2, acc.crossEntropy(), 1e-6)
}

func TestMeanDayCosine(t *testing.T) {
	// Days 0 and 1 point the same way, day 2 is orthogonal to both: (1 + 0 + 0) / 3.
	state := []float32{1, 0, 2, 0, 0, 3}
	c, n := meanDayCosine(state, 3, 2)
	assert.Equal(t, 3, n)
	assert.InDelta(t, 1.0/3, c, 1e-12)
}

func TestDiagnoseRuns(t *testing.T) {
	data := syntheticData(t)
	bundle, _, err := Run(context.Background(), data, tinyOptions())
	require.NoError(t, err)
	d, err := Diagnose(context.Background(), data, bundle, SplitTest, 3, 3, 4)
	require.NoError(t, err)
	assert.Equal(t, 3, d.Windows)
	assert.Greater(t, d.StateCosine, -1.0)
	assert.Less(t, d.StateCosine, 1.0)
	assert.GreaterOrEqual(t, d.SeedTotalVariation, 0.0)
	assert.LessOrEqual(t, d.SeedTotalVariation, 1.0)
	assert.Positive(t, d.SeedStateDistance)
}

func TestDaySpecificShare(t *testing.T) {
	// Days (1, 10) and (3, 20): mean (2, 15), residuals (−1, −5) and (1, 5), so the share is
	// (1 + 25 + 1 + 25) / (1 + 100 + 9 + 400).
	assert.InDelta(t, 52.0/510, daySpecificShare([]float32{1, 10, 3, 20}, 2, 2), 1e-12)
	assert.Zero(t, daySpecificShare([]float32{2, 3, 2, 3}, 2, 2), "identical days")
}

func TestCorrelationOnHandExample(t *testing.T) {
	var acc scoreAccumulator
	for i, realized := range []float64{1, 2, 3} {
		acc.add([]float32{1}, 0)
		acc.addValue(float64(2*i), realized) // predicted = 2·realized − 2: a perfect linear fit
	}
	assert.InDelta(t, 1.0, acc.correlation(), 1e-12)
}

func TestOptionsValidateRejects(t *testing.T) {
	cases := map[string]func(o *Options){
		"--epochs":      func(o *Options) { o.Epochs = 0 },
		"--batch":       func(o *Options) { o.BatchSize = 0 },
		"--stride":      func(o *Options) { o.Stride = 0 },
		"--lr":          func(o *Options) { o.LearningRate = -1 },
		"--fixed-steps": func(o *Options) { o.FixedSteps = -1 },
	}
	for flag, change := range cases {
		opt := DefaultOptions()
		change(&opt)
		assert.ErrorContains(t, opt.Validate(), flag)
	}
	assert.NoError(t, DefaultOptions().Validate())
}
