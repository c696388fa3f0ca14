package thinker

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/latentmodel"
)

// traceOf builds a trace from a sequence of distributions, with KL(p_{i−1} ‖ p_i) as a model
// would report it, and the given relative state changes (nil: 1 at every step).
func traceOf(t *testing.T, dists [][]float64, rel []float64) []Step {
	t.Helper()
	trace := make([]Step, len(dists))
	for i, p := range dists {
		trace[i] = Step{Step: i + 1, Probs: p, Entropy: Entropy(p), RelChange: 1}
		if i > 0 {
			trace[i].KL = KL(dists[i-1], p)
		}
		if rel != nil {
			trace[i].RelChange = rel[i]
		}
	}
	return trace
}

// converging returns n distributions over 4 bins that move from uniform towards a target by
// halving the gap each step, so successive KL divergences shrink by about 4 each step.
func converging(n int) [][]float64 {
	target := []float64{0.4, 0.3, 0.2, 0.1}
	out := make([][]float64, n)
	gap := 1.0
	for i := range out {
		p := make([]float64, 4)
		for k := range p {
			p[k] = target[k] + gap*(0.25-target[k])
		}
		out[i] = p
		gap /= 2
	}
	return out
}

// oscillating returns n distributions that alternate between two fixed ones and never settle.
func oscillating(n int) [][]float64 {
	a, b := []float64{0.4, 0.3, 0.2, 0.1}, []float64{0.1, 0.2, 0.3, 0.4}
	out := make([][]float64, n)
	for i := range out {
		out[i] = a
		if i%2 == 1 {
			out[i] = b
		}
	}
	return out
}

func TestExitReplay(t *testing.T) {
	conv := converging(32)
	// The KL of step i of the converging sequence; the first step below 5e-4 is the expected exit.
	klExit := 0
	for i, s := range traceOf(t, conv, nil) {
		if i > 0 && s.KL < 5e-4 {
			klExit = i + 1
			break
		}
	}
	require.Greater(t, klExit, 2, "the sequence must not converge at once")
	require.Less(t, klExit, 32)

	shrinking := make([]float64, 32)
	for i := range shrinking {
		shrinking[i] = math.Pow(0.5, float64(i))
	}
	tests := []struct {
		name   string
		rule   ExitRule
		dists  [][]float64
		rel    []float64
		max    int
		steps  int
		reason ExitReason
	}{
		{"kl", ExitRule{KL: 5e-4}, conv, nil, 32, klExit, ExitKL},
		{"kl min", ExitRule{KL: 5e-4, MinSteps: klExit + 3}, conv, nil, 32, klExit + 3, ExitKL},
		{"kl max", ExitRule{KL: 5e-4}, conv, nil, klExit - 1, klExit - 1, ExitMaxSteps},
		{"never converges", ExitRule{KL: 5e-4}, oscillating(20), nil, 20, 20, ExitMaxSteps},
		{"never converges both", ExitRule{KL: 5e-4, State: 0.03}, oscillating(20), nil, 16, 16, ExitMaxSteps},
		{"state", ExitRule{State: 0.03}, oscillating(32), shrinking, 32, 7, ExitState}, // 0.5^6 < 0.03
		{"state min", ExitRule{State: 0.03, MinSteps: 10}, oscillating(32), shrinking, 32, 10, ExitState},
		{"kl before state", ExitRule{KL: 5e-4, State: 0.03}, conv, shrinking, 32, min(klExit, 7), map[bool]ExitReason{true: ExitKL, false: ExitState}[klExit <= 7]},
		{"fixed", ExitRule{}, conv, nil, 12, 12, ExitFixed},
		{"identical at step 2", ExitRule{KL: 5e-4}, [][]float64{{0.5, 0.5}, {0.5, 0.5}, {0.5, 0.5}}, nil, 3, 2, ExitKL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, tt.rule.Validate())
			steps, reason := tt.rule.Replay(traceOf(t, tt.dists, tt.rel), tt.max)
			assert.Equal(t, tt.steps, steps)
			assert.Equal(t, tt.reason, reason)
		})
	}
}

func TestExitStopFirstStep(t *testing.T) {
	// Step 1 reports KL 0 and relative change 0; no rule may fire on it.
	_, stop := ExitRule{KL: 5e-4, State: 0.03, MinSteps: 1}.Stop(Step{Step: 1})
	assert.False(t, stop)
}

func TestParseExitRule(t *testing.T) {
	tests := []struct {
		in   string
		want ExitRule
		err  bool
	}{
		{"", ExitRule{}, false},
		{"fixed", ExitRule{}, false},
		{"None", ExitRule{}, false},
		{"auto", ExitRule{KL: 5e-4}, false},
		{"kl:5e-4", ExitRule{KL: 5e-4}, false},
		{" KL:1e-3 , state:0.03 ", ExitRule{KL: 1e-3, State: 0.03}, false},
		{"state:0.03,min:4", ExitRule{State: 0.03, MinSteps: 4}, false},
		{"kl", ExitRule{}, true},
		{"kl:0", ExitRule{}, true},
		{"kl:-1", ExitRule{}, true},
		{"kl:inf", ExitRule{}, true},
		{"kl:nan", ExitRule{}, true},
		{"kl:1e-3,kl:2e-3", ExitRule{}, true},
		{"min:4", ExitRule{}, true},
		{"min:0,kl:1", ExitRule{}, true},
		{"entropy:1", ExitRule{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseExitRule(tt.in)
			if tt.err {
				assert.ErrorIs(t, err, ErrInvalidExitRule)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestExitRuleString(t *testing.T) {
	for _, r := range []ExitRule{{}, {KL: 5e-4}, {KL: 1e-3, State: 0.03, MinSteps: 4}, {State: 0.5}} {
		back, err := ParseExitRule(r.String())
		require.NoError(t, err, r.String())
		assert.Equal(t, r, back)
	}
}

func TestExitRuleValidate(t *testing.T) {
	for _, r := range []ExitRule{{KL: -1}, {State: math.NaN()}, {KL: math.Inf(1)}, {MinSteps: -1}} {
		assert.ErrorIs(t, r.Validate(), ErrInvalidExitRule, "%+v", r)
	}
}

func FuzzParseExitRule(f *testing.F) {
	for _, s := range []string{"kl:5e-4", "state:0.03,min:3", "fixed", "kl:1e-3,state:0.1", "min:x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseExitRule(s)
		if err != nil {
			return
		}
		require.NoError(t, r.Validate())
		back, err := ParseExitRule(r.String())
		require.NoError(t, err)
		assert.Equal(t, r, back)
	})
}

func TestLatentExit(t *testing.T) {
	l, snap := latentFixture(t)
	req := Request{Question: latentmodel.Downside, Snapshot: snap, Steps: 12, Seed: 3}
	full, err := l.Think(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, 12, full.Steps)
	assert.Equal(t, 12, full.Budget)
	assert.Equal(t, ExitFixed, full.ExitReason)

	// The thinker must stop exactly where replaying its rule on the full trace stops.
	for _, rule := range []ExitRule{
		{KL: 10},                      // fires at the first allowed step
		{KL: 10, MinSteps: 5},         // waits for MinSteps
		{KL: 1e-300},                  // never fires
		{State: 10},                   // fires at once on state change
		{KL: full.Trace[6].KL * 1.01}, // fires at step 7 at the latest
	} {
		t.Run(rule.String(), func(t *testing.T) {
			wantSteps, wantReason := rule.Replay(full.Trace, req.Steps)
			th, err := l.WithExit(rule).Think(t.Context(), req)
			require.NoError(t, err)
			require.NoError(t, th.Validate())
			assert.Equal(t, wantSteps, th.Steps)
			assert.Equal(t, wantReason, th.ExitReason)
			assert.Equal(t, 12, th.Budget)
			assert.Equal(t, full.Trace[wantSteps-1].Probs, th.Probs)
		})
	}
	assert.Equal(t, ExitRule{}, l.Exit, "WithExit must not change the original")

	_, err = l.WithExit(ExitRule{KL: -1}).Think(t.Context(), req)
	assert.ErrorIs(t, err, ErrInvalidRequest)
}
