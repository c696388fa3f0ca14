package thinker

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/latentmodel"
)

// latentFixture returns a latent thinker over a tiny untrained model and a snapshot for it.
func latentFixture(t *testing.T) (*Latent, *Snapshot) {
	t.Helper()
	bundle := testBundle(t, "sha-a")
	snap, err := NewSnapshot(lastView(t, syntheticSeries(300, 5)), bundle)
	require.NoError(t, err)
	return NewLatent(bundle), snap
}

func TestLatentThink(t *testing.T) {
	l, snap := latentFixture(t)
	th, err := l.Think(t.Context(), Request{Question: latentmodel.Upside, Snapshot: snap, Steps: 6, Seed: 1})
	require.NoError(t, err)
	require.NoError(t, th.Validate())

	assert.Equal(t, latentmodel.Upside, th.Question)
	assert.Equal(t, "latent:tiny", th.Thinker)
	assert.Equal(t, 6, th.Steps)
	assert.Len(t, th.Probs, 8)
	assert.Equal(t, l.Bundle.BinEdges[latentmodel.Upside], th.BinEdges)
	assert.False(t, th.WarmStarted)
	require.Len(t, th.Trace, 6)
	for i, step := range th.Trace {
		assert.Equal(t, i+1, step.Step)
		assert.Len(t, step.Probs, 8)
	}
	assert.Equal(t, th.Probs, th.Trace[5].Probs, "the answer is the last step's distribution")
	assert.Equal(t, th.Trace[5].KL, th.FinalKL)
	assert.Equal(t, th.FinalKL < DefaultConvergenceKL, th.Converged)

	require.NotNil(t, th.State)
	assert.Equal(t, State{Model: "sha-a", Width: 16, Days: snap.Days}, State{Model: th.State.Model, Width: th.State.Width, Days: th.State.Days})
	assert.Len(t, th.State.Data, snap.Days*16)
	assert.Empty(t, th.Text)
	assert.Zero(t, th.Usage.Total())
}

func TestLatentDeterministic(t *testing.T) {
	l, snap := latentFixture(t)
	req := Request{Question: latentmodel.Return, Snapshot: snap, Steps: 4, Seed: 9}
	a, err := l.Think(t.Context(), req)
	require.NoError(t, err)
	b, err := l.Think(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, a, b)

	req.Seed = 10
	c, err := l.Think(t.Context(), req)
	require.NoError(t, err)
	assert.NotEqual(t, a.State.Data, c.State.Data, "another seed draws another initial state")
}

func TestLatentConvergence(t *testing.T) {
	l, snap := latentFixture(t)
	one, err := l.Think(t.Context(), Request{Question: latentmodel.Return, Snapshot: snap, Steps: 1, Seed: 1})
	require.NoError(t, err)
	assert.False(t, one.Converged, "a single step cannot show convergence")
	assert.Zero(t, one.FinalKL)

	l.ConvergenceKL = 1e9
	many, err := l.Think(t.Context(), Request{Question: latentmodel.Return, Snapshot: snap, Steps: 3, Seed: 1})
	require.NoError(t, err)
	assert.True(t, many.Converged, "any KL is below a huge tolerance")
}

func TestLatentHandoff(t *testing.T) {
	l, snap := latentFixture(t)
	first, err := l.Think(t.Context(), Request{Question: latentmodel.Upside, Snapshot: snap, Steps: 3, Seed: 1})
	require.NoError(t, err)
	require.True(t, l.AcceptsState(first))

	warm, err := l.Think(t.Context(), Request{Question: latentmodel.Downside, Snapshot: snap, Steps: 3, Seed: 2, Handoff: first})
	require.NoError(t, err)
	assert.True(t, warm.WarmStarted)

	cold, err := l.Think(t.Context(), Request{Question: latentmodel.Downside, Snapshot: snap, Steps: 3, Seed: 2})
	require.NoError(t, err)
	assert.NotEqual(t, cold.Probs, warm.Probs, "a warm start must change the result")

	// The seed only matters for a cold start.
	warmOtherSeed, err := l.Think(t.Context(), Request{Question: latentmodel.Downside, Snapshot: snap, Steps: 3, Seed: 3, Handoff: first})
	require.NoError(t, err)
	assert.Equal(t, warm.Probs, warmOtherSeed.Probs)

	tests := []struct {
		name   string
		mutate func(*State)
	}{
		{"other model", func(s *State) { s.Model = "sha-b" }},
		{"other width", func(s *State) { s.Width = 8; s.Days *= 2 }},
		{"other days", func(s *State) { s.Days /= 2; s.Data = s.Data[:s.Days*s.Width] }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := *first.State
			tt.mutate(&state)
			handoff := *first
			handoff.State = &state
			th, err := l.Think(t.Context(), Request{Question: latentmodel.Downside, Snapshot: snap, Steps: 3, Seed: 2, Handoff: &handoff})
			require.NoError(t, err)
			assert.False(t, th.WarmStarted)
			assert.Equal(t, cold.Probs, th.Probs, "an unusable hand-off falls back to the cold start of the same seed")
		})
	}

	assert.False(t, l.AcceptsState(nil))
	assert.False(t, l.AcceptsState(&Thought{}), "a thought without state")
}

func TestLatentRejects(t *testing.T) {
	l, snap := latentFixture(t)
	other := *snap
	other.Model = "sha-b"
	long := *snap
	long.Days = testWindow + 1
	long.X = make([]float32, long.Days*len(snap.FeatureNames))
	long.Raw = make([][]float64, long.Days)
	for i := range long.Raw {
		long.Raw[i] = make([]float64, len(snap.FeatureNames))
	}

	tests := []struct {
		name string
		req  Request
	}{
		{"no snapshot", Request{Question: latentmodel.Return, Steps: 1}},
		{"zero steps", Request{Question: latentmodel.Return, Snapshot: snap}},
		{"unknown question", Request{Question: latentmodel.Question(7), Snapshot: snap, Steps: 1}},
		{"other weights", Request{Question: latentmodel.Return, Snapshot: &other, Steps: 1}},
		{"window too long", Request{Question: latentmodel.Return, Snapshot: &long, Steps: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := l.Think(t.Context(), tt.req)
			assert.ErrorIs(t, err, ErrInvalidRequest)
		})
	}
}

func TestLatentCancelled(t *testing.T) {
	l, snap := latentFixture(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := l.Think(ctx, Request{Question: latentmodel.Return, Snapshot: snap, Steps: 50, Seed: 1})
	assert.ErrorIs(t, err, context.Canceled)
}

// BenchmarkLatentThink measures one 16-step thought of an untrained model of the default shape
// on a full 64-day window.
func BenchmarkLatentThink(b *testing.B) {
	cfg := latentmodel.DefaultConfig()
	model, err := latentmodel.New(cfg, 1)
	require.NoError(b, err)
	bundle := testBundle(b, "sha-bench")
	bundle.Model = model
	for q := range bundle.BinEdges {
		edges := make([]float64, cfg.Bins+1)
		for k := range edges {
			edges[k] = -0.1 + 0.2*float64(k)/float64(cfg.Bins)
		}
		bundle.BinEdges[q] = edges
	}
	snap, err := NewSnapshot(lastView(b, syntheticSeries(400, 1)), bundle)
	require.NoError(b, err)
	l := NewLatent(bundle)
	req := Request{Question: latentmodel.Return, Snapshot: snap, Steps: 16, Seed: 1}

	for b.Loop() {
		if _, err := l.Think(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}
