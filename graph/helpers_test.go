package graph

import (
	"context"
	"fmt"
	"sync"

	"github.com/traderlab/trader/thinker"
)

var edges = []float64{-0.04, -0.02, 0, 0.02, 0.04}

// fake is a deterministic Thinker whose distribution depends on the question, the seed and the
// handed-off state. Its thoughts carry a one-value state of model "fake", which it accepts back.
type fake struct {
	name string // default "fake"

	mu       sync.Mutex
	requests []thinker.Request
}

var (
	_ thinker.StateSharer = (*fake)(nil)
	_ StateModeler        = (*fake)(nil)
)

func (f *fake) Name() string {
	if f.name == "" {
		return "fake"
	}
	return f.name
}

func (f *fake) StateModel() string { return "fake" }

func (f *fake) AcceptsState(t *thinker.Thought) bool {
	return t != nil && t.State != nil && t.State.Model == "fake"
}

func (f *fake) Think(ctx context.Context, req thinker.Request) (*thinker.Thought, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.mu.Unlock()
	carried := 0.0
	if f.AcceptsState(req.Handoff) {
		carried = float64(req.Handoff.State.Data[0])
	}
	a := (float64(req.Seed%1000)/1000 + carried + float64(req.Question)) / 4
	a -= float64(int(a))
	t, err := thinker.NewThought(req.Question, []float64{a / 2, (1 - a) / 2, a / 2, (1 - a) / 2}, edges)
	if err != nil {
		return nil, err
	}
	t.Thinker = f.Name()
	t.Steps = req.Steps
	t.WarmStarted = req.Handoff != nil && f.AcceptsState(req.Handoff)
	t.State = &thinker.State{Model: "fake", Width: 1, Days: 1, Data: []float32{float32(a)}}
	for s := 1; s <= req.Steps; s++ {
		t.Trace = append(t.Trace, thinker.Step{Step: s, Probs: t.Probs})
	}
	return t, nil
}

// requestsFor returns the requests about q, in order.
func (f *fake) requestsFor(q thinker.Question) []thinker.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []thinker.Request
	for _, r := range f.requests {
		if r.Question == q {
			out = append(out, r)
		}
	}
	return out
}

// plain wraps f in a Thinker without a latent state, like a language-model thinker.
func plain(f *fake) thinker.Thinker { return thinkerFunc{name: "text", think: f.Think} }

type thinkerFunc struct {
	name  string
	think func(context.Context, thinker.Request) (*thinker.Thought, error)
}

func (t thinkerFunc) Name() string { return t.name }
func (t thinkerFunc) Think(ctx context.Context, req thinker.Request) (*thinker.Thought, error) {
	return t.think(ctx, req)
}

// barrier is a fake that blocks every call until n calls have started, or ctx ends.
type barrier struct {
	fake
	n       int
	mu      sync.Mutex
	started int
	all     chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: n, all: make(chan struct{})} }

func (b *barrier) Think(ctx context.Context, req thinker.Request) (*thinker.Thought, error) {
	b.mu.Lock()
	b.started++
	if b.started == b.n {
		close(b.all)
	}
	b.mu.Unlock()
	select {
	case <-b.all:
		return b.fake.Think(ctx, req)
	case <-ctx.Done():
		return nil, fmt.Errorf("barrier: %d of %d calls started: %w", b.started, b.n, ctx.Err())
	}
}

// blocking is a fake whose calls about question q wait for ctx to end, after closing started.
type blocking struct {
	fake
	q       thinker.Question
	once    sync.Once
	started chan struct{}
}

func (b *blocking) Think(ctx context.Context, req thinker.Request) (*thinker.Thought, error) {
	if req.Question != b.q {
		return b.fake.Think(ctx, req)
	}
	b.once.Do(func() { close(b.started) })
	<-ctx.Done()
	return nil, ctx.Err()
}

// failing is a fake that fails every call about question q with err.
type failing struct {
	fake
	q   thinker.Question
	err error
}

func (f *failing) Think(ctx context.Context, req thinker.Request) (*thinker.Thought, error) {
	if req.Question == f.q {
		return nil, f.err
	}
	return f.fake.Think(ctx, req)
}

func snapshot() *thinker.Snapshot {
	return &thinker.Snapshot{Symbol: "TEST", Days: 1, FeatureNames: []string{"ret1"}, X: []float32{0}, Raw: [][]float64{{0}}, Latest: map[string]float64{"ret1": 0}}
}
