package manager

import (
	"errors"
	"fmt"
	"math"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

// Action is the trading decision.
type Action string

// Actions. A SELL sets a negative target position: a short when no shares are held.
const (
	Buy  Action = "BUY"
	Sell Action = "SELL"
	Hold Action = "HOLD"
)

// Decision is the outcome of the decision rule.
type Decision struct {
	// Action is BUY when Position > 0, SELL when Position < 0 and HOLD when it is 0.
	Action Action `json:"action"`
	// Position is the target position as a signed fraction of the capital allotted to the
	// symbol, in [−1, 1]; negative is short.
	Position float64 `json:"position"`
	// Confidence is in [0, 1]; see DecisionRule for its formula.
	Confidence float64 `json:"confidence"`
	// Edge is the trader's expected log return over the horizon.
	Edge float64 `json:"edge"`
	// Risk is the typical log excursion: the mean of the researchers' expected upside and
	// downside, floored at DecisionRule.MinRisk.
	Risk float64 `json:"risk"`
}

// DecisionRule turns the trader's return distribution and the researchers' upside and downside
// distributions into a Decision. With U and D the bull's and bear's expected excursions and P the
// trader's P(return > 0):
//
//	edge       = trader's expected return
//	risk       = max((U + D) / 2, MinRisk)
//	ratio      = edge / risk
//	position   = 0                                            if |ratio| < Threshold
//	           = sign(ratio) · min(1, Scale · (|ratio| − Threshold))  otherwise
//	direction  = 2P − 1                                       in [−1, 1]
//	skew       = (U⁺ − D⁺) / (U⁺ + D⁺), 0 when both are 0     in [−1, 1]
//	confidence = w · max(0, s·direction) + (1 − w) · max(0, s·skew)   for s = sign(position) ≠ 0
//	           = w · (1 − |direction|) + (1 − w) · (1 − |skew|)       for HOLD
//
// where U⁺ = max(U, 0), D⁺ = max(D, 0) and w = DirectionWeight. The position grows from 0 at the
// threshold, so a small change in the distributions never makes it jump. docs/decision.md
// explains the choices.
type DecisionRule struct {
	// Threshold is the smallest |edge| / risk that opens a position. Default 0.1.
	Threshold float64
	// Scale converts edge / risk beyond the threshold into a position. Default 2, so a full
	// position needs |edge| ≥ 0.6 · risk.
	Scale float64
	// MinRisk floors the risk, in log-return units, so near-zero researcher estimates cannot
	// inflate the ratio. Default 0.001 (0.1%).
	MinRisk float64
	// DirectionWeight is the weight w of the trader's probability mass in the confidence; the
	// researchers' skew gets 1 − w. In [0, 1]; default 0.7.
	DirectionWeight float64
}

// DefaultDecisionRule returns the rule with its documented defaults.
func DefaultDecisionRule() DecisionRule {
	return DecisionRule{Threshold: 0.1, Scale: 2, MinRisk: 0.001, DirectionWeight: 0.7}
}

// ErrInvalidRule means a DecisionRule has a parameter out of range.
var ErrInvalidRule = errors.New("invalid decision rule")

// Validate checks every parameter's range.
func (r DecisionRule) Validate() error {
	switch {
	case !(r.Threshold >= 0) || math.IsInf(r.Threshold, 0):
		return fmt.Errorf("%w: threshold is %v, must be finite and ≥ 0", ErrInvalidRule, r.Threshold)
	case !(r.Scale > 0) || math.IsInf(r.Scale, 0):
		return fmt.Errorf("%w: scale is %v, must be finite and > 0", ErrInvalidRule, r.Scale)
	case !(r.MinRisk > 0) || math.IsInf(r.MinRisk, 0):
		return fmt.Errorf("%w: min risk is %v, must be finite and > 0", ErrInvalidRule, r.MinRisk)
	case !(r.DirectionWeight >= 0 && r.DirectionWeight <= 1):
		return fmt.Errorf("%w: direction weight is %v, must be in [0, 1]", ErrInvalidRule, r.DirectionWeight)
	}
	return nil
}

// Decide applies the rule. trader must answer the return question, bull the upside question and
// bear the downside question; otherwise Decide returns an error wrapping
// thinker.ErrInvalidThought.
func (r DecisionRule) Decide(trader, bull, bear *thinker.Thought) (Decision, error) {
	if err := r.Validate(); err != nil {
		return Decision{}, err
	}
	for _, c := range []struct {
		role string
		t    *thinker.Thought
		q    thinker.Question
	}{{"trader", trader, latentmodel.Return}, {"bull", bull, latentmodel.Upside}, {"bear", bear, latentmodel.Downside}} {
		if c.t == nil {
			return Decision{}, fmt.Errorf("decide: the %s's thought is missing: %w", c.role, thinker.ErrInvalidThought)
		}
		if c.t.Question != c.q {
			return Decision{}, fmt.Errorf("decide: the %s's thought is about %s, expected %s: %w", c.role, c.t.Question, c.q, thinker.ErrInvalidThought)
		}
	}

	up, down := bull.Expected, bear.Expected
	d := Decision{Edge: trader.Expected, Risk: max((up+down)/2, r.MinRisk)}
	ratio := d.Edge / d.Risk
	if math.Abs(ratio) >= r.Threshold {
		d.Position = math.Copysign(min(1, r.Scale*(math.Abs(ratio)-r.Threshold)), ratio)
	}
	switch {
	case d.Position > 0:
		d.Action = Buy
	case d.Position < 0:
		d.Action = Sell
	default:
		d.Action, d.Position = Hold, 0 // also turns −0 into 0
	}

	direction := 2*trader.ProbPositive - 1
	skew := 0.0
	if u, v := max(up, 0), max(down, 0); u+v > 0 {
		skew = (u - v) / (u + v)
	}
	w := r.DirectionWeight
	if side := sign(d.Position); side != 0 {
		d.Confidence = w*max(0, side*direction) + (1-w)*max(0, side*skew)
	} else {
		d.Confidence = w*(1-math.Abs(direction)) + (1-w)*(1-math.Abs(skew))
	}
	d.Confidence = max(0, min(1, d.Confidence))
	return d, nil
}

func sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}
