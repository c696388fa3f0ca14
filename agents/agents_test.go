package agents

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

// Four bins of 2% each over [-4%, 4%].
var fourBins = []float64{-0.04, -0.02, 0, 0.02, 0.04}

func TestAgentQuestions(t *testing.T) {
	fake := &fakeThinker{probs: []float64{0.1, 0.2, 0.3, 0.4}, edges: fourBins}
	tests := []struct {
		agent Agent
		name  string
		q     thinker.Question
	}{
		{NewBull(fake), "bull", latentmodel.Upside},
		{NewBear(fake), "bear", latentmodel.Downside},
		{NewTrader(fake), "trader", latentmodel.Return},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.name, tt.agent.Name())
			assert.Equal(t, tt.q, tt.agent.Question())
			resp, err := tt.agent.Respond(t.Context(), Input{Snapshot: testSnapshot(0, nil), Steps: 3, Seed: 5})
			require.NoError(t, err)
			assert.Equal(t, tt.q, resp.Thought.Question)
			assert.NotEmpty(t, resp.Argument)
		})
	}
}

func TestAgentRequest(t *testing.T) {
	fake := &fakeThinker{probs: []float64{0.25, 0.25, 0.25, 0.25}, edges: fourBins}
	snap := testSnapshot(0, nil)
	previous, err := thinker.NewThought(latentmodel.Upside, []float64{1, 0, 0, 0}, fourBins)
	require.NoError(t, err)
	transcript := []thinker.Message{{Speaker: "bull", Question: latentmodel.Upside, Text: "up"}}

	bear := NewBear(fake)
	_, err = bear.Respond(t.Context(), Input{Snapshot: snap, Previous: previous, WarmStart: true, Transcript: transcript, Steps: 7, Seed: 42})
	require.NoError(t, err)
	_, err = bear.Respond(t.Context(), Input{Snapshot: snap, Previous: previous, WarmStart: false, Steps: 7, Seed: 43})
	require.NoError(t, err)

	require.Len(t, fake.requests, 2)
	warm, cold := fake.requests[0], fake.requests[1]
	assert.Equal(t, latentmodel.Downside, warm.Question)
	assert.Same(t, snap, warm.Snapshot)
	assert.Equal(t, 7, warm.Steps)
	assert.Equal(t, uint64(42), warm.Seed)
	assert.Same(t, previous, warm.Handoff)
	assert.Equal(t, transcript, warm.Transcript)
	assert.Nil(t, cold.Handoff, "without warm start the previous thought is not handed to the thinker")
	assert.Equal(t, uint64(43), cold.Seed)
}

func TestAgentErrors(t *testing.T) {
	snap := testSnapshot(0, nil)
	wrong := latentmodel.Return
	tests := []struct {
		name  string
		agent Agent
		want  error
	}{
		{"no thinker", NewBull(nil), ErrNoThinker},
		{"thinker error", NewBear(&fakeThinker{err: errThinkerFailed}), errThinkerFailed},
		{"wrong question", NewBull(&fakeThinker{probs: []float64{0.5, 0.5, 0, 0}, edges: fourBins, question: &wrong}), thinker.ErrInvalidThought},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.agent.Respond(t.Context(), Input{Snapshot: snap, Steps: 1})
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.agent.Name())
		})
	}
}

func TestBullArgument(t *testing.T) {
	// Upside mass 0.6 in [0, 2%] and 0.4 in [2%, 4%]: expected 1.8%, p10 0.33%, p90 3.5%, shown
	// as simple returns.
	fake := &fakeThinker{probs: []float64{0, 0, 0.6, 0.4}, edges: fourBins}
	bear, err := thinker.NewThought(latentmodel.Downside, []float64{0, 0, 1, 0}, fourBins)
	require.NoError(t, err)
	snap := testSnapshot(0, featureDay{
		"rsi14":       {-0.5, -2},   // RSI 25
		"dist_sma200": {0.05, 1.2},  // 5.1% above
		"rv20":        {0.02, 0.5},  // highest of the window
		"mom20":       {-0.01, 0.2}, // not salient
	})

	resp, err := NewBull(fake).Respond(t.Context(), Input{Snapshot: snap, Previous: bear, Steps: 4})
	require.NoError(t, err)
	assert.Equal(t,
		"Upside over the next 5 bars: expected highest high +1.8% from the last close (80% range +0.3% to +3.6%), after 4 steps, converged. "+
			"That move of 1.8% is larger than the bear's expected downside of 1.0%. "+
			"Supporting: RSI 25 (oversold); price 5.1% above its 200-day average. "+
			"Also notable: 20-day volatility 2.0% a day, in the top decile of the last 10 bars.",
		resp.Argument)
}

func TestBearArgument(t *testing.T) {
	// Downside mass all in [2%, 4%]: expected 3%, so the lowest low is 2.96% below the close,
	// and the 10th and 90th percentiles 2.2% and 3.8% become falls of 2.2% and 3.7%.
	fake := &fakeThinker{probs: []float64{0, 0, 0, 1}, edges: fourBins}
	snap := testSnapshot(0, featureDay{"rsi14": {0.44, 2.5}}) // RSI 72

	resp, err := NewBear(fake).Respond(t.Context(), Input{Snapshot: snap, Steps: 1})
	require.NoError(t, err)
	assert.Equal(t,
		"Downside over the next 5 bars: expected lowest low -3.0% from the last close (80% range -3.7% to -2.2%), after 1 step, not converged (final KL 0.0e+00). "+
			"Supporting: RSI 72 (overbought).",
		resp.Argument)
}

func TestTraderArgument(t *testing.T) {
	fake := &fakeThinker{probs: []float64{0.1, 0.2, 0.3, 0.4}, edges: fourBins}
	resp, err := NewTrader(fake).Respond(t.Context(), Input{Snapshot: testSnapshot(0, nil), Steps: 3})
	require.NoError(t, err)
	assert.Equal(t,
		"Return over the next 5 bars: expected close +1.0% from the last close (80% range -2.0% to +3.6%), P(gain) 70%, after 3 steps, converged. "+
			"No feature stands out.",
		resp.Argument)
}

func TestArgumentDeterministic(t *testing.T) {
	fake := &fakeThinker{probs: []float64{0.1, 0.2, 0.3, 0.4}, edges: fourBins}
	snap := testSnapshot(0.01, featureDay{"rsi14": {0.5, 2}, "vol_ratio": {0.9, 3}, "mom5": {0.06, 2}})
	in := Input{Snapshot: snap, Steps: 3}
	for _, agent := range []Agent{NewBull(fake), NewBear(fake), NewTrader(fake)} {
		a, err := agent.Respond(t.Context(), in)
		require.NoError(t, err)
		b, err := agent.Respond(t.Context(), in)
		require.NoError(t, err)
		assert.Equal(t, a.Argument, b.Argument, agent.Name())
	}
}
