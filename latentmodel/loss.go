package latentmodel

import (
	"fmt"
	"math"
)

// Example is one training window.
type Example struct {
	X        []float32 // [days·features] standardized features
	Days     int       // 1..Window
	Question Question
	Targets  []int32 // [days] target bin of each day, −1 where the day has no target
}

// LossAndGrad runs steps core steps from the random s0 of seed, scores every day that has a
// target, and adds d(mean cross-entropy)/dθ to g. Only the last min(steps, BackpropSteps) steps
// are differentiated: the state entering them is treated as a constant, and the prelude gets
// gradients through the injections of those steps only. It returns the mean cross-entropy in
// nats and the number of scored days; with no scored day it returns (0, 0) and leaves g unchanged.
//
// The model is only read, so goroutines may call LossAndGrad at once with separate Grads. It
// panics when the example or g does not fit the model, which is a caller's bug.
func (m *Model) LossAndGrad(ex Example, steps int, seed uint64, g *Grads) (loss float64, count int) {
	if err := m.checkInput(ex.X, ex.Days, ex.Question, steps); err != nil {
		panic(fmt.Sprintf("latentmodel: LossAndGrad: %v", err))
	}
	if err := checkTargets(ex.Targets, ex.Days, m.Config.Bins); err != nil {
		panic(fmt.Sprintf("latentmodel: LossAndGrad: %v", err))
	}
	if g == nil {
		panic("latentmodel: LossAndGrad needs gradients from NewGrads, got nil")
	}
	gp := m.gradParams(g)
	ps := m.newPass(ex.Days)
	defer m.done(ps)

	s0 := ps.ar.alloc(ex.Days * m.Config.Width) // [days, width]
	randomState(m.Config, s0, seed)
	diff := min(steps, m.Config.BackpropSteps)
	return ps.lossAndGrad(ex.X, ex.Question, ex.Targets, s0, steps-diff, diff, gp)
}

func checkTargets(targets []int32, days, bins int) error {
	if len(targets) != days {
		return fmt.Errorf("%w: %d targets for %d days", ErrInvalidInput, len(targets), days)
	}
	for i, t := range targets {
		if t < -1 || int(t) >= bins {
			return fmt.Errorf("%w: target of day %d is %d, must be −1 or a bin in 0..%d", ErrInvalidInput, i, t, bins-1)
		}
	}
	return nil
}

// runSteps returns the state after n core steps from s0 without keeping activations.
func (ps *pass[F]) runSteps(s0, inj []F, n int) []F {
	s := s0
	if n == 0 {
		return s
	}
	st := ps.newStepActs()
	buf := ps.ar.alloc(len(s0)) // [days, width]
	for range n {
		copy(buf, ps.coreStep(s, inj, st))
		s = buf
	}
	return s
}

// lossAndGrad runs prefix core steps from s0 without activations, then diff steps with them, and
// returns the mean cross-entropy over days with a target. With g non-nil it adds the gradient,
// treating the state after the prefix as a constant.
func (ps *pass[F]) lossAndGrad(x []F, q Question, targets []int32, s0 []F, prefix, diff int, g *params[F]) (float64, int) {
	t, w, bins := ps.dm.days, ps.dm.width, ps.p.cfg.Bins
	count := 0
	for _, y := range targets {
		if y >= 0 {
			count++
		}
	}
	if count == 0 {
		return 0, 0
	}

	// Forward, keeping what the backward pass reads.
	tok := ps.ar.alloc(t * w) // [days, width]
	ps.tokens(tok, x, q)
	preludeActs := ps.newActs(len(ps.p.prelude))
	e := ps.prelude(tok, preludeActs)
	inj := ps.ar.alloc(t * w) // [days, width]
	ps.injection(inj, e)

	s := ps.runSteps(s0, inj, prefix)
	steps := make([]*stepActs[F], diff)
	for i := range steps {
		steps[i] = ps.newStepActs()
		s = ps.coreStep(s, inj, steps[i])
	}
	h := ps.newHeadActs()
	ps.head(s, q, h)

	var loss float64
	for i, y := range targets {
		if y >= 0 {
			loss -= math.Log(max(float64(h.probs[i*bins+int(y)]), minProb))
		}
	}
	loss /= float64(count)
	if g == nil {
		return loss, count
	}

	// Backward. cur and next hold the gradient flowing down and swap after each layer.
	cur, next := ps.ar.alloc(t*w), ps.ar.alloc(t*w) // [days, width]
	sc := newBlockScratch(ps.ar, ps.dm)
	ps.headBackward(g, h, s, q, targets, count, cur, next, sc)

	dinj := ps.ar.alloc(t * w) // [days, width] Σ over steps of d(adapter output)
	coreT := make([]*blockParams[F], len(ps.p.core))
	for b := range coreT {
		coreT[b] = ps.p.core[b].transposed(ps.ar, ps.dm)
	}
	adapterT := transposeNew(ps.ar, ps.p.adapter, 2*w, w) // [width, 2·width]: columns 0..width-1 map back to the state
	for i := diff - 1; i >= 0; i-- {
		st := steps[i]
		for b := len(ps.p.core) - 1; b >= 0; b-- {
			ps.p.core[b].backward(ps.dm, ps.rp, st.blocks[b], cur, next, coreT[b], &g.core[b], sc)
			cur, next = next, cur
		}
		addTo(dinj, cur)
		matMulTransAAdd(g.adapter[:w*w], st.s, cur, t, w, w)
		if i > 0 {
			clear(next)
			gemm(next, cur, adapterT, w, 1, 2*w, w, t, w, w)
			cur, next = next, cur
		}
	}

	matMulTransAAdd(g.adapter[w*w:], e, dinj, t, w, w)
	clear(cur)
	gemm(cur, dinj, adapterT[w:], w, 1, 2*w, w, t, w, w)
	for b := len(ps.p.prelude) - 1; b >= 0; b-- {
		bt := ps.p.prelude[b].transposed(ps.ar, ps.dm)
		ps.p.prelude[b].backward(ps.dm, ps.rp, preludeActs[b], cur, next, bt, &g.prelude[b], sc)
		cur, next = next, cur
	}
	ps.tokensBackward(g, cur, x, q)
	return loss, count
}

// headBackward sets cur to the gradient of the mean cross-entropy with respect to the last core
// state s, and adds the gradients of the head, final norm and coda. next is scratch.
func (ps *pass[F]) headBackward(g *params[F], h *headActs[F], s []F, q Question, targets []int32, count int, cur, next []F, sc *blockScratch[F]) {
	t, w, bins := ps.dm.days, ps.dm.width, ps.p.cfg.Bins

	// d(CE)/d(logits) = (p − onehot(y)) / count on scored days.
	dlogits := ps.ar.alloc(t * bins) // [days, bins]
	scale := 1 / F(count)
	for i, y := range targets {
		if y < 0 {
			continue
		}
		row := dlogits[i*bins : (i+1)*bins]
		for j, p := range h.probs[i*bins : (i+1)*bins] {
			row[j] = p * scale
		}
		row[y] -= scale
	}
	matMulTransAAdd(g.headW[q], h.f2, dlogits, t, w, bins)
	sumRowsAdd(g.headB[q], dlogits, t, bins)
	df2 := ps.ar.alloc(t * w) // [days, width]
	matMulTransBAdd(df2, dlogits, ps.p.headW[q], t, w, bins)

	codaOut := h.f1
	if n := len(ps.p.coda); n > 0 {
		codaOut = h.coda[n-1].out
	}
	rmsNormBackward(cur, g.finalNorm, df2, codaOut, h.inv2, ps.p.finalNorm, t, w)
	for b := len(ps.p.coda) - 1; b >= 0; b-- {
		bt := ps.p.coda[b].transposed(ps.ar, ps.dm)
		ps.p.coda[b].backward(ps.dm, ps.rp, h.coda[b], cur, next, bt, &g.coda[b], sc)
		copy(cur, next)
	}
	rmsNormBackward(next, g.finalNorm, cur, s, h.inv1, ps.p.finalNorm, t, w)
	copy(cur, next)
}
