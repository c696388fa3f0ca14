package train

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

// handTrace returns a trace of n steps whose KL falls below 5e-4 first at step exit (never when
// exit > n), with cross-entropy 3 − 0.1·step.
func handTrace(q latentmodel.Question, vol float64, n, exit int) DayTrace {
	t := DayTrace{Question: q, Volatility: vol}
	for i := 1; i <= n; i++ {
		kl := 1e-2
		if i >= exit {
			kl = 1e-5
		}
		if i == 1 {
			kl = 0
		}
		t.Steps = append(t.Steps, thinker.Step{Step: i, KL: kl, RelChange: 1})
		t.CrossEntropy = append(t.CrossEntropy, 3-0.1*float64(i))
	}
	return t
}

func TestAdaptiveOnHandTraces(t *testing.T) {
	var traces []DayTrace
	// Per question: three calm days exiting at 3, three middle at 5, three volatile never.
	for q := range latentmodel.NumQuestions {
		for i := range 3 {
			traces = append(traces,
				handTrace(latentmodel.Question(q), 0.01+0.0001*float64(i), 10, 3),
				handTrace(latentmodel.Question(q), 0.02+0.0001*float64(i), 10, 5),
				handTrace(latentmodel.Question(q), 0.03+0.0001*float64(i), 10, 99))
		}
	}
	rep, err := Adaptive(traces, thinker.ExitRule{KL: 5e-4}, 8, []int{1, 8})
	require.NoError(t, err)
	assert.Equal(t, 8, rep.MaxSteps)
	require.Len(t, rep.Scores, 4*latentmodel.NumQuestions)

	byRegime := map[string]AdaptiveScore{}
	for _, s := range rep.Scores[:4] {
		assert.Equal(t, "return", s.Question)
		byRegime[s.Regime] = s
	}
	all := byRegime[RegimeAll]
	assert.Equal(t, 9, all.Days)
	assert.InDelta(t, (3.0+5+8)/3, all.MeanSteps, 1e-12)
	assert.Equal(t, 8, all.Max)
	assert.InDelta(t, 1.0/3, all.AtMax, 1e-12)
	assert.Equal(t, 3, all.Histogram[2])
	assert.Equal(t, 3, all.Histogram[4])
	assert.Equal(t, 3, all.Histogram[7])
	assert.InDelta(t, 3-0.1*(3.0+5+8)/3, all.CrossEntropy, 1e-12)
	require.Len(t, all.Fixed, 2)
	assert.InDelta(t, 2.9, all.Fixed[0].CrossEntropy, 1e-12)
	assert.InDelta(t, 2.2, all.Fixed[1].CrossEntropy, 1e-12)
	assert.InDelta(t, 1-all.MeanSteps/8, all.Saving, 1e-12)
	assert.InDelta(t, all.CrossEntropy/2.2-1, all.CrossEntropyChange, 1e-12)

	for regime, steps := range map[string]float64{RegimeCalm: 3, RegimeMiddle: 5, RegimeVolatile: 8} {
		s := byRegime[regime]
		assert.Equal(t, 3, s.Days, regime)
		assert.InDelta(t, steps, s.MeanSteps, 1e-12, regime)
	}

	_, err = Adaptive(traces, thinker.ExitRule{KL: 5e-4}, 11, nil)
	assert.Error(t, err, "more steps than traced")
	_, err = Adaptive(nil, thinker.ExitRule{KL: 5e-4}, 4, nil)
	assert.Error(t, err)
}

func TestRegime(t *testing.T) {
	assert.Equal(t, RegimeCalm, Regime(0.5, 1, 2))
	assert.Equal(t, RegimeMiddle, Regime(1, 1, 2))
	assert.Equal(t, RegimeVolatile, Regime(2, 1, 2))
}

func TestDayWindows(t *testing.T) {
	data := syntheticData(t)
	all := dayWindows(data, SplitTest, 16, 1)
	require.NotEmpty(t, all)
	seen := map[[2]int]bool{}
	for _, w := range all {
		s := data.Symbols[w.Symbol]
		assert.Equal(t, SplitTest, s.Split[w.End])
		assert.LessOrEqual(t, w.Days(), 16)
		assert.True(t, w.Scored[w.Days()-1])
		key := [2]int{w.Symbol, w.End}
		assert.False(t, seen[key], "day scored twice")
		seen[key] = true
	}
	every := dayWindows(data, SplitTest, 16, 3)
	assert.InDelta(t, float64(len(all))/3, float64(len(every)), float64(len(data.Symbols)))
}

func TestTracesAndHandoff(t *testing.T) {
	data := syntheticData(t)
	bundle, _, err := Run(context.Background(), data, tinyOptions())
	require.NoError(t, err)

	traces, err := Traces(t.Context(), data, bundle, TraceOptions{Split: SplitTest, MaxSteps: 6, Every: 20, Workers: 2})
	require.NoError(t, err)
	days := len(dayWindows(data, SplitTest, bundle.Model.Config.Window, 20))
	require.Len(t, traces, days*latentmodel.NumQuestions)
	for _, tr := range traces {
		require.Len(t, tr.Steps, 6)
		require.Len(t, tr.CrossEntropy, 6)
		assert.Positive(t, tr.Volatility)
		for _, ce := range tr.CrossEntropy {
			assert.False(t, math.IsNaN(ce))
			assert.Positive(t, ce)
		}
	}
	// A fixed rule runs every step, so its cross-entropy is that of r = max.
	rep, err := Adaptive(traces, thinker.ExitRule{}, 6, []int{6})
	require.NoError(t, err)
	for _, s := range rep.Scores {
		assert.InDelta(t, 6, s.MeanSteps, 1e-12)
		assert.InDelta(t, s.Fixed[0].CrossEntropy, s.CrossEntropy, 1e-12)
	}

	tests := []struct {
		name  string
		rule  thinker.ExitRule
		steps float64
	}{
		{"fires at once", thinker.ExitRule{KL: 10}, 2},
		{"never fires", thinker.ExitRule{KL: 1e-300}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := Handoff(t.Context(), data, bundle, HandoffOptions{Split: SplitTest, Exit: tt.rule, MaxSteps: 6, Every: 20, Workers: 2})
			require.NoError(t, err)
			assert.Equal(t, days, h.Days)
			require.Len(t, h.Turns, len(DebateOrder)-1)
			assert.Equal(t, "upside", h.Turns[0].From)
			assert.Equal(t, "downside", h.Turns[0].To)
			assert.Equal(t, days*(len(DebateOrder)-1), h.All.Turns)
			assert.InDelta(t, tt.steps, h.All.WarmSteps, 1e-12)
			assert.InDelta(t, tt.steps, h.All.ColdSteps, 1e-12)
			assert.InDelta(t, 0, h.All.Saved, 1e-12)
			assert.GreaterOrEqual(t, h.All.MeanKL, 0.0)
			assert.GreaterOrEqual(t, h.All.MaxKL, h.All.P90KL)
			assert.Positive(t, h.All.WarmCrossEntropy)
		})
	}
}
