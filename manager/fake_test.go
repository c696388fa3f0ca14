package manager

import (
	"context"
	"math"
	"sync"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

// formulaEdges are the bin edges of the formula thinker, per question.
var formulaEdges = [latentmodel.NumQuestions][]float64{
	latentmodel.Return:   {-0.06, -0.03, -0.01, 0, 0.01, 0.03, 0.06},
	latentmodel.Upside:   {0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.08},
	latentmodel.Downside: {0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.08},
}

// formula is a deterministic Thinker for tests. Its distribution is a softmax over the bins of
// logits computed from the question, the snapshot's last-day inputs, the step count, the seed
// and the handed-off state, so every input changes the output. It records the requests.
type formula struct {
	mu       sync.Mutex
	requests []thinker.Request
}

var (
	_ thinker.Thinker     = (*formula)(nil)
	_ thinker.StateSharer = (*formula)(nil)
)

func (f *formula) Name() string { return "formula" }

func (f *formula) AcceptsState(t *thinker.Thought) bool {
	return t != nil && t.State != nil && t.State.Model == "formula"
}

func (f *formula) Think(ctx context.Context, req thinker.Request) (*thinker.Thought, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.mu.Unlock()

	snap := req.Snapshot
	nf := snap.NumFeatures()
	signal := 0.0 // mean standardized input of the last day
	for _, x := range snap.X[(snap.Days-1)*nf:] {
		signal += float64(x) / float64(nf)
	}
	carried := 0.0
	warm := f.AcceptsState(req.Handoff)
	if warm {
		carried = float64(req.Handoff.State.Data[0])
	}
	tilt := 0.4*signal + 0.3*carried + 0.2*float64(int(req.Question)-1) + 0.05*float64(req.Seed%7)

	edges := formulaEdges[req.Question]
	bins := len(edges) - 1
	trace := make([]thinker.Step, req.Steps)
	var probs []float64
	for step := 1; step <= req.Steps; step++ {
		// The distribution sharpens towards its limit as 1/step, so KL falls with the steps.
		sharpness := 1 - 1/float64(step+1)
		logits := make([]float64, bins)
		for k := range logits {
			centered := float64(k) - float64(bins-1)/2
			logits[k] = sharpness * (tilt*centered - 0.15*centered*centered)
		}
		next := softmax(logits)
		kl := 0.0
		if probs != nil {
			kl = thinker.KL(probs, next)
		}
		trace[step-1] = thinker.Step{Step: step, Probs: next, KL: kl, Entropy: thinker.Entropy(next)}
		probs = next
	}

	t, err := thinker.NewThought(req.Question, probs, edges)
	if err != nil {
		return nil, err
	}
	t.Thinker = f.Name()
	t.Steps = req.Steps
	t.Trace = trace
	t.FinalKL = trace[len(trace)-1].KL
	t.Converged = req.Steps >= 2 && t.FinalKL < thinker.DefaultConvergenceKL
	t.WarmStarted = warm
	t.State = &thinker.State{Model: "formula", Width: 1, Days: 1, Data: []float32{float32(t.Expected * 10)}}
	return t, nil
}

func softmax(logits []float64) []float64 {
	peak := math.Inf(-1)
	for _, l := range logits {
		peak = max(peak, l)
	}
	out := make([]float64, len(logits))
	sum := 0.0
	for k, l := range logits {
		out[k] = math.Exp(l - peak)
		sum += out[k]
	}
	for k := range out {
		out[k] /= sum
	}
	return out
}
