package manager

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

// point returns a thought with all mass in [lo, hi], so its expected value is (lo+hi)/2 and
// P(target > 0) is 1 when lo ≥ 0 and 0 when hi ≤ 0.
func point(t *testing.T, q thinker.Question, lo, hi float64) *thinker.Thought {
	t.Helper()
	th, err := thinker.NewThought(q, []float64{1, 0}, []float64{lo, hi, hi + 0.01})
	require.NoError(t, err)
	return th
}

// split returns a return thought with mass 1−up in [−1%, 0] and up in [0, 1%]: expected value
// 0.005·(2·up − 1) and P(return > 0) = up.
func split(t *testing.T, up float64) *thinker.Thought {
	t.Helper()
	th, err := thinker.NewThought(latentmodel.Return, []float64{1 - up, up}, []float64{-0.01, 0, 0.01})
	require.NoError(t, err)
	return th
}

func TestDecide(t *testing.T) {
	// Researchers expecting 2% each way: risk 0.02, no skew.
	even := func() (*thinker.Thought, *thinker.Thought) {
		return point(t, latentmodel.Upside, 0.01, 0.03), point(t, latentmodel.Downside, 0.01, 0.03)
	}
	bull, bear := even()
	tests := []struct {
		name                         string
		trader, bull, bear           *thinker.Thought
		wantAction                   Action
		wantPosition, wantConfidence float64
	}{
		{
			// Edge 0.004 / risk 0.02 = 0.2, position 2·(0.2 − 0.1); direction 0.8.
			name: "mild buy", trader: split(t, 0.9), bull: bull, bear: bear,
			wantAction: Buy, wantPosition: 0.2, wantConfidence: 0.7 * 0.8,
		},
		{
			name: "mild sell", trader: split(t, 0.1), bull: bull, bear: bear,
			wantAction: Sell, wantPosition: -0.2, wantConfidence: 0.7 * 0.8,
		},
		{
			// Edge 0.001 / 0.02 = 0.05 is inside the band; direction 0.2, no skew.
			name: "hold", trader: split(t, 0.6), bull: bull, bear: bear,
			wantAction: Hold, wantPosition: 0, wantConfidence: 0.7*(1-0.2) + 0.3*1,
		},
		{
			// Edge 0.03 / risk 0.02 = 1.5 saturates; skew (0.03 − 0.01) / 0.04 = 0.5.
			name: "strong buy", trader: point(t, latentmodel.Return, 0.02, 0.04),
			bull: point(t, latentmodel.Upside, 0.02, 0.04), bear: point(t, latentmodel.Downside, 0.005, 0.015),
			wantAction: Buy, wantPosition: 1, wantConfidence: 0.7 + 0.3*0.5,
		},
		{
			name: "strong sell", trader: point(t, latentmodel.Return, -0.04, -0.02),
			bull: point(t, latentmodel.Upside, 0.005, 0.015), bear: point(t, latentmodel.Downside, 0.02, 0.04),
			wantAction: Sell, wantPosition: -1, wantConfidence: 0.7 + 0.3*0.5,
		},
		{
			// The researchers lean down (skew −0.5) against a buy, which adds no confidence.
			name: "researchers disagree", trader: split(t, 0.9),
			bull: point(t, latentmodel.Upside, 0.005, 0.015), bear: point(t, latentmodel.Downside, 0.02, 0.04),
			wantAction: Buy, wantPosition: 0.2, wantConfidence: 0.7 * 0.8,
		},
		{
			// Expected upside −0.2% and downside 0 put the risk under its floor of 0.001:
			// edge 0.0005 / 0.001 = 0.5, position 2·0.4; skew 0, direction 0.1.
			name: "risk floor", trader: split(t, 0.55),
			bull: point(t, latentmodel.Upside, -0.003, -0.001), bear: point(t, latentmodel.Downside, -0.001, 0.001),
			wantAction: Buy, wantPosition: 0.8, wantConfidence: 0.7 * 0.1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := DefaultDecisionRule().Decide(tt.trader, tt.bull, tt.bear)
			require.NoError(t, err)
			assert.Equal(t, tt.wantAction, d.Action)
			assert.InDelta(t, tt.wantPosition, d.Position, 1e-9, "position")
			assert.InDelta(t, tt.wantConfidence, d.Confidence, 1e-9, "confidence")
			assert.InDelta(t, tt.trader.Expected, d.Edge, 1e-15, "edge")
		})
	}
}

func TestDecideRisk(t *testing.T) {
	d, err := DefaultDecisionRule().Decide(split(t, 0.5), point(t, latentmodel.Upside, 0.01, 0.03), point(t, latentmodel.Downside, 0.03, 0.05))
	require.NoError(t, err)
	assert.InDelta(t, 0.03, d.Risk, 1e-12, "mean of 2% up and 4% down")
	assert.Equal(t, Hold, d.Action)
	assert.Equal(t, 0.0, d.Position)
	assert.False(t, math.Signbit(d.Position), "HOLD has position +0")
}

func TestDecideRanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	edges := []float64{-0.05, -0.02, -0.005, 0, 0.005, 0.02, 0.05}
	excursion := []float64{0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1}
	random := func(q thinker.Question, e []float64) *thinker.Thought {
		p := make([]float64, len(e)-1)
		for k := range p {
			p[k] = rng.ExpFloat64()
		}
		sum := 0.0
		for _, v := range p {
			sum += v
		}
		for k := range p {
			p[k] /= sum
		}
		th, err := thinker.NewThought(q, p, e)
		require.NoError(t, err)
		return th
	}
	rule := DefaultDecisionRule()
	for i := range 500 {
		d, err := rule.Decide(random(latentmodel.Return, edges), random(latentmodel.Upside, excursion), random(latentmodel.Downside, excursion))
		require.NoError(t, err)
		assert.GreaterOrEqual(t, d.Position, -1.0, "case %d", i)
		assert.LessOrEqual(t, d.Position, 1.0, "case %d", i)
		assert.GreaterOrEqual(t, d.Confidence, 0.0, "case %d", i)
		assert.LessOrEqual(t, d.Confidence, 1.0, "case %d", i)
		switch d.Action {
		case Buy:
			assert.Positive(t, d.Position, "case %d", i)
		case Sell:
			assert.Negative(t, d.Position, "case %d", i)
		default:
			assert.Equal(t, Hold, d.Action, "case %d", i)
			assert.Zero(t, d.Position, "case %d", i)
		}
	}
}

func TestDecideContinuity(t *testing.T) {
	// Just above the threshold the position is small, not a jump to Scale·Threshold.
	bull, bear := point(t, latentmodel.Upside, 0.01, 0.03), point(t, latentmodel.Downside, 0.01, 0.03)
	d, err := DefaultDecisionRule().Decide(split(t, 0.7001), bull, bear)
	require.NoError(t, err)
	assert.Equal(t, Buy, d.Action)
	assert.Less(t, d.Position, 0.001)
}

func TestDecideRejects(t *testing.T) {
	up, down, ret := point(t, latentmodel.Upside, 0, 0.01), point(t, latentmodel.Downside, 0, 0.01), split(t, 0.5)
	tests := []struct {
		name               string
		trader, bull, bear *thinker.Thought
	}{
		{"missing trader", nil, up, down},
		{"missing bear", ret, up, nil},
		{"swapped researchers", ret, down, up},
		{"trader asks upside", up, up, down},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DefaultDecisionRule().Decide(tt.trader, tt.bull, tt.bear)
			assert.ErrorIs(t, err, thinker.ErrInvalidThought)
		})
	}
}

func TestDecisionRuleValidate(t *testing.T) {
	require.NoError(t, DefaultDecisionRule().Validate())
	tests := []struct {
		name   string
		mutate func(*DecisionRule)
	}{
		{"negative threshold", func(r *DecisionRule) { r.Threshold = -0.1 }},
		{"zero scale", func(r *DecisionRule) { r.Scale = 0 }},
		{"zero min risk", func(r *DecisionRule) { r.MinRisk = 0 }},
		{"weight above 1", func(r *DecisionRule) { r.DirectionWeight = 1.5 }},
		{"NaN weight", func(r *DecisionRule) { r.DirectionWeight = math.NaN() }},
		{"infinite scale", func(r *DecisionRule) { r.Scale = math.Inf(1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := DefaultDecisionRule()
			tt.mutate(&r)
			assert.ErrorIs(t, r.Validate(), ErrInvalidRule)
			_, err := r.Decide(split(t, 0.5), point(t, latentmodel.Upside, 0, 0.01), point(t, latentmodel.Downside, 0, 0.01))
			assert.ErrorIs(t, err, ErrInvalidRule)
		})
	}
}
