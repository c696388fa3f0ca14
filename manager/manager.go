package manager

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/traderlab/trader/agents"
	"github.com/traderlab/trader/debate"
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

// decide runs the debate, the trader's turn and the decision rule.
func (m *DeepTraderManager) decide(ctx context.Context, snap *thinker.Snapshot, model ModelInfo) (*Report, error) {
	if err := m.Rule.Validate(); err != nil {
		return nil, err
	}
	if snap == nil {
		return nil, fmt.Errorf("%w: snapshot is nil", thinker.ErrInvalidRequest)
	}
	log := zerolog.Ctx(ctx)
	log.Info().Str("ticker", snap.Symbol).Str("as_of", marketdata.FormatDate(snap.AsOf)).
		Str("thinker", m.Thinker.Name()).Int("steps", m.Steps).Int("rounds", m.Rounds).
		Bool("handoff", m.Handoff).Uint64("seed", m.Seed).Msg("decision run started")

	cfg := debate.Config{Rounds: m.Rounds, Handoff: m.Handoff, Tolerance: m.Tolerance, Steps: m.Steps}
	bull, bear, trader := agents.NewBull(m.Thinker), agents.NewBear(m.Thinker), agents.NewTrader(m.Thinker)
	coordinator, err := debate.NewCoordinator(cfg, bull, bear)
	if err != nil {
		return nil, err
	}

	debateStart := time.Now()
	transcript, err := coordinator.Run(ctx, snap, m.Seed)
	if err != nil {
		return nil, err
	}
	debateTime := time.Since(debateStart)

	traderStart := time.Now()
	last := transcript.Last()
	index := len(transcript.Turns)
	in := agents.Input{
		Snapshot:   snap,
		Previous:   last.Thought,
		WarmStart:  m.Handoff,
		Transcript: transcript.Messages(),
		Steps:      m.Steps,
		Seed:       debate.TurnSeed(m.Seed, index),
	}
	resp, err := trader.Respond(ctx, in)
	if err != nil {
		return nil, err
	}
	traderTurn := debate.Turn{
		Index:    index,
		Agent:    trader.Name(),
		Question: trader.Question(),
		Seed:     in.Seed,
		Thought:  resp.Thought,
		Argument: resp.Argument,
		Duration: time.Since(traderStart),
	}

	decision, err := m.Rule.Decide(resp.Thought, transcript.LastBy(bull.Name()).Thought, transcript.LastBy(bear.Name()).Thought)
	if err != nil {
		return nil, err
	}
	traderTime := time.Since(traderStart)

	log.Info().Str("ticker", snap.Symbol).Str("action", string(decision.Action)).
		Float64("position", decision.Position).Float64("confidence", decision.Confidence).
		Int("rounds", transcript.Rounds).Str("stop", string(transcript.Stop)).
		Msg("decision run finished")

	return &Report{
		Ticker:   snap.Symbol,
		AsOf:     snap.AsOf,
		Horizon:  snap.Horizon,
		Decision: decision,
		Turns:    append(transcript.Turns, traderTurn),
		Rounds:   transcript.Rounds,
		Stop:     transcript.Stop,
		Changes:  transcript.Changes,
		Settings: Settings{
			Thinker:   m.Thinker.Name(),
			Steps:     m.Steps,
			Rounds:    m.Rounds,
			Handoff:   m.Handoff,
			Tolerance: m.Tolerance,
			Seed:      m.Seed,
		},
		Model: model,
		Timings: []Timing{
			{Phase: PhaseDebate, Duration: debateTime},
			{Phase: PhaseTrader, Duration: traderTime},
		},
	}, nil
}
