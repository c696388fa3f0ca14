package debate

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/agents"
	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

var edges = []float64{-0.04, -0.02, 0, 0.02, 0.04}

// recorder is a Thinker whose distribution is computed from the request by distribution. It
// records every request and the thought it returned.
type recorder struct {
	distribution func(req thinker.Request) []float64
	fail         map[int]error // call index → error to return

	mu       sync.Mutex
	requests []thinker.Request
	thoughts []*thinker.Thought
}

func (r *recorder) Name() string { return "recorder" }

func (r *recorder) Think(ctx context.Context, req thinker.Request) (*thinker.Thought, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	call := len(r.requests)
	r.requests = append(r.requests, req)
	if err := r.fail[call]; err != nil {
		return nil, err
	}
	t, err := thinker.NewThought(req.Question, r.distribution(req), edges)
	if err != nil {
		return nil, err
	}
	t.Thinker = r.Name()
	t.Steps = req.Steps
	t.WarmStarted = req.Handoff != nil
	r.thoughts = append(r.thoughts, t)
	return t, nil
}

// constant returns the same distribution for every request.
func constant(thinker.Request) []float64 { return []float64{0.1, 0.2, 0.3, 0.4} }

// bySeed returns a distribution that depends on the seed, so every turn differs.
func bySeed(req thinker.Request) []float64 {
	a := float64(req.Seed%1000) / 1000
	return []float64{a / 2, (1 - a) / 2, a / 2, (1 - a) / 2}
}

func newDebate(t *testing.T, cfg Config, th thinker.Thinker) *Coordinator {
	t.Helper()
	c, err := NewCoordinator(cfg, agents.NewBull(th), agents.NewBear(th))
	require.NoError(t, err)
	return c
}

func snapshot() *thinker.Snapshot {
	return &thinker.Snapshot{Symbol: "TEST", Days: 1, FeatureNames: []string{"ret1"}, X: []float32{0}, Raw: [][]float64{{0}}, Latest: map[string]float64{"ret1": 0}}
}

func TestRunRounds(t *testing.T) {
	rec := &recorder{distribution: bySeed}
	cfg := Config{Rounds: 3, Handoff: true, Tolerance: 0, Steps: 5}
	tr, err := newDebate(t, cfg, rec).Run(t.Context(), snapshot(), 7)
	require.NoError(t, err)

	assert.Equal(t, StopRounds, tr.Stop)
	assert.Equal(t, 3, tr.Rounds)
	assert.Len(t, tr.Changes, 2, "one change per round after the first")
	require.Len(t, tr.Turns, 6)
	for i, turn := range tr.Turns {
		assert.Equal(t, i, turn.Index)
		assert.Equal(t, i/2+1, turn.Round, "turn %d", i)
		wantAgent, wantQuestion := "bull", latentmodel.Upside
		if i%2 == 1 {
			wantAgent, wantQuestion = "bear", latentmodel.Downside
		}
		assert.Equal(t, wantAgent, turn.Agent, "turn %d", i)
		assert.Equal(t, wantQuestion, turn.Question, "turn %d", i)
		assert.Equal(t, TurnSeed(7, i), turn.Seed, "turn %d", i)
		assert.Equal(t, 5, turn.Thought.Steps, "turn %d", i)
		assert.Same(t, rec.thoughts[i], turn.Thought, "turn %d", i)
		assert.NotEmpty(t, turn.Argument, "turn %d", i)
	}
	assert.Equal(t, "bear", tr.Last().Agent)
	assert.Equal(t, 4, tr.LastBy("bull").Index)
	assert.Nil(t, tr.LastBy("trader"))
}

func TestRunHandoff(t *testing.T) {
	for _, handoff := range []bool{true, false} {
		rec := &recorder{distribution: bySeed}
		cfg := Config{Rounds: 2, Handoff: handoff, Steps: 3}
		tr, err := newDebate(t, cfg, rec).Run(t.Context(), snapshot(), 1)
		require.NoError(t, err)
		require.Len(t, rec.requests, 4)

		assert.Nil(t, rec.requests[0].Handoff, "the first turn starts cold")
		for i := 1; i < 4; i++ {
			req := rec.requests[i]
			if handoff {
				assert.Same(t, tr.Turns[i-1].Thought, req.Handoff, "turn %d starts from turn %d", i, i-1)
			} else {
				assert.Nil(t, req.Handoff, "turn %d without hand-off", i)
			}
			assert.Equal(t, handoff, tr.Turns[i].Thought.WarmStarted, "turn %d", i)
		}
	}
}

func TestRunTranscript(t *testing.T) {
	rec := &recorder{distribution: constant}
	tr, err := newDebate(t, Config{Rounds: 2, Steps: 1}, rec).Run(t.Context(), snapshot(), 1)
	require.NoError(t, err)
	for i, req := range rec.requests {
		require.Len(t, req.Transcript, i, "request %d sees every earlier turn", i)
		for j, m := range req.Transcript {
			assert.Equal(t, tr.Turns[j].Agent, m.Speaker)
			assert.Equal(t, tr.Turns[j].Argument, m.Text)
			assert.Equal(t, tr.Turns[j].Question, m.Question)
		}
	}
}

func TestRunStopRule(t *testing.T) {
	// The bull's distribution is the same every round; the bear's moves by 0.05 in total variation
	// from round 1 to 2, and not after that.
	bearMoves := func(req thinker.Request) []float64 {
		if req.Question == latentmodel.Downside && len(req.Transcript) == 1 {
			return []float64{0.15, 0.15, 0.3, 0.4}
		}
		return constant(req)
	}
	tests := []struct {
		name         string
		distribution func(thinker.Request) []float64
		tolerance    float64
		wantStop     StopReason
		wantRounds   int
		wantChanges  []float64
	}{
		{"unchanged", constant, 0.01, StopConverged, 2, []float64{0}},
		{"zero tolerance plays all", constant, 0, StopRounds, 4, []float64{0, 0, 0}},
		{"bear still moving", bearMoves, 0.01, StopConverged, 3, []float64{0.05, 0}},
		{"tolerance above the move", bearMoves, 0.06, StopConverged, 2, []float64{0.05}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{distribution: tt.distribution}
			cfg := Config{Rounds: 4, Handoff: true, Tolerance: tt.tolerance, Steps: 1}
			tr, err := newDebate(t, cfg, rec).Run(t.Context(), snapshot(), 1)
			require.NoError(t, err)
			assert.Equal(t, tt.wantStop, tr.Stop)
			assert.Equal(t, tt.wantRounds, tr.Rounds)
			assert.Len(t, tr.Turns, 2*tt.wantRounds)
			assert.InDeltaSlice(t, tt.wantChanges, tr.Changes, 1e-12)
		})
	}
}

func TestRunDeterministic(t *testing.T) {
	run := func(seed uint64) *Transcript {
		tr, err := newDebate(t, DefaultConfig(), &recorder{distribution: bySeed}).Run(t.Context(), snapshot(), seed)
		require.NoError(t, err)
		for i := range tr.Turns {
			tr.Turns[i].Duration = 0
		}
		return tr
	}
	assert.Equal(t, run(3), run(3))
	assert.NotEqual(t, run(3).Turns[0].Thought.Probs, run(4).Turns[0].Thought.Probs)
}

func TestRunAgentError(t *testing.T) {
	failure := errors.New("model exploded")
	rec := &recorder{distribution: constant, fail: map[int]error{3: failure}}
	_, err := newDebate(t, DefaultConfig(), rec).Run(t.Context(), snapshot(), 1)
	require.ErrorIs(t, err, failure)
	assert.Contains(t, err.Error(), "round 2")
	assert.Contains(t, err.Error(), "bear")
}

func TestNewCoordinatorRejects(t *testing.T) {
	bull := agents.NewBull(&recorder{distribution: constant})
	tests := []struct {
		name     string
		cfg      Config
		speakers []agents.Agent
		want     error
	}{
		{"zero config", Config{}, []agents.Agent{bull}, ErrInvalidConfig},
		{"zero steps", Config{Rounds: 1}, []agents.Agent{bull}, ErrInvalidConfig},
		{"negative tolerance", Config{Rounds: 1, Steps: 1, Tolerance: -1}, []agents.Agent{bull}, ErrInvalidConfig},
		{"NaN tolerance", Config{Rounds: 1, Steps: 1, Tolerance: math.NaN()}, []agents.Agent{bull}, ErrInvalidConfig},
		{"no speakers", DefaultConfig(), nil, ErrNoSpeakers},
		{"nil speaker", DefaultConfig(), []agents.Agent{nil}, ErrNoSpeakers},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCoordinator(tt.cfg, tt.speakers...)
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

func TestDefaultConfig(t *testing.T) {
	cfg := DefaultConfig()
	assert.Equal(t, Config{Rounds: 2, Handoff: true, Tolerance: 0.01, Steps: 16}, cfg)
	assert.NoError(t, cfg.Validate())
}

func TestTurnSeed(t *testing.T) {
	// TurnSeed(0, 0) is the first output of SplitMix64 seeded with 0.
	assert.Equal(t, uint64(0xE220A8397B1DCDAF), TurnSeed(0, 0))

	seen := map[uint64]bool{}
	for run := uint64(0); run < 4; run++ {
		for i := range 256 {
			s := TurnSeed(run, i)
			assert.False(t, seen[s], "seed of run %d turn %d repeats", run, i)
			seen[s] = true
		}
	}
}
