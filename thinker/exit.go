package thinker

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ErrInvalidExitRule means an exit rule is malformed or out of range.
var ErrInvalidExitRule = errors.New("invalid exit rule")

// ExitReason is the reason a thinker stopped thinking.
type ExitReason string

// The exit reasons a Thought reports.
const (
	// ExitFixed: no exit rule was set, so the thinker ran its whole budget.
	ExitFixed ExitReason = "fixed"
	// ExitKL: KL(p_{i−1} ‖ p_i) fell below the rule's KL threshold.
	ExitKL ExitReason = "kl"
	// ExitState: the relative state change ‖s_i − s_{i−1}‖/‖s_i‖ fell below the rule's State
	// threshold.
	ExitState ExitReason = "state"
	// ExitMaxSteps: an exit rule was set but never fired, so the thinker stopped at its budget.
	ExitMaxSteps ExitReason = "max_steps"
)

// DefaultExitMinSteps is the smallest number of steps an adaptive exit allows. KL and state
// change are only defined from the second step on.
const DefaultExitMinSteps = 2

// ExitRule decides when a latent thinker may stop before its step budget. A rule with neither
// threshold set is a fixed rule: every budgeted step runs. With both set, the first one to fire
// stops the thinker, KL checked first.
type ExitRule struct {
	// KL stops at the first step i ≥ MinSteps with KL(p_{i−1} ‖ p_i) < KL, in nats. Zero
	// disables it. Geiping et al. (2025, arXiv 2502.05171) use 5e-4.
	KL float64
	// State stops at the first step i ≥ MinSteps with ‖s_i − s_{i−1}‖/‖s_i‖ < State. Zero
	// disables it.
	State float64
	// MinSteps is the first step at which the rule may fire. Values below
	// DefaultExitMinSteps count as DefaultExitMinSteps.
	MinSteps int
}

// DefaultExitRule returns the exit of Geiping et al. (2025): KL below 5e-4 from step 2 on.
func DefaultExitRule() ExitRule { return ExitRule{KL: DefaultConvergenceKL} }

// Adaptive reports whether r can stop a thinker before its budget.
func (r ExitRule) Adaptive() bool { return r.KL > 0 || r.State > 0 }

// Validate checks that the thresholds are finite and not negative and MinSteps is not negative.
func (r ExitRule) Validate() error {
	for _, t := range []struct {
		name string
		v    float64
	}{{"kl", r.KL}, {"state", r.State}} {
		if !(t.v >= 0) || math.IsInf(t.v, 0) {
			return fmt.Errorf("%w: %s threshold %v must be a finite number ≥ 0 (0 disables it)", ErrInvalidExitRule, t.name, t.v)
		}
	}
	if r.MinSteps < 0 {
		return fmt.Errorf("%w: min steps %d must not be negative", ErrInvalidExitRule, r.MinSteps)
	}
	return nil
}

func (r ExitRule) minSteps() int { return max(r.MinSteps, DefaultExitMinSteps) }

// Stop reports whether the rule stops after a step with the given trace, and the reason. A fixed
// rule never stops, so the caller stops at its budget.
func (r ExitRule) Stop(s Step) (ExitReason, bool) {
	if !r.Adaptive() || s.Step < r.minSteps() {
		return "", false
	}
	if r.KL > 0 && s.KL < r.KL {
		return ExitKL, true
	}
	if r.State > 0 && s.RelChange < r.State {
		return ExitState, true
	}
	return "", false
}

// Replay applies r to a trace recorded without an exit (at least up to maxSteps steps) and
// returns the number of steps the rule would have run and why it stopped. A trace shorter than
// maxSteps that never fires stops at its end with ExitMaxSteps (ExitFixed for a fixed rule).
func (r ExitRule) Replay(trace []Step, maxSteps int) (int, ExitReason) {
	n := min(maxSteps, len(trace))
	for i := range n {
		if reason, ok := r.Stop(trace[i]); ok {
			return i + 1, reason
		}
	}
	if !r.Adaptive() {
		return n, ExitFixed
	}
	return n, ExitMaxSteps
}

// String returns the rule in the form ParseExitRule reads: "fixed", or terms such as
// "kl:0.0005,state:0.03,min:3".
func (r ExitRule) String() string {
	if !r.Adaptive() {
		return "fixed"
	}
	var parts []string
	if r.KL > 0 {
		parts = append(parts, "kl:"+strconv.FormatFloat(r.KL, 'g', -1, 64))
	}
	if r.State > 0 {
		parts = append(parts, "state:"+strconv.FormatFloat(r.State, 'g', -1, 64))
	}
	if r.MinSteps > DefaultExitMinSteps {
		parts = append(parts, "min:"+strconv.Itoa(r.MinSteps))
	}
	return strings.Join(parts, ",")
}

// ParseExitRule reads a rule written as "fixed" (or "none" or empty: no exit), "auto" (the
// DefaultExitRule), or comma-separated terms kl:T, state:T and min:N, for example "kl:5e-4" or
// "kl:1e-3,state:0.03,min:4". The error wraps ErrInvalidExitRule and names the bad term.
func ParseExitRule(s string) (ExitRule, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "", "fixed", "none":
		return ExitRule{}, nil
	case "auto":
		return DefaultExitRule(), nil
	}
	var r ExitRule
	seen := map[string]bool{}
	for term := range strings.SplitSeq(s, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(term), ":")
		if !ok {
			return ExitRule{}, fmt.Errorf("%w: term %q has no value; write kl:T, state:T or min:N, such as kl:5e-4", ErrInvalidExitRule, term)
		}
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if seen[name] {
			return ExitRule{}, fmt.Errorf("%w: %q is given twice in %q", ErrInvalidExitRule, name, s)
		}
		seen[name] = true
		switch name {
		case "kl", "state":
			v, err := strconv.ParseFloat(value, 64)
			if err != nil || !(v > 0) || math.IsInf(v, 0) {
				return ExitRule{}, fmt.Errorf("%w: %s threshold %q must be a positive number, such as 5e-4", ErrInvalidExitRule, name, value)
			}
			if name == "kl" {
				r.KL = v
			} else {
				r.State = v
			}
		case "min":
			n, err := strconv.Atoi(value)
			if err != nil || n < 1 || n > 1<<20 {
				return ExitRule{}, fmt.Errorf("%w: min steps %q must be a positive integer", ErrInvalidExitRule, value)
			}
			// Both tests need two steps, so a minimum up to the default is the default; keeping it
			// as 0 makes String and ParseExitRule round-trip.
			if n > DefaultExitMinSteps {
				r.MinSteps = n
			}
		default:
			return ExitRule{}, fmt.Errorf("%w: unknown term %q; use kl, state or min", ErrInvalidExitRule, name)
		}
	}
	if !r.Adaptive() {
		return ExitRule{}, fmt.Errorf("%w: %q sets no threshold; add kl:T or state:T, or write fixed", ErrInvalidExitRule, s)
	}
	return r, nil
}
