package manager

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/traderlab/trader/agents"
	"github.com/traderlab/trader/debate"
	"github.com/traderlab/trader/graph"
	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/marketdata"
	"github.com/traderlab/trader/thinker"
)

// ErrNoThinker means RunSnapshot was called on a manager without a Thinker.
var ErrNoThinker = errors.New("manager has no thinker")

// DeepTraderManager runs the Bull/Bear debate and the Trader's decision for one symbol and date.
// Build it with New, or set every field: the zero value has no rounds or steps. A manager is
// safe for concurrent use when its Thinker is, as long as its fields are not changed meanwhile.
type DeepTraderManager struct {
	// Thinker serves every agent. Nil makes Run use a latent thinker over the bundle it is given.
	Thinker thinker.Thinker
	// Steps is the compute budget of each turn, researchers' and trader's alike. Default 16.
	Steps int
	// Rounds is the maximum number of debate rounds. Default 2.
	Rounds int
	// Handoff makes each turn after the first, the trader's included, start from the previous
	// speaker's latent state. Default true.
	Handoff bool
	// Tolerance stops the debate when a round moves both researchers' distributions by less
	// than this total variation distance; 0 plays every round. Default 0.01.
	Tolerance float64
	// Seed is the run seed; turn i uses debate.TurnSeed(Seed, i). Default 1.
	Seed uint64
	// Rule decides from the thoughts. Default DefaultDecisionRule().
	Rule DecisionRule
	// Observers receive the events of the graph the manager runs (see Graph); none by default.
	Observers []graph.Observer
	// Exit is every agent's exit rule when Thinker is a *thinker.Latent: with an adaptive rule,
	// the step budget becomes a maximum. Other thinkers ignore it. Default: fixed.
	Exit thinker.ExitRule
	// AgentExit overrides Exit for the agents it names (agents.BullName and so on).
	AgentExit map[string]thinker.ExitRule
	// Compute, when set, replaces Steps by a budget per agent and run from the market's
	// hardness (see ComputePolicy); nil gives every turn Steps.
	Compute *ComputePolicy
}

// New returns a manager with the documented defaults that thinks with th (nil: a latent thinker
// over the bundle given to Run).
func New(th thinker.Thinker) *DeepTraderManager {
	cfg := debate.DefaultConfig()
	return &DeepTraderManager{
		Thinker:   th,
		Steps:     cfg.Steps,
		Rounds:    cfg.Rounds,
		Handoff:   cfg.Handoff,
		Tolerance: cfg.Tolerance,
		Seed:      1,
		Rule:      DefaultDecisionRule(),
	}
}

// Run builds the snapshot of view for bundle's model and decides. view must come from an
// adjusted series (see thinker.NewSnapshot). The report's model is described by bundle.
func (m *DeepTraderManager) Run(ctx context.Context, view marketdata.View, bundle *latentmodel.Bundle) (*Report, error) {
	start := time.Now()
	snap, err := thinker.NewSnapshot(view, bundle)
	if err != nil {
		return nil, err
	}
	snapshotTime := time.Since(start)

	run := *m
	if run.Thinker == nil {
		run.Thinker = thinker.NewLatent(bundle)
	}
	model := ModelInfo{Name: bundle.Name, Parameters: bundle.Model.NumParams(), SHA256: bundle.SHA256}
	report, err := run.decide(ctx, snap, model)
	if err != nil {
		return nil, err
	}
	report.Timings = append([]Timing{{Phase: PhaseSnapshot, Duration: snapshotTime}}, report.Timings...)
	report.setTotal(time.Since(start))
	return report, nil
}

// RunSnapshot decides from a snapshot built by the caller, with model describing the weights
// for the report. It needs m.Thinker.
func (m *DeepTraderManager) RunSnapshot(ctx context.Context, snap *thinker.Snapshot, model ModelInfo) (*Report, error) {
	if m.Thinker == nil {
		return nil, fmt.Errorf("%w: set DeepTraderManager.Thinker or use Run with a model bundle", ErrNoThinker)
	}
	start := time.Now()
	report, err := m.decide(ctx, snap, model)
	if err != nil {
		return nil, err
	}
	report.setTotal(time.Since(start))
	return report, nil
}

// decide runs the default graph (see Graph) through a GraphManager.
func (m *DeepTraderManager) decide(ctx context.Context, snap *thinker.Snapshot, model ModelInfo) (*Report, error) {
	if err := m.Rule.Validate(); err != nil {
		return nil, err
	}
	if snap == nil {
		return nil, fmt.Errorf("%w: snapshot is nil", thinker.ErrInvalidRequest)
	}
	var alloc *Allocation
	if m.Compute != nil {
		var err error
		if alloc, err = m.Compute.Allocate(ctx, snap, m.Thinker, m.Seed); err != nil {
			return nil, err
		}
	}
	g, err := m.graph(alloc)
	if err != nil {
		return nil, err
	}
	gm := GraphManager{
		Graph: g,
		Seed:  m.Seed,
		Rule:  m.Rule,
		Settings: Settings{
			Thinker:   m.Thinker.Name(),
			Steps:     m.Steps,
			Rounds:    m.Rounds,
			Handoff:   m.Handoff,
			Tolerance: m.Tolerance,
			Exit:      m.exitSummary(),
		},
		Observers: m.Observers,
	}
	if alloc != nil {
		gm.Settings.Compute = "auto"
	}
	report, err := gm.decide(ctx, snap, model)
	if err != nil {
		return nil, err
	}
	report.Compute = alloc
	return report, nil
}

// exitRule returns the exit rule of the named agent.
func (m *DeepTraderManager) exitRule(agent string) thinker.ExitRule {
	if r, ok := m.AgentExit[agent]; ok {
		return r
	}
	return m.Exit
}

// exitSummary describes the exit rules for the report's settings, such as "kl:0.0005" or
// "bull=kl:0.0005 bear=fixed trader=fixed"; empty when every agent runs a fixed budget.
func (m *DeepTraderManager) exitSummary() string {
	names := []string{agents.BullName, agents.BearName, agents.TraderName}
	rules := make([]string, len(names))
	same, adaptive := true, false
	for i, n := range names {
		r := m.exitRule(n)
		rules[i] = r.String()
		same = same && rules[i] == rules[0]
		adaptive = adaptive || r.Adaptive()
	}
	switch {
	case !adaptive:
		return ""
	case same:
		return rules[0]
	}
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + "=" + rules[i]
	}
	return strings.Join(parts, " ")
}
