package thinker

import (
	"context"
	"fmt"

	"github.com/rs/zerolog"

	"github.com/traderlab/trader/latentmodel"
)

// Latent thinks with the embedded recurrent-depth model: it runs the model's recurrent core for
// up to Request.Steps steps on the snapshot's window, stopping earlier when its Exit rule fires,
// and reads the question's distribution for the last day.
//
// A Latent is safe for concurrent use because it never modifies its bundle and each call of the
// model's Think keeps its activations to itself.
type Latent struct {
	// Bundle is the model with its feature statistics and bin edges. Required.
	Bundle *latentmodel.Bundle
	// ConvergenceKL is the KL divergence, in nats, between the last two steps below which a
	// Thought counts as converged. Zero means DefaultConvergenceKL.
	ConvergenceKL float64
	// Exit may stop a thought before Request.Steps, which is then the maximum. The zero rule
	// runs every step.
	Exit ExitRule
}

var (
	_ Thinker     = (*Latent)(nil)
	_ StateSharer = (*Latent)(nil)
)

// NewLatent returns a latent thinker over bundle with the default convergence tolerance.
func NewLatent(bundle *latentmodel.Bundle) *Latent { return &Latent{Bundle: bundle} }

// Name returns "latent:" followed by the bundle's name.
func (l *Latent) Name() string { return "latent:" + l.Bundle.Name }

// AcceptsState reports whether t carries a latent state from the same weights and width.
func (l *Latent) AcceptsState(t *Thought) bool {
	return t != nil && t.State != nil &&
		t.State.Model == l.Bundle.SHA256 &&
		t.State.Width == l.Bundle.Model.Config.Width &&
		len(t.State.Data) == t.State.Days*t.State.Width
}

// WithExit returns a copy of l that stops by rule.
func (l *Latent) WithExit(rule ExitRule) *Latent {
	c := *l
	c.Exit = rule
	return &c
}

// Think runs the model for up to req.Steps recurrent steps, fewer when l.Exit fires; the
// Thought's Budget, Steps and ExitReason record which. It starts from req.Handoff's state when
// AcceptsState accepts it and the state covers as many days as req.Snapshot, and from a random
// state drawn from req.Seed otherwise (logging a warning when a hand-off was refused). It checks
// ctx between steps and returns ctx.Err() when ctx is cancelled.
func (l *Latent) Think(ctx context.Context, req Request) (*Thought, error) {
	if err := l.check(req); err != nil {
		return nil, err
	}
	snap := req.Snapshot
	cfg := l.Bundle.Model.Config

	if err := l.Exit.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidRequest, l.Name(), err)
	}
	reason := ExitFixed
	if l.Exit.Adaptive() {
		reason = ExitMaxSteps
	}
	opt := latentmodel.ThinkOptions{
		Steps: req.Steps,
		Seed:  req.Seed,
		OnStep: func(st latentmodel.StepTrace) bool {
			if ctx.Err() != nil {
				return false
			}
			if r, stop := l.Exit.Stop(Step{Step: st.Step, KL: st.KL, RelChange: st.RelChange}); stop {
				reason = r
				return false
			}
			return true
		},
	}
	if req.Handoff != nil {
		if l.AcceptsState(req.Handoff) && req.Handoff.State.Days == snap.Days {
			// Copy so the model cannot alias the earlier thought's state.
			opt.InitState = append([]float32(nil), req.Handoff.State.Data...)
		} else {
			zerolog.Ctx(ctx).Warn().
				Str("thinker", l.Name()).
				Stringer("question", req.Question).
				Bool("has_state", req.Handoff.State != nil).
				Msg("hand-off state not compatible with this model or window; starting from a random state")
		}
	}

	out, err := l.Bundle.Model.Think(snap.X, snap.Days, req.Question, opt)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s %s of %s: %w", l.Name(), req.Question, snap.Symbol, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s of %s: %w", l.Name(), req.Question, snap.Symbol, err)
	}

	t, err := NewThought(req.Question, toFloat64(out.Probs), l.Bundle.BinEdges[req.Question])
	if err != nil {
		return nil, fmt.Errorf("%s %s of %s: model output: %w", l.Name(), req.Question, snap.Symbol, err)
	}
	t.Thinker = l.Name()
	t.Steps = out.Steps
	t.Budget = req.Steps
	t.ExitReason = reason
	t.WarmStarted = opt.InitState != nil
	t.State = &State{Model: l.Bundle.SHA256, Width: cfg.Width, Days: snap.Days, Data: out.State}
	t.Trace = make([]Step, len(out.Trace))
	for i, st := range out.Trace {
		t.Trace[i] = Step{
			Step:      st.Step,
			Probs:     normalize(toFloat64(st.Probs)),
			KL:        st.KL,
			RelChange: st.RelChange,
			Entropy:   st.Entropy,
		}
	}
	if n := len(t.Trace); n > 0 {
		t.FinalKL = t.Trace[n-1].KL
	}
	t.Converged = t.Steps >= 2 && t.FinalKL < l.convergenceKL()

	zerolog.Ctx(ctx).Debug().
		Str("thinker", l.Name()).
		Stringer("question", req.Question).
		Int("steps", t.Steps).
		Int("budget", t.Budget).
		Str("exit", string(t.ExitReason)).
		Float64("final_kl", t.FinalKL).
		Bool("warm_start", t.WarmStarted).
		Msg("latent thought")
	return t, nil
}

func (l *Latent) check(req Request) error {
	if l.Bundle == nil || l.Bundle.Model == nil {
		return fmt.Errorf("%w: latent thinker has no model bundle; build it with NewLatent", ErrInvalidRequest)
	}
	if err := req.Validate(); err != nil {
		return err
	}
	snap := req.Snapshot
	cfg := l.Bundle.Model.Config
	if snap.Model != l.Bundle.SHA256 {
		return fmt.Errorf("%w: snapshot of %s was standardized for weights %.12s, this thinker runs weights %.12s; build the snapshot with the same bundle",
			ErrInvalidRequest, snap.Symbol, snap.Model, l.Bundle.SHA256)
	}
	if snap.NumFeatures() != cfg.Features {
		return fmt.Errorf("%w: snapshot of %s has %d features per day, the model reads %d", ErrInvalidRequest, snap.Symbol, snap.NumFeatures(), cfg.Features)
	}
	if snap.Days > cfg.Window {
		return fmt.Errorf("%w: snapshot of %s has %d days, the model window is %d", ErrInvalidRequest, snap.Symbol, snap.Days, cfg.Window)
	}
	return nil
}

func (l *Latent) convergenceKL() float64 {
	if l.ConvergenceKL > 0 {
		return l.ConvergenceKL
	}
	return DefaultConvergenceKL
}

func toFloat64(p []float32) []float64 {
	out := make([]float64, len(p))
	for i, v := range p {
		out[i] = float64(v)
	}
	return out
}
