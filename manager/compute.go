package manager

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/traderlab/trader/agents"
	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

// ErrInvalidPolicy means a ComputePolicy is out of range.
var ErrInvalidPolicy = errors.New("invalid compute policy")

// ComputePolicy sets each agent's step budget (its maximum steps) from how hard the market is on
// the decision date. Hardness h in [0, 1] is
//
//	h = (1 − EntropyWeight) · percentile + EntropyWeight · entropy / ln(bins)
//
// where percentile is the rank of the as-of day's Feature value among the days of the snapshot
// window (0: the calmest day of the window, 1: the most volatile), and entropy is the entropy of
// the agent's own question after a cold probe pass of ProbeSteps steps. The budget is
// MinSteps + round(h · (MaxSteps − MinSteps)). The probe runs only when EntropyWeight > 0.
type ComputePolicy struct {
	// MinSteps is the budget at hardness 0. Default 8.
	MinSteps int
	// MaxSteps is the budget at hardness 1. Default 32.
	MaxSteps int
	// Feature names the raw snapshot feature ranked, such as "rv20" (20-day realized
	// volatility, the default) or "rv5".
	Feature string
	// EntropyWeight in [0, 1] is the weight of the probe pass's normalized entropy. Default 0.
	EntropyWeight float64
	// ProbeSteps is the length of the probe pass, at least 1. Default 2.
	ProbeSteps int
}

// DefaultComputePolicy returns the documented defaults: 8 to 32 steps by the percentile of
// 20-day realized volatility in the window, no probe pass.
func DefaultComputePolicy() ComputePolicy {
	return ComputePolicy{MinSteps: 8, MaxSteps: 32, Feature: "rv20", ProbeSteps: 2}
}

// Validate checks the ranges documented on the fields.
func (p ComputePolicy) Validate() error {
	switch {
	case p.MinSteps < 1:
		return fmt.Errorf("%w: min steps %d must be at least 1", ErrInvalidPolicy, p.MinSteps)
	case p.MaxSteps < p.MinSteps:
		return fmt.Errorf("%w: max steps %d must be at least min steps %d", ErrInvalidPolicy, p.MaxSteps, p.MinSteps)
	case p.Feature == "":
		return fmt.Errorf("%w: no feature to rank; use rv20 or another feature name", ErrInvalidPolicy)
	case !(p.EntropyWeight >= 0 && p.EntropyWeight <= 1):
		return fmt.Errorf("%w: entropy weight %v must be in [0, 1]", ErrInvalidPolicy, p.EntropyWeight)
	case p.EntropyWeight > 0 && p.ProbeSteps < 1:
		return fmt.Errorf("%w: probe steps %d must be at least 1 when the entropy weight is positive", ErrInvalidPolicy, p.ProbeSteps)
	}
	return nil
}

// Allocation is the record of the budgets a ComputePolicy set for one run.
type Allocation struct {
	// Feature is the ranked feature and Value its raw value on the as-of date.
	Feature string  `json:"feature"`
	Value   float64 `json:"value"`
	// Percentile is the as-of day's rank among the window's days, in [0, 1].
	Percentile float64 `json:"percentile"`
	// Agents lists each agent's hardness and budget in speaking order.
	Agents []AgentBudget `json:"agents"`
}

// AgentBudget is one agent's share of an Allocation.
type AgentBudget struct {
	Agent string `json:"agent"`
	// ProbeEntropy is the entropy in nats after the probe pass; 0 when no probe ran.
	ProbeEntropy float64 `json:"probe_entropy,omitempty"`
	Hardness     float64 `json:"hardness"`
	Budget       int     `json:"budget"`
}

// Budget returns the named agent's budget, or 0 when the allocation has none for it.
func (a *Allocation) Budget(agent string) int {
	for _, b := range a.Agents {
		if b.Agent == agent {
			return b.Budget
		}
	}
	return 0
}

// Percentile returns the rank of the last value of xs among all of xs: the share of the other
// values strictly below it plus half the share equal to it, in [0, 1]. A single value ranks 0.5.
func Percentile(xs []float64) float64 {
	if len(xs) < 2 {
		return 0.5
	}
	last := xs[len(xs)-1]
	below, equal := 0.0, 0.0
	for _, x := range xs[:len(xs)-1] {
		switch {
		case x < last:
			below++
		case x == last:
			equal++
		}
	}
	return (below + equal/2) / float64(len(xs)-1)
}

// Allocate computes the budgets of the default agents for snap. th runs the probe pass when
// p.EntropyWeight > 0, cold, with seed.
func (p ComputePolicy) Allocate(ctx context.Context, snap *thinker.Snapshot, th thinker.Thinker, seed uint64) (*Allocation, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	col := slices.Index(snap.FeatureNames, p.Feature)
	if col < 0 {
		return nil, fmt.Errorf("%w: feature %q is not in the snapshot; use one of %v", ErrInvalidPolicy, p.Feature, snap.FeatureNames)
	}
	values := make([]float64, len(snap.Raw))
	for d, row := range snap.Raw {
		values[d] = row[col]
	}
	a := &Allocation{Feature: p.Feature, Value: values[len(values)-1], Percentile: Percentile(values)}
	for _, ag := range []struct {
		name string
		q    latentmodel.Question
	}{{agents.BullName, latentmodel.Upside}, {agents.BearName, latentmodel.Downside}, {agents.TraderName, latentmodel.Return}} {
		b := AgentBudget{Agent: ag.name}
		h := a.Percentile
		if p.EntropyWeight > 0 {
			t, err := th.Think(ctx, thinker.Request{Question: ag.q, Snapshot: snap, Steps: p.ProbeSteps, Seed: seed})
			if err != nil {
				return nil, fmt.Errorf("probe pass of %s: %w", ag.name, err)
			}
			b.ProbeEntropy = t.Entropy
			h = (1-p.EntropyWeight)*h + p.EntropyWeight*t.Entropy/logBins(len(t.Probs))
		}
		b.Hardness = max(0, min(1, h))
		b.Budget = p.MinSteps + int(math.Round(b.Hardness*float64(p.MaxSteps-p.MinSteps)))
		a.Agents = append(a.Agents, b)
	}
	return a, nil
}

// logBins returns ln(bins), the largest entropy over bins bins, and 1 for fewer than two bins.
func logBins(bins int) float64 {
	if bins < 2 {
		return 1
	}
	return math.Log(float64(bins))
}
