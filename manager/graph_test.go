package manager

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/traderlab/trader/debate"
	"github.com/traderlab/trader/graph"
	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/marketdata"
)

func TestManagerGraph(t *testing.T) {
	tests := []struct {
		handoff bool
		want    graph.Handoff
	}{
		{true, graph.All},
		{false, graph.Distribution | graph.Text},
	}
	for _, tt := range tests {
		m := New(&formula{})
		m.Handoff, m.Rounds, m.Tolerance = tt.handoff, 3, 0.2
		g, err := m.Graph()
		require.NoError(t, err)
		assert.Equal(t, "trader", g.Decision())
		assert.Equal(t, []graph.Edge{
			{From: "bull", To: "bear", Handoff: tt.want},
			{From: "bear", To: "bull", Handoff: tt.want},
			{From: "bear", To: "trader", Handoff: tt.want},
		}, g.Edges())
		assert.Equal(t, []graph.Loop{{Name: DebateLoop, Nodes: []string{"bull", "bear"}, Rounds: 3, Tolerance: 0.2}}, g.Loops())
	}
	m := New(&formula{})
	m.Rounds = 0
	_, err := m.Graph()
	assert.ErrorIs(t, err, debate.ErrInvalidConfig)
}

func TestManagerObservers(t *testing.T) {
	var mu sync.Mutex
	ended := map[string]int{}
	m := New(&formula{})
	m.Tolerance = 0
	m.Observers = []graph.Observer{func(e graph.Event) {
		if e.Kind == graph.NodeEnd {
			mu.Lock()
			ended[e.Node]++
			mu.Unlock()
		}
	}}
	_, err := m.RunSnapshot(t.Context(), handSnapshot(), ModelInfo{})
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"bull": 2, "bear": 2, "trader": 1}, ended)
}

func TestGraphManagerNoDecision(t *testing.T) {
	th := &formula{}
	b := graph.NewBuilder()
	require.NoError(t, b.AddNode(graph.Node{Name: "up", Question: latentmodel.Upside, Thinker: th, Steps: 2}))
	require.NoError(t, b.AddNode(graph.Node{Name: "trader", Question: latentmodel.Return, Thinker: th, Steps: 2}))
	require.NoError(t, b.AddEdge("up", "trader", graph.All))
	b.SetDecision("trader")
	g, err := b.Compile()
	require.NoError(t, err)

	gm := GraphManager{Graph: g, Seed: 1, Rule: DefaultDecisionRule()}
	_, err = gm.RunSnapshot(t.Context(), handSnapshot(), ModelInfo{})
	require.ErrorIs(t, err, ErrNoDecision)
	assert.Contains(t, err.Error(), `"trader"`)

	_, err = (&GraphManager{Rule: DefaultDecisionRule()}).RunSnapshot(t.Context(), handSnapshot(), ModelInfo{})
	assert.ErrorIs(t, err, graph.ErrInvalidGraph)
}

// TestRunCancelLatent cancels a run whose every turn would take millions of latent steps, 50 ms
// after the first turn has started, and expects Run to return within a generous bound.
func TestRunCancelLatent(t *testing.T) {
	bundle := tinyBundle(t)
	series := latentSeries(marketdata.FeatureWarmup + 40)
	view, err := series.AsOf(series.Bars[len(series.Bars)-1].Date)
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	m := New(nil)
	m.Steps = 10_000_000
	var once sync.Once
	m.Observers = []graph.Observer{func(e graph.Event) {
		if e.Kind == graph.NodeStart {
			once.Do(func() { time.AfterFunc(50*time.Millisecond, cancel) })
		}
	}}
	done := make(chan error, 1)
	go func() {
		_, err := m.Run(ctx, view, bundle)
		done <- err
	}()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
		assert.Contains(t, err.Error(), `"bull"`)
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return within 30 s of the cancellation")
	}
}
