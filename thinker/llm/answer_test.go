package llm

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

func TestParseAnswer(t *testing.T) {
	good := answerJSON(2)
	tests := []struct {
		name, reply string
		wantErr     string // substring of the error; "" for success
	}{
		{"plain", good, ""},
		{"fenced", "Here is my forecast:\n```json\n" + good + "\n```\nThanks.", ""},
		{"prose", "My answer is " + good + " and that is final.", ""},
		{"braces in prose", "Notes {not json} then " + good, ""},
		{"empty", "  ", "reply is empty"},
		{"no json", "I think it goes up.", "no JSON object"},
		{"missing", `{"prob_above_zero": 0.6, "p10_pct": 1, "p50_pct": 2, "p90_pct": 3, "rationale": "x"}`, "missing expected_pct, key_points"},
		{"string number", `{"prob_above_zero": "high", "expected_pct": 1, "p10_pct": 1, "p50_pct": 2, "p90_pct": 3, "key_points": [], "rationale": "x"}`, `prob_above_zero is "\"high\""`},
		{"order", `{"prob_above_zero": 0.6, "expected_pct": 1, "p10_pct": 3, "p50_pct": 2, "p90_pct": 4, "key_points": [], "rationale": "x"}`, "percentiles out of order"},
		{"probability", `{"prob_above_zero": 1.5, "expected_pct": 1, "p10_pct": 1, "p50_pct": 2, "p90_pct": 4, "key_points": [], "rationale": "x"}`, "outside [0, 1]"},
		{"inconsistent", `{"prob_above_zero": 0.2, "expected_pct": 1, "p10_pct": 1, "p50_pct": 2, "p90_pct": 4, "key_points": [], "rationale": "x"}`, "contradicts the percentiles"},
		{"impossible fall", `{"prob_above_zero": 0.1, "expected_pct": -50, "p10_pct": -120, "p50_pct": -50, "p90_pct": -1, "key_points": [], "rationale": "x"}`, "100% or more"},
		{"no rationale", `{"prob_above_zero": 0.6, "expected_pct": 1, "p10_pct": -1, "p50_pct": 2, "p90_pct": 4, "key_points": [], "rationale": " "}`, "rationale is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseAnswer(latentmodel.Return, tt.reply)
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, 2.0, a.P50Pct)
				assert.Equal(t, []string{"rsi14 is high"}, a.KeyPoints)
				return
			}
			require.ErrorIs(t, err, ErrInvalidAnswer)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestDistribution(t *testing.T) {
	edges := []float64{-0.2, -0.1, -0.05, -0.02, 0, 0.02, 0.05, 0.1, 0.2}
	tests := []struct {
		name string
		q    thinker.Question
		a    Answer
	}{
		{"return up", latentmodel.Return, Answer{ProbAboveZero: 0.7, P10Pct: -2, P50Pct: 1.5, P90Pct: 6}},
		{"return down", latentmodel.Return, Answer{ProbAboveZero: 0.3, P10Pct: -7, P50Pct: -2, P90Pct: 1}},
		{"upside", latentmodel.Upside, Answer{ProbAboveZero: 0.97, P10Pct: 0.5, P50Pct: 3, P90Pct: 8}},
		{"downside", latentmodel.Downside, Answer{ProbAboveZero: 0.95, P10Pct: 0.4, P50Pct: 2.5, P90Pct: 9}},
		{"point mass", latentmodel.Return, Answer{ProbAboveZero: 0.95, P10Pct: 1, P50Pct: 1, P90Pct: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			probs, err := Distribution(tt.q, tt.a, edges)
			require.NoError(t, err)
			th, err := thinker.NewThought(tt.q, probs, edges)
			require.NoError(t, err)
			for k, p := range probs {
				assert.GreaterOrEqual(t, p, floorMass/float64(len(probs)), "bin %d", k)
			}
			// Binning spreads each bin's mass evenly, so a percentile of the distribution lies in
			// the bin of the answer's percentile.
			for _, c := range []struct{ q, pct float64 }{{0.1, tt.a.P10Pct}, {0.5, tt.a.P50Pct}, {0.9, tt.a.P90Pct}} {
				x := toLog(tt.q, c.pct)
				k := binOf(edges, x)
				assert.True(t, edges[k] <= th.Quantile(c.q)+1e-9 && th.Quantile(c.q) <= edges[k+1]+1e-9,
					"quantile %v = %v, answer %v in bin [%v, %v]", c.q, th.Quantile(c.q), x, edges[k], edges[k+1])
			}
			if tt.a.P10Pct < 0 && tt.a.P90Pct > 0 {
				assert.InDelta(t, tt.a.ProbAboveZero, th.ProbAbove(0), 0.01)
			}
		})
	}
}

// binOf returns the bin of edges that holds x.
func binOf(edges []float64, x float64) int {
	for k := 1; k < len(edges)-1; k++ {
		if x < edges[k] {
			return k - 1
		}
	}
	return len(edges) - 2
}

func TestDistributionClips(t *testing.T) {
	edges := []float64{-0.1, 0, 0.1}
	probs, err := Distribution(latentmodel.Return, Answer{ProbAboveZero: 1, P10Pct: 30, P50Pct: 40, P90Pct: 50}, edges)
	require.NoError(t, err)
	assert.InDelta(t, 1, probs[0]+probs[1], 1e-12)
	assert.Greater(t, probs[1], 0.99, "a rise beyond the last edge lands in the last bin")

	_, err = Distribution(latentmodel.Return, Answer{}, []float64{0.1, 0})
	assert.ErrorIs(t, err, thinker.ErrInvalidThought)
}

func TestUnitsRoundTrip(t *testing.T) {
	for _, q := range []thinker.Question{latentmodel.Return, latentmodel.Upside, latentmodel.Downside} {
		for _, pct := range []float64{-20, -1, 0, 2.5, 30} {
			assert.InDelta(t, pct, fromLog(q, toLog(q, pct)), 1e-9, "%s %v", q, pct)
		}
	}
	// A 5% fall of the low is a positive downside target of log(1/0.95).
	assert.InDelta(t, math.Log(1/0.95), toLog(latentmodel.Downside, 5), 1e-12)
}

func TestAgree(t *testing.T) {
	a := Answer{ProbAboveZero: 0.6, ExpectedPct: 1, P10Pct: -2, P50Pct: 1, P90Pct: 4}
	b := a
	b.P90Pct += 0.8
	assert.True(t, agree(a, b, 1))
	b.ProbAboveZero += 0.02
	assert.False(t, agree(a, b, 1), "2 points of probability")
}

func FuzzParseAnswer(f *testing.F) {
	f.Add(answerJSON(2))
	f.Add("```json\n" + answerJSON(-1) + "\n```")
	f.Add(`text {"a": "}"} {"prob_above_zero": 0.5}`)
	f.Add(`{"prob_above_zero": 1e308, "expected_pct": -1e308}`)
	edges := []float64{-0.2, -0.05, 0, 0.05, 0.2}
	f.Fuzz(func(t *testing.T, reply string) {
		for _, q := range []thinker.Question{latentmodel.Return, latentmodel.Downside} {
			a, err := ParseAnswer(q, reply)
			if err != nil {
				if !assert.ErrorIs(t, err, ErrInvalidAnswer) {
					return
				}
				continue
			}
			require.NoError(t, a.Validate(q))
			probs, err := Distribution(q, a, edges)
			require.NoError(t, err)
			_, err = thinker.NewThought(q, probs, edges)
			require.NoError(t, err)
		}
	})
}
