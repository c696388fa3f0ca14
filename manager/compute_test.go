package manager

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/agents"
	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

func TestPercentile(t *testing.T) {
	tests := []struct {
		name string
		xs   []float64
		want float64
	}{
		{"highest", []float64{1, 2, 3, 9}, 1},
		{"lowest", []float64{4, 5, 6, 0}, 0},
		{"middle", []float64{1, 3, 5, 7, 4}, 0.5},
		{"ties", []float64{2, 2, 2, 2}, 0.5},
		{"one", []float64{7}, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.InDelta(t, tt.want, Percentile(tt.xs), 1e-12)
		})
	}
}

// volSnapshot returns the hand-made snapshot with rv20 set to the given values, oldest first.
func volSnapshot(rv20 ...float64) *thinker.Snapshot {
	s := handSnapshot()
	col := slices.Index(s.FeatureNames, "rv20")
	for d := range s.Raw {
		s.Raw[d][col] = rv20[d]
	}
	return s
}

func TestAllocate(t *testing.T) {
	p := ComputePolicy{MinSteps: 8, MaxSteps: 32, Feature: "rv20"}
	tests := []struct {
		name   string
		rv20   []float64
		budget int
	}{
		{"calmest", []float64{0.02, 0.03, 0.01}, 8},
		{"middle", []float64{0.01, 0.03, 0.02}, 20},
		{"most volatile", []float64{0.01, 0.02, 0.03}, 32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := p.Allocate(t.Context(), volSnapshot(tt.rv20...), nil, 1)
			require.NoError(t, err)
			assert.Equal(t, tt.rv20[2], a.Value)
			require.Len(t, a.Agents, 3)
			for _, name := range []string{agents.BullName, agents.BearName, agents.TraderName} {
				assert.Equal(t, tt.budget, a.Budget(name), name)
			}
			assert.Zero(t, a.Budget("nobody"))
		})
	}
}

func TestAllocateProbe(t *testing.T) {
	f := &formula{}
	p := ComputePolicy{MinSteps: 4, MaxSteps: 24, Feature: "rv20", EntropyWeight: 1, ProbeSteps: 3}
	a, err := p.Allocate(t.Context(), volSnapshot(0.01, 0.02, 0.03), f, 5)
	require.NoError(t, err)
	require.Len(t, f.requests, 3, "one probe per agent")
	for i, req := range f.requests {
		assert.Equal(t, 3, req.Steps)
		assert.Nil(t, req.Handoff)
		b := a.Agents[i]
		assert.Positive(t, b.ProbeEntropy)
		// With all weight on the entropy, hardness is the normalized probe entropy.
		th, err := f.Think(t.Context(), req)
		require.NoError(t, err)
		assert.InDelta(t, th.Entropy/logBins(len(th.Probs)), b.Hardness, 1e-12)
		assert.GreaterOrEqual(t, b.Budget, 4)
		assert.LessOrEqual(t, b.Budget, 24)
	}
}

func TestComputePolicyValidate(t *testing.T) {
	base := DefaultComputePolicy()
	require.NoError(t, base.Validate())
	for name, mutate := range map[string]func(*ComputePolicy){
		"min":     func(p *ComputePolicy) { p.MinSteps = 0 },
		"max":     func(p *ComputePolicy) { p.MaxSteps = p.MinSteps - 1 },
		"feature": func(p *ComputePolicy) { p.Feature = "" },
		"weight":  func(p *ComputePolicy) { p.EntropyWeight = 1.5 },
		"probe":   func(p *ComputePolicy) { p.EntropyWeight, p.ProbeSteps = 0.5, 0 },
	} {
		t.Run(name, func(t *testing.T) {
			p := base
			mutate(&p)
			assert.ErrorIs(t, p.Validate(), ErrInvalidPolicy)
		})
	}
	_, err := ComputePolicy{MinSteps: 1, MaxSteps: 2, Feature: "vix"}.Allocate(t.Context(), handSnapshot(), nil, 1)
	assert.ErrorIs(t, err, ErrInvalidPolicy)
}

func TestManagerCompute(t *testing.T) {
	m := New(&formula{})
	m.Compute = &ComputePolicy{MinSteps: 8, MaxSteps: 32, Feature: "rv20"}
	report, err := m.RunSnapshot(t.Context(), volSnapshot(0.01, 0.03, 0.02), testModel)
	require.NoError(t, err)
	require.NotNil(t, report.Compute)
	assert.Equal(t, "auto", report.Settings.Compute)
	for _, turn := range report.Turns {
		assert.Equal(t, 20, turn.Thought.Steps, turn.Agent)
	}
	doc := report.Document()
	assert.Equal(t, report.Compute, doc.Compute)
}

func TestManagerExitPerAgent(t *testing.T) {
	bundle, err := latentmodel.Default()
	require.NoError(t, err)
	m := New(thinker.NewLatent(bundle))
	m.Steps, m.Rounds = 12, 1
	m.Exit = thinker.ExitRule{KL: 10}
	m.AgentExit = map[string]thinker.ExitRule{agents.TraderName: {}}
	assert.Equal(t, "bull=kl:10 bear=kl:10 trader=fixed", m.exitSummary())

	g, err := m.Graph()
	require.NoError(t, err)
	for _, n := range g.Nodes() {
		l, ok := n.Thinker.(*thinker.Latent)
		require.True(t, ok, n.Name)
		assert.Equal(t, m.exitRule(n.Name), l.Exit, n.Name)
	}

	m.Exit = thinker.ExitRule{KL: -1}
	_, err = m.Graph()
	assert.ErrorIs(t, err, thinker.ErrInvalidExitRule)
}
