package graph

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/traderlab/trader/agents"
	"github.com/traderlab/trader/debate"
	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

func mustBuild(t *testing.T, parts ...part) *Graph {
	t.Helper()
	g, err := build(parts...)
	require.NoError(t, err)
	return g
}

// withoutDurations zeroes the wall times so two results can be compared.
func withoutDurations(r *Result) *Result {
	for i := range r.Turns {
		r.Turns[i].Duration = 0
	}
	if r.Decision != nil {
		r.Decision.Duration = 0
	}
	return r
}

// TestRunMatchesDebate checks the default graph against debate.Coordinator followed by the
// trader's turn, as the manager ran them before it used graphs.
func TestRunMatchesDebate(t *testing.T) {
	for _, handoff := range []bool{true, false} {
		h := Distribution | Text
		if handoff {
			h = All
		}
		th := &fake{}
		parts := []part{
			node("bull", latentmodel.Upside, th), node("bear", latentmodel.Downside, th), node("trader", latentmodel.Return, th),
			edge("bull", "bear", h), edge("bear", "bull", h), edge("bear", "trader", h),
			loop("debate", 3, "bull", "bear"), decide("trader"),
		}
		res, err := mustBuild(t, parts...).Run(t.Context(), snapshot(), 5)
		require.NoError(t, err)

		ref := &fake{}
		cfg := debate.Config{Rounds: 3, Handoff: handoff, Steps: 2}
		c, err := debate.NewCoordinator(cfg, agents.NewBull(ref), agents.NewBear(ref))
		require.NoError(t, err)
		tr, err := c.Run(t.Context(), snapshot(), 5)
		require.NoError(t, err)
		in := agents.Input{Snapshot: snapshot(), Previous: tr.Last().Thought, WarmStart: handoff, Transcript: tr.Messages(), Steps: 2, Seed: debate.TurnSeed(5, len(tr.Turns))}
		resp, err := agents.NewTrader(ref).Respond(t.Context(), in)
		require.NoError(t, err)

		require.Len(t, res.Turns, len(tr.Turns)+1)
		for i, want := range tr.Turns {
			got := res.Turns[i]
			assert.Equal(t, want.Index, got.Index)
			assert.Equal(t, want.Round, got.Round)
			assert.Equal(t, want.Agent, got.Agent)
			assert.Equal(t, want.Seed, got.Seed)
			assert.Equal(t, want.Thought, got.Thought, "turn %d", i)
			assert.Equal(t, want.Argument, got.Argument, "turn %d", i)
		}
		assert.Equal(t, resp.Thought, res.Decision.Thought)
		assert.Equal(t, resp.Argument, res.Decision.Argument)
		assert.Equal(t, ref.requests, th.requests, "every request, transcripts included")
		require.Len(t, res.Loops, 1)
		assert.Equal(t, LoopResult{Name: "debate", Rounds: tr.Rounds, Stop: tr.Stop, Changes: tr.Changes}, res.Loops[0])
	}
}

// fanOut is three analysts that run in parallel, a bull ⇄ bear loop and the trader.
func fanOut(analyst, rest thinker.Thinker) []part {
	return []part{
		node("momentum", latentmodel.Return, analyst),
		node("volatility", latentmodel.Downside, analyst),
		node("breakout", latentmodel.Upside, analyst),
		node("bull", latentmodel.Upside, rest),
		node("bear", latentmodel.Downside, rest),
		node("trader", latentmodel.Return, rest),
		edge("momentum", "bull", Distribution|Text),
		edge("volatility", "bull", Distribution|Text),
		edge("breakout", "bull", Distribution|Text),
		edge("bull", "bear", All),
		edge("bear", "bull", All),
		edge("bear", "trader", All),
		loop("debate", 2, "bull", "bear"),
		decide("trader"),
	}
}

func TestRunFanOutConcurrent(t *testing.T) {
	// Each analyst's call blocks until all three have started, so the run finishes only when
	// they run at the same time; the deadline turns a sequential run into a failure.
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	res, err := mustBuild(t, fanOut(newBarrier(3), &fake{})...).Run(ctx, snapshot(), 1)
	require.NoError(t, err)
	var names []string
	for i, turn := range res.Turns {
		assert.Equal(t, i, turn.Index)
		names = append(names, turn.Agent)
	}
	assert.Equal(t, []string{"momentum", "volatility", "breakout", "bull", "bear", "bull", "bear", "trader"}, names)
}

func TestRunFanInDeterministic(t *testing.T) {
	run := func() *Result {
		res, err := mustBuild(t, fanOut(&fake{}, &fake{})...).Run(t.Context(), snapshot(), 9)
		require.NoError(t, err)
		return withoutDurations(res)
	}
	first := run()
	for range 5 {
		assert.Equal(t, first, run())
	}
	// The bull's first turn hears the analysts in declaration order and argues against the
	// latest of them.
	th := &fake{}
	_, err := mustBuild(t, fanOut(th, th)...).Run(t.Context(), snapshot(), 9)
	require.NoError(t, err)
	bull := th.requestsFor(latentmodel.Upside)
	require.Len(t, bull, 3)
	var speakers []string
	for _, m := range bull[1].Transcript {
		speakers = append(speakers, m.Speaker)
	}
	assert.Equal(t, []string{"momentum", "volatility", "breakout"}, speakers)
	assert.Nil(t, bull[1].Handoff, "analyst edges hand over no state")
}

func TestRunParallelLoops(t *testing.T) {
	th := &fake{}
	g := mustBuild(t,
		node("a1", latentmodel.Upside, th), node("a2", latentmodel.Downside, th),
		node("b1", latentmodel.Upside, th), node("b2", latentmodel.Downside, th),
		node("t", latentmodel.Return, th),
		edge("a1", "a2", All), edge("a2", "a1", All), edge("b1", "b2", All), edge("b2", "b1", All),
		edge("a2", "t", Text), edge("b2", "t", All),
		func(b *Builder) { b.AddLoop(Loop{Name: "a", Nodes: []string{"a1", "a2"}, Rounds: 3, Tolerance: 1}) },
		loop("b", 2, "b1", "b2"),
		decide("t"),
	)
	res, err := g.Run(t.Context(), snapshot(), 1)
	require.NoError(t, err)
	// Loop a keeps indices 0-5 but converges after 2 rounds (tolerance 1); loop b follows at 6.
	var indices []int
	for _, turn := range res.Turns {
		indices = append(indices, turn.Index)
	}
	assert.Equal(t, []int{0, 1, 2, 3, 6, 7, 8, 9, 10}, indices)
	assert.Equal(t, debate.StopConverged, res.Loops[0].Stop)
	assert.Equal(t, 2, res.Loops[0].Rounds)
	assert.Equal(t, "t", res.Decision.Agent)
	assert.Equal(t, debate.TurnSeed(1, 10), res.Decision.Seed)
	assert.Equal(t, "b2", res.Latest(latentmodel.Downside).Agent)
}

func TestRunCancel(t *testing.T) {
	th := &blocking{q: latentmodel.Downside, started: make(chan struct{})}
	g := mustBuild(t, fanOut(th, th)...)
	ctx, cancel := context.WithCancel(t.Context())
	type outcome struct {
		res *Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := g.Run(ctx, snapshot(), 1)
		done <- outcome{res, err}
	}()
	<-th.started
	cancel()
	select {
	case o := <-done:
		require.ErrorIs(t, o.err, context.Canceled)
		require.NotNil(t, o.res)
		var names []string
		for _, turn := range o.res.Turns {
			names = append(names, turn.Agent)
		}
		assert.NotContains(t, names, "volatility")
		assert.NotContains(t, names, "trader")
		assert.Nil(t, o.res.Decision)
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10 s of the cancellation")
	}
}

func TestRunNodeFailure(t *testing.T) {
	failure := errors.New("model exploded")
	tests := []struct {
		name     string
		question thinker.Question
		node     string
	}{
		{"analyst", latentmodel.Return, `"momentum"`},
		{"loop member", latentmodel.Downside, `"bear"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			analyst := thinker.Thinker(&fake{})
			rest := thinker.Thinker(&failing{q: tt.question, err: failure})
			if tt.question == latentmodel.Return {
				analyst, rest = rest, &fake{}
			}
			res, err := mustBuild(t, fanOut(analyst, rest)...).Run(t.Context(), snapshot(), 1)
			require.ErrorIs(t, err, failure)
			assert.Contains(t, err.Error(), tt.node)
			require.NotNil(t, res)
			assert.Nil(t, res.Decision)
		})
	}
}

func TestRunEvents(t *testing.T) {
	var mu sync.Mutex
	seen := map[string][]EventKind{}
	observe := func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		seen[e.Node] = append(seen[e.Node], e.Kind)
		if e.Kind == NodeEnd {
			assert.Equal(t, e.Node, e.Turn.Agent)
		}
	}
	g := mustBuild(t, fanOut(&fake{}, &failing{q: latentmodel.Return, err: errors.New("no")})...)
	_, err := g.Run(t.Context(), snapshot(), 1, WithObserver(observe))
	require.Error(t, err)
	oneTurn := []EventKind{NodeStart, NodeStep, NodeStep, NodeEnd}
	assert.Equal(t, oneTurn, seen["momentum"])
	assert.Equal(t, append(oneTurn, oneTurn...), seen["bull"])
	assert.Equal(t, []EventKind{NodeStart, NodeError}, seen["trader"])
}

func TestRunNilSnapshot(t *testing.T) {
	_, err := mustBuild(t, debateParts(&fake{})...).Run(t.Context(), nil, 1)
	assert.ErrorIs(t, err, thinker.ErrInvalidRequest)
}
