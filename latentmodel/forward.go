package latentmodel

import "math"

// pass is one forward (and optionally backward) computation on one window, with the weights,
// rotary tables, sizes and scratch it uses.
type pass[F float] struct {
	p  *params[F]
	rp *rope[F]
	dm dims
	ar *arena[F]
}

// inputScale multiplies the projected features. A standardized input (unit variance per feature)
// projected by weights of std σ has std σ·sqrt(features); sqrt(width/features) brings it to
// σ·sqrt(width) ≈ 0.63, the scale of s0 and of the question embedding times sqrt(width).
func (ps *pass[F]) inputScale() F {
	return F(math.Sqrt(float64(ps.p.cfg.Width) / float64(ps.p.cfg.Features)))
}

// embedScale multiplies the question embedding: sqrt(width).
func (ps *pass[F]) embedScale() F { return F(math.Sqrt(float64(ps.p.cfg.Width))) }

// tokens sets tok [days, width] = inputScale·x·W_in + sqrt(width)·questionEmb[q] from
// x [days, features].
func (ps *pass[F]) tokens(tok, x []F, q Question) {
	t, w, f := ps.dm.days, ps.dm.width, ps.p.cfg.Features
	matMul(tok, x, ps.p.inProj, t, f, w)
	in, qs := ps.inputScale(), ps.embedScale()
	emb := ps.p.questionEmb[int(q)*w : (int(q)+1)*w]
	for i := range t {
		row := tok[i*w : (i+1)*w]
		for j, e := range emb {
			row[j] = row[j]*in + e*qs
		}
	}
}

// tokensBackward adds the gradients of the input projection and question embedding for dtok.
func (ps *pass[F]) tokensBackward(g *params[F], dtok, x []F, q Question) {
	t, w, f := ps.dm.days, ps.dm.width, ps.p.cfg.Features
	in, qs := ps.inputScale(), ps.embedScale()
	scaled := ps.ar.alloc(t * w) // [days, width] inputScale·dtok
	for i, v := range dtok[:t*w] {
		scaled[i] = v * in
	}
	matMulTransAAdd(g.inProj, x, scaled, t, f, w)
	emb := g.questionEmb[int(q)*w : (int(q)+1)*w]
	for i := range t {
		for j, v := range dtok[i*w : (i+1)*w] {
			emb[j] += v * qs
		}
	}
}

// newActs allocates activations for n blocks.
func (ps *pass[F]) newActs(n int) []*blockActs[F] {
	acts := make([]*blockActs[F], n)
	for i := range acts {
		acts[i] = newBlockActs(ps.ar, ps.dm)
	}
	return acts
}

// prelude returns e [days, width], the prelude applied to tok.
func (ps *pass[F]) prelude(tok []F, acts []*blockActs[F]) []F {
	h := tok
	for i := range ps.p.prelude {
		h = ps.p.prelude[i].forward(ps.dm, ps.rp, h, acts[i])
	}
	return h
}

// injection sets inj [days, width] = e·A_e, the half of the adapter that acts on e. It does not
// change across steps, so it is computed once per window.
func (ps *pass[F]) injection(inj, e []F) {
	w := ps.dm.width
	matMul(inj, e, ps.p.adapter[w*w:], ps.dm.days, w, w)
}

// stepActs are the activations of one differentiated core step.
type stepActs[F float] struct {
	s      []F // [days, width] state entering the step, not owned
	a      []F // [days, width] adapter output: s·A_s + e·A_e
	blocks []*blockActs[F]
}

func (ps *pass[F]) newStepActs() *stepActs[F] {
	return &stepActs[F]{a: ps.ar.alloc(ps.dm.days * ps.dm.width), blocks: ps.newActs(len(ps.p.core))}
}

// coreStep returns s_i = Core(adapter(concat(s, e))) for s [days, width]. The result aliases
// st, so it changes when st is reused.
func (ps *pass[F]) coreStep(s, inj []F, st *stepActs[F]) []F {
	w := ps.dm.width
	st.s = s
	matMul(st.a, s, ps.p.adapter[:w*w], ps.dm.days, w, w)
	addTo(st.a, inj)
	h := st.a
	for i := range ps.p.core {
		h = ps.p.core[i].forward(ps.dm, ps.rp, h, st.blocks[i])
	}
	return h
}

// headActs are the activations from the last core state to the output distribution.
type headActs[F float] struct {
	f1, inv1 []F // [days, width], [days]: finalNorm(s)
	coda     []*blockActs[F]
	f2, inv2 []F // [days, width], [days]: finalNorm(coda output)
	probs    []F // [days, bins]
}

func (ps *pass[F]) newHeadActs() *headActs[F] {
	t, w := ps.dm.days, ps.dm.width
	return &headActs[F]{
		f1: ps.ar.alloc(t * w), inv1: ps.ar.alloc(t),
		coda: ps.newActs(len(ps.p.coda)),
		f2:   ps.ar.alloc(t * w), inv2: ps.ar.alloc(t),
		probs: ps.ar.alloc(t * ps.p.cfg.Bins),
	}
}

// head sets h.probs [days, bins] from the last core state s [days, width]:
// softmax(head_q(finalNorm(coda(finalNorm(s))))).
func (ps *pass[F]) head(s []F, q Question, h *headActs[F]) {
	t, w, bins := ps.dm.days, ps.dm.width, ps.p.cfg.Bins
	rmsNorm(h.f1, h.inv1, s, ps.p.finalNorm, t, w)
	x := h.f1
	for i := range ps.p.coda {
		x = ps.p.coda[i].forward(ps.dm, ps.rp, x, h.coda[i])
	}
	rmsNorm(h.f2, h.inv2, x, ps.p.finalNorm, t, w)
	matMul(h.probs, h.f2, ps.p.headW[q], t, w, bins)
	addRows(h.probs, ps.p.headB[q], t, bins)
	for i := range t {
		softmax(h.probs[i*bins : (i+1)*bins])
	}
}

// headLast returns the last day's distribution [bins] for the core state s. Only the last coda
// block is restricted to the last row, because earlier coda blocks feed keys and values of every
// day to the ones after them.
func (ps *pass[F]) headLast(s []F, q Question, h *headActs[F]) []F {
	t, w, bins := ps.dm.days, ps.dm.width, ps.p.cfg.Bins
	last := t - 1
	rmsNorm(h.f1, h.inv1, s, ps.p.finalNorm, t, w)
	x := h.f1[last*w : t*w]
	n := len(ps.p.coda)
	if n > 0 {
		full := h.f1
		for i := range n - 1 {
			full = ps.p.coda[i].forward(ps.dm, ps.rp, full, h.coda[i])
		}
		x = ps.p.coda[n-1].forwardLast(ps.dm, ps.rp, full, h.coda[n-1])
	}
	f2 := h.f2[last*w : t*w]
	rmsNorm(f2, h.inv2[last:], x, ps.p.finalNorm, 1, w)
	probs := h.probs[last*bins : t*bins]
	matMul(probs, f2, ps.p.headW[q], 1, w, bins)
	addTo(probs, ps.p.headB[q])
	softmax(probs)
	return probs
}

// softmax replaces the logits in x with probabilities, computed in float64.
func softmax[F float](x []F) {
	top := math.Inf(-1)
	for _, v := range x {
		top = max(top, float64(v))
	}
	var sum float64
	for _, v := range x {
		sum += math.Exp(float64(v) - top)
	}
	for i, v := range x {
		x[i] = F(math.Exp(float64(v)-top) / sum)
	}
}
