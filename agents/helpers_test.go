package agents

import (
	"context"
	"errors"
	"sync"

	"github.com/traderlab/trader/marketdata"
	"github.com/traderlab/trader/thinker"
)

// featureDay holds one day's raw value and z-score per feature name; features not listed are 0.
type featureDay map[string][2]float64

// testSnapshot returns a 10-day snapshot whose days 0..8 have every raw feature at base and
// whose last day has the given values.
func testSnapshot(base float64, last featureDay) *thinker.Snapshot {
	const days = 10
	names := marketdata.FeatureNames[:]
	s := &thinker.Snapshot{
		Symbol:       "TEST",
		Close:        100,
		Horizon:      5,
		Days:         days,
		FeatureNames: append([]string(nil), names...),
		X:            make([]float32, days*len(names)),
		Raw:          make([][]float64, days),
		Latest:       map[string]float64{},
	}
	for d := range days {
		s.Raw[d] = make([]float64, len(names))
		for j := range names {
			s.Raw[d][j] = base
		}
	}
	for j, name := range names {
		v := last[name]
		s.Raw[days-1][j] = v[0]
		s.X[(days-1)*len(names)+j] = float32(v[1])
		s.Latest[name] = v[0]
	}
	return s
}

// fakeThinker answers every question with a fixed distribution over four bins and records the
// requests it receives.
type fakeThinker struct {
	probs    []float64
	edges    []float64
	question *thinker.Question // answer this question instead of the requested one
	err      error

	mu       sync.Mutex
	requests []thinker.Request
}

func (f *fakeThinker) Name() string { return "fake" }

func (f *fakeThinker) Think(ctx context.Context, req thinker.Request) (*thinker.Thought, error) {
	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	q := req.Question
	if f.question != nil {
		q = *f.question
	}
	t, err := thinker.NewThought(q, f.probs, f.edges)
	if err != nil {
		return nil, err
	}
	t.Thinker = f.Name()
	t.Steps = req.Steps
	t.Converged = req.Steps > 2
	t.WarmStarted = req.Handoff != nil
	return t, nil
}

var errThinkerFailed = errors.New("thinker failed")
