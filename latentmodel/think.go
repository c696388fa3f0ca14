package latentmodel

import (
	"errors"
	"fmt"
	"math"
)

// ErrInvalidInput is wrapped by errors about a window, question or option that a model cannot
// use.
var ErrInvalidInput = errors.New("invalid model input")

// ThinkOptions are the per-call settings of Think.
type ThinkOptions struct {
	// Steps is the number of core steps r to run, at least 1.
	Steps int
	// InitState, when set, is the initial state s0 [days·width], for example another call's
	// Output.State (a warm start). It is copied as it is: the last core state is not normalized,
	// and the adapter is trained on states of that scale. Nil means a random s0 from Seed.
	InitState []float32
	// Seed selects the random s0 when InitState is nil.
	Seed uint64
	// OnStep, when set, is called after every step with that step's trace; returning false
	// stops the recurrence after that step.
	OnStep func(StepTrace) bool
}

// StepTrace describes one core step of Think.
type StepTrace struct {
	Step  int       // 1 for the first step
	Probs []float32 // [bins] distribution for the last day after this step
	// KL is KL(p_{i−1} ‖ p_i) in nats between the previous and this step's distribution; 0 at
	// step 1.
	KL float64
	// RelChange is ‖s_i − s_{i−1}‖ / ‖s_i‖ over the whole state [days, width].
	RelChange float64
	// Entropy is the entropy of Probs in nats.
	Entropy float64
}

// Output is the result of Think.
type Output struct {
	Probs []float32   // [bins] last day's distribution after the last step run
	State []float32   // [days·width] last core state s_r, before the final norm
	Steps int         // core steps run
	Trace []StepTrace // one per step run
}

// Think runs the model on one window and returns the last day's distribution for question q.
// x is [days·features], standardized; 1 <= days <= Window.
func (m *Model) Think(x []float32, days int, q Question, opt ThinkOptions) (Output, error) {
	if err := m.checkInput(x, days, q, opt.Steps); err != nil {
		return Output{}, err
	}
	w := m.Config.Width
	if opt.InitState != nil && len(opt.InitState) != days*w {
		return Output{}, fmt.Errorf("%w: InitState has %d values, expected days·width = %d·%d (pass the State of a call on a window of the same length)",
			ErrInvalidInput, len(opt.InitState), days, w)
	}
	ps := m.newPass(days)
	defer m.done(ps)

	inj := ps.encode(x, q)
	s := ps.ar.alloc(days * w)    // [days, width] current state
	prev := ps.ar.alloc(days * w) // [days, width] state before the current step
	if opt.InitState != nil {
		copy(s, opt.InitState)
	} else {
		randomState(m.Config, s, opt.Seed)
	}

	st := ps.newStepActs()
	h := ps.newHeadActs()
	var out Output
	for i := 1; i <= opt.Steps; i++ {
		copy(prev, s)
		copy(s, ps.coreStep(prev, inj, st))
		probs := ps.headLast(s, q, h)

		tr := StepTrace{Step: i, Probs: append([]float32(nil), probs...), Entropy: entropy(probs), RelChange: relChange(s, prev)}
		if i > 1 {
			tr.KL = klDivergence(out.Trace[i-2].Probs, probs)
		}
		out.Trace = append(out.Trace, tr)
		out.Steps = i
		if opt.OnStep != nil && !opt.OnStep(tr) {
			break
		}
	}
	out.Probs = append([]float32(nil), out.Trace[len(out.Trace)-1].Probs...)
	out.State = append([]float32(nil), s...)
	return out, nil
}

// Predict returns the distribution of every day [days][bins] after steps core steps from the
// random s0 of seed. Each day sees only itself and earlier days, so row i equals the last row of
// Think on the window cut after day i, given the same state.
func (m *Model) Predict(x []float32, days int, q Question, steps int, seed uint64) ([][]float32, error) {
	if err := m.checkInput(x, days, q, steps); err != nil {
		return nil, err
	}
	w, bins := m.Config.Width, m.Config.Bins
	ps := m.newPass(days)
	defer m.done(ps)

	inj := ps.encode(x, q)
	s := ps.ar.alloc(days * w) // [days, width]
	randomState(m.Config, s, seed)
	st := ps.newStepActs()
	for range steps {
		copy(s, ps.coreStep(s, inj, st))
	}
	h := ps.newHeadActs()
	ps.head(s, q, h)

	probs := make([][]float32, days)
	flat := make([]float32, days*bins)
	copy(flat, h.probs)
	for i := range probs {
		probs[i] = flat[i*bins : (i+1)*bins : (i+1)*bins]
	}
	return probs, nil
}

// encode runs the input projection and prelude and returns the injection e·A_e [days, width].
func (ps *pass[F]) encode(x []F, q Question) []F {
	t, w := ps.dm.days, ps.dm.width
	tok := ps.ar.alloc(t * w)
	ps.tokens(tok, x, q)
	e := ps.prelude(tok, ps.newActs(len(ps.p.prelude)))
	inj := ps.ar.alloc(t * w)
	ps.injection(inj, e)
	return inj
}

// checkInput validates a window, question and step count.
func (m *Model) checkInput(x []float32, days int, q Question, steps int) error {
	c := m.Config
	if days < 1 || days > c.Window {
		return fmt.Errorf("%w: days is %d, must be between 1 and the window %d", ErrInvalidInput, days, c.Window)
	}
	if len(x) != days*c.Features {
		return fmt.Errorf("%w: x has %d values, expected days·features = %d·%d", ErrInvalidInput, len(x), days, c.Features)
	}
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("%w: x[%d] (day %d, feature %d) is %v; features must be finite (drop warm-up days)",
				ErrInvalidInput, i, i/c.Features, i%c.Features, v)
		}
	}
	if !q.valid() {
		return fmt.Errorf("%w: %w: %d", ErrInvalidInput, ErrUnknownQuestion, int(q))
	}
	if steps < 1 {
		return fmt.Errorf("%w: steps is %d, must be at least 1", ErrInvalidInput, steps)
	}
	return nil
}
