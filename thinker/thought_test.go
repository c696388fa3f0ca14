package thinker

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/latentmodel"
)

// Four bins over [-2, 2] with unit width make every summary number easy to compute by hand.
var unitEdges = []float64{-2, -1, 0, 1, 2}

func TestSummarizeByHand(t *testing.T) {
	tests := []struct {
		name  string
		probs []float64
		want  Summary
	}{
		{
			name:  "uniform",
			probs: []float64{0.25, 0.25, 0.25, 0.25},
			// Uniform on [-2, 2]: variance 4²/12, quantiles at -2 + 4q.
			want: Summary{Expected: 0, StdDev: math.Sqrt(16.0 / 12), P10: -1.6, P50: 0, P90: 1.6, ProbPositive: 0.5, Entropy: math.Log(4)},
		},
		{
			name:  "one bin",
			probs: []float64{0, 0, 1, 0},
			// Uniform on [0, 1].
			want: Summary{Expected: 0.5, StdDev: math.Sqrt(1.0 / 12), P10: 0.1, P50: 0.5, P90: 0.9, ProbPositive: 1, Entropy: 0},
		},
		{
			name:  "skewed",
			probs: []float64{0.1, 0.2, 0.3, 0.4},
			// Mean: 0.1·-1.5 + 0.2·-0.5 + 0.3·0.5 + 0.4·1.5 = 0.5.
			// Variance: Σ p (m − 0.5)² = 0.1·4 + 0.2·1 + 0.3·0 + 0.4·1, plus 1/12 within bins.
			// P10: the first bin holds exactly 0.1, so the 10th percentile is its top, -1.
			// P50: CDF is 0.3 at 0, the third bin adds 0.3 per unit, so 0 + 0.2/0.3.
			// P90: CDF is 0.6 at 1, the last bin adds 0.4 per unit, so 1 + 0.3/0.4.
			want: Summary{
				Expected:     0.5,
				StdDev:       math.Sqrt(0.1*4 + 0.2*1 + 0.3*0 + 0.4*1 + 1.0/12),
				P10:          -1,
				P50:          0.2 / 0.3,
				P90:          1.75,
				ProbPositive: 0.7,
				Entropy:      -(0.1*math.Log(0.1) + 0.2*math.Log(0.2) + 0.3*math.Log(0.3) + 0.4*math.Log(0.4)),
			},
		},
		{
			name:  "empty middle",
			probs: []float64{0.5, 0, 0, 0.5},
			// The median falls at the top of the first bin, the CDF being flat across the gap.
			want: Summary{Expected: 0, StdDev: math.Sqrt(0.5*2.25*2 + 1.0/12), P10: -1.8, P50: -1, P90: 1.8, ProbPositive: 0.5, Entropy: math.Log(2)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Summarize(tt.probs, unitEdges)
			require.NoError(t, err)
			assert.InDelta(t, tt.want.Expected, got.Expected, 1e-12, "expected")
			assert.InDelta(t, tt.want.StdDev, got.StdDev, 1e-12, "std dev")
			assert.InDelta(t, tt.want.P10, got.P10, 1e-12, "p10")
			assert.InDelta(t, tt.want.P50, got.P50, 1e-12, "p50")
			assert.InDelta(t, tt.want.P90, got.P90, 1e-12, "p90")
			assert.InDelta(t, tt.want.ProbPositive, got.ProbPositive, 1e-12, "P(>0)")
			assert.InDelta(t, tt.want.Entropy, got.Entropy, 1e-12, "entropy")
		})
	}
}

func TestSummarizeRejects(t *testing.T) {
	tests := []struct {
		name  string
		probs []float64
		edges []float64
	}{
		{"empty", nil, []float64{0}},
		{"edge count", []float64{0.5, 0.5}, []float64{0, 1}},
		{"not increasing", []float64{0.5, 0.5}, []float64{0, 1, 1}},
		{"NaN edge", []float64{0.5, 0.5}, []float64{0, math.NaN(), 2}},
		{"negative", []float64{1.5, -0.5}, []float64{0, 1, 2}},
		{"NaN probability", []float64{math.NaN(), 1}, []float64{0, 1, 2}},
		{"sum", []float64{0.5, 0.4}, []float64{0, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Summarize(tt.probs, tt.edges)
			assert.ErrorIs(t, err, ErrInvalidThought)
		})
	}
}

func TestThoughtProbAbove(t *testing.T) {
	th, err := NewThought(latentmodel.Return, []float64{0.1, 0.2, 0.3, 0.4}, unitEdges)
	require.NoError(t, err)
	tests := []struct {
		x, want float64
	}{
		{-3, 1},
		{-2, 1},
		{-1.5, 0.95},
		{0, 0.7},
		{0.5, 0.55},
		{2, 0},
		{5, 0},
	}
	for _, tt := range tests {
		assert.InDelta(t, tt.want, th.ProbAbove(tt.x), 1e-12, "P(> %v)", tt.x)
	}
}

func TestThoughtQuantileInvertsProbAbove(t *testing.T) {
	th, err := NewThought(latentmodel.Upside, []float64{0.05, 0.15, 0, 0.5, 0.3}, []float64{-0.1, -0.02, 0, 0.01, 0.03, 0.2})
	require.NoError(t, err)
	for _, q := range []float64{0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99} {
		x := th.Quantile(q)
		assert.InDelta(t, 1-q, th.ProbAbove(x), 1e-12, "q=%v x=%v", q, x)
	}
	assert.Equal(t, -0.1, th.Quantile(0))
	assert.Equal(t, 0.2, th.Quantile(1))
}

func TestNewThoughtNormalizes(t *testing.T) {
	th, err := NewThought(latentmodel.Downside, []float64{0.2, 0.3, 0.5001}, []float64{0, 1, 2, 3})
	require.NoError(t, err)
	sum := 0.0
	for _, p := range th.Probs {
		sum += p
	}
	assert.InDelta(t, 1, sum, 1e-15)
	assert.Equal(t, latentmodel.Downside, th.Question)
	th.Steps = 1
	require.NoError(t, th.Validate())
}

func TestNewThoughtCopiesInputs(t *testing.T) {
	probs := []float64{0.5, 0.5}
	edges := []float64{0, 1, 2}
	th, err := NewThought(latentmodel.Return, probs, edges)
	require.NoError(t, err)
	probs[0], edges[0] = 9, -9
	assert.Equal(t, 0.5, th.Probs[0])
	assert.Equal(t, 0.0, th.BinEdges[0])
}

func TestThoughtValidate(t *testing.T) {
	valid := func() *Thought {
		th, err := NewThought(latentmodel.Return, []float64{0.5, 0.5}, []float64{0, 1, 2})
		require.NoError(t, err)
		th.Steps = 3
		th.State = &State{Width: 2, Days: 2, Data: make([]float32, 4)}
		return th
	}
	require.NoError(t, valid().Validate())

	tests := []struct {
		name   string
		mutate func(*Thought)
	}{
		{"zero steps", func(th *Thought) { th.Steps = 0 }},
		{"state length", func(th *Thought) { th.State.Data = th.State.Data[:3] }},
		{"probability sum", func(th *Thought) { th.Probs[0] = 0.6 }},
		{"edges", func(th *Thought) { th.BinEdges = th.BinEdges[:2] }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			th := valid()
			tt.mutate(th)
			assert.ErrorIs(t, th.Validate(), ErrInvalidThought)
		})
	}
	var nilThought *Thought
	assert.ErrorIs(t, nilThought.Validate(), ErrInvalidThought)
}

func TestDivergences(t *testing.T) {
	p := []float64{0.5, 0.5, 0}
	q := []float64{0.25, 0.25, 0.5}
	assert.InDelta(t, math.Log(2), KL(p, q), 1e-12)
	assert.True(t, math.IsInf(KL(q, p), 1), "q has mass where p has none")
	assert.Zero(t, KL(p, p))
	assert.InDelta(t, 0.5, TotalVariation(p, q), 1e-12)
	assert.InDelta(t, 0.5, TotalVariation(q, p), 1e-12)
	assert.Panics(t, func() { TotalVariation(p, q[:2]) })
}
