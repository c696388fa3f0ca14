package manager

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	"github.com/traderlab/trader/agents"
	"github.com/traderlab/trader/debate"
	"github.com/traderlab/trader/graph"
	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/marketdata"
	"github.com/traderlab/trader/thinker"
)

// DebateLoop is the name of the Bull/Bear loop in the default graph.
const DebateLoop = "debate"

// ErrNoDecision means a graph run ended without the turns the decision rule needs: the
// decision node's return thought and an upside and a downside thought.
var ErrNoDecision = errors.New("graph gave no decision")

// Graph returns the graph m runs: a loop named DebateLoop in which the bull then the bear speak
// for up to m.Rounds rounds with m.Tolerance, then the trader as the decision node. Every edge
// (bull → bear, bear → bull, bear → trader) hands over distribution and text, and latent state
// when m.Handoff is set. Every node thinks with m.Thinker for m.Steps steps, under its exit rule
// (m.Exit, m.AgentExit) when m.Thinker is a *thinker.Latent. The budgets of m.Compute depend on
// the snapshot, so they apply in Run and RunSnapshot only. It returns an error wrapping
// debate.ErrInvalidConfig when the rounds, steps or tolerance are out of range.
func (m *DeepTraderManager) Graph() (*graph.Graph, error) { return m.graph(nil) }

// graph builds the default graph with the budgets of alloc, or m.Steps for every node when
// alloc is nil.
func (m *DeepTraderManager) graph(alloc *Allocation) (*graph.Graph, error) {
	cfg := debate.Config{Rounds: m.Rounds, Handoff: m.Handoff, Tolerance: m.Tolerance, Steps: m.Steps}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if m.Thinker == nil {
		return nil, fmt.Errorf("%w: set DeepTraderManager.Thinker or use Run with a model bundle", ErrNoThinker)
	}
	handoff := graph.Distribution | graph.Text
	if m.Handoff {
		handoff |= graph.State
	}
	b := graph.NewBuilder()
	for _, n := range []graph.Node{
		{Name: agents.BullName, Question: latentmodel.Upside},
		{Name: agents.BearName, Question: latentmodel.Downside},
		{Name: agents.TraderName, Question: latentmodel.Return},
	} {
		if err := m.exitRule(n.Name).Validate(); err != nil {
			return nil, fmt.Errorf("agent %s: %w", n.Name, err)
		}
		n.Thinker, n.Steps = m.Thinker, m.Steps
		if l, ok := m.Thinker.(*thinker.Latent); ok {
			n.Thinker = l.WithExit(m.exitRule(n.Name))
		}
		if alloc != nil {
			n.Steps = alloc.Budget(n.Name)
		}
		b.AddNode(n)
	}
	b.AddEdge(agents.BullName, agents.BearName, handoff)
	b.AddEdge(agents.BearName, agents.BullName, handoff)
	b.AddEdge(agents.BearName, agents.TraderName, handoff)
	b.AddLoop(graph.Loop{Name: DebateLoop, Nodes: []string{agents.BullName, agents.BearName}, Rounds: m.Rounds, Tolerance: m.Tolerance})
	b.SetDecision(agents.TraderName)
	return b.Compile()
}

// GraphManager runs any compiled graph on a snapshot and applies the decision rule to its
// decision node's thought and to the last upside and downside thoughts of the run. It is safe
// for concurrent use when its graph is, as long as its fields are not changed meanwhile.
type GraphManager struct {
	// Graph is the graph to run. Required.
	Graph *graph.Graph
	// Seed is the run seed; turn i uses debate.TurnSeed(Seed, i).
	Seed uint64
	// Rule decides from the thoughts. Use DefaultDecisionRule() for the documented defaults.
	Rule DecisionRule
	// Settings are recorded in the report as given, except Seed, which is set from Seed.
	Settings Settings
	// Observers receive the graph's events; see graph.Observer.
	Observers []graph.Observer
}

// Run builds the snapshot of view for bundle's model and runs the graph. view must come from an
// adjusted series (see thinker.NewSnapshot).
func (gm *GraphManager) Run(ctx context.Context, view marketdata.View, bundle *latentmodel.Bundle) (*Report, error) {
	start := time.Now()
	snap, err := thinker.NewSnapshot(view, bundle)
	if err != nil {
		return nil, err
	}
	snapshotTime := time.Since(start)
	model := ModelInfo{Name: bundle.Name, Parameters: bundle.Model.NumParams(), SHA256: bundle.SHA256}
	report, err := gm.decide(ctx, snap, model)
	if err != nil {
		return nil, err
	}
	report.Timings = append([]Timing{{Phase: PhaseSnapshot, Duration: snapshotTime}}, report.Timings...)
	report.setTotal(time.Since(start))
	return report, nil
}

// RunSnapshot runs the graph on a snapshot built by the caller, with model describing the
// weights for the report.
func (gm *GraphManager) RunSnapshot(ctx context.Context, snap *thinker.Snapshot, model ModelInfo) (*Report, error) {
	start := time.Now()
	report, err := gm.decide(ctx, snap, model)
	if err != nil {
		return nil, err
	}
	report.setTotal(time.Since(start))
	return report, nil
}

// decide runs the graph and the decision rule. PhaseDebate times every turn before the decision
// node's, PhaseTrader the decision node's turn and the rule.
func (gm *GraphManager) decide(ctx context.Context, snap *thinker.Snapshot, model ModelInfo) (*Report, error) {
	if gm.Graph == nil {
		return nil, fmt.Errorf("%w: GraphManager.Graph is nil; compile one with graph.Builder", graph.ErrInvalidGraph)
	}
	if err := gm.Rule.Validate(); err != nil {
		return nil, err
	}
	if snap == nil {
		return nil, fmt.Errorf("%w: snapshot is nil", thinker.ErrInvalidRequest)
	}
	settings := gm.Settings
	settings.Seed = gm.Seed
	log := zerolog.Ctx(ctx)
	log.Info().Str("ticker", snap.Symbol).Str("as_of", marketdata.FormatDate(snap.AsOf)).
		Str("thinker", settings.Thinker).Int("steps", settings.Steps).Int("rounds", settings.Rounds).
		Bool("handoff", settings.Handoff).Uint64("seed", settings.Seed).Msg("decision run started")

	start := time.Now()
	decisionNode := gm.Graph.Decision()
	var decisionStart time.Time
	opts := []graph.RunOption{graph.WithObserver(func(e graph.Event) {
		if e.Kind == graph.NodeStart && e.Node == decisionNode {
			decisionStart = time.Now()
		}
		if e.Kind == graph.NodeEnd {
			log.Debug().Str("agent", e.Node).Int("round", e.Round).Int("steps", e.Turn.Thought.Steps).
				Bool("converged", e.Turn.Thought.Converged).Bool("warm_start", e.Turn.Thought.WarmStarted).
				Float64("expected", e.Turn.Thought.Expected).Msg("graph turn")
		}
	})}
	for _, o := range gm.Observers {
		opts = append(opts, graph.WithObserver(o))
	}
	res, err := gm.Graph.Run(ctx, snap, gm.Seed, opts...)
	if err != nil {
		return nil, err
	}
	if res.Decision == nil {
		return nil, fmt.Errorf("%w: node %q did not run", ErrNoDecision, decisionNode)
	}
	bull, bear := res.Latest(latentmodel.Upside), res.Latest(latentmodel.Downside)
	if bull == nil || bear == nil {
		return nil, fmt.Errorf("%w: the rule needs an upside and a downside node before %q; add them to the graph", ErrNoDecision, decisionNode)
	}
	decision, err := gm.Rule.Decide(res.Decision.Thought, bull.Thought, bear.Thought)
	if err != nil {
		return nil, fmt.Errorf("node %q: %w", decisionNode, err)
	}
	end := time.Now()
	if decisionStart.IsZero() {
		decisionStart = end
	}
	report := &Report{
		Ticker:   snap.Symbol,
		AsOf:     snap.AsOf,
		Horizon:  snap.Horizon,
		Decision: decision,
		Turns:    res.Turns,
		Stop:     debate.StopRounds,
		Settings: settings,
		Model:    model,
		Timings: []Timing{
			{Phase: PhaseDebate, Duration: decisionStart.Sub(start)},
			{Phase: PhaseTrader, Duration: end.Sub(decisionStart)},
		},
	}
	if len(res.Loops) > 0 {
		first := res.Loops[0]
		report.Rounds, report.Stop, report.Changes = first.Rounds, first.Stop, first.Changes
	}
	log.Info().Str("ticker", snap.Symbol).Str("action", string(decision.Action)).
		Float64("position", decision.Position).Float64("confidence", decision.Confidence).
		Int("rounds", report.Rounds).Str("stop", string(report.Stop)).
		Msg("decision run finished")
	return report, nil
}
