package latentmodel

// dims are the sizes of one pass over a window.
type dims struct {
	days, width, heads, headDim, hidden int
}

func newDims(cfg Config, days int) dims {
	return dims{days: days, width: cfg.Width, heads: cfg.Heads, headDim: cfg.headDim(), hidden: cfg.MLPHidden}
}

// blockActs are the activations of one sandwich block application, kept for its backward pass:
//
//	x̂ = n2(x + Attn(n1(x)));  out = n4(x̂ + MLP(n3(x̂)))
type blockActs[F float] struct {
	x       []F // [days, width] block input, not owned
	a1      []F // [days, width] n1(x)
	inv1    []F // [days] 1/rms of x
	q, k, v []F // [days, width] projections; q and k after bias and RoPE
	probs   []F // [days, heads, days] causal attention weights
	kt      []F // [headDim, days] scratch: keys of one head, transposed
	ctx     []F // [days, width] attention output before the output projection
	h1      []F // [days, width] x + Attn(n1(x))
	inv2    []F // [days]
	xh      []F // [days, width] x̂ = n2(h1)
	inv3    []F // [days]
	a3      []F // [days, width] n3(x̂)
	up      []F // [days, 2·hidden] gate | up
	act     []F // [days, hidden] silu(gate)·up
	h2      []F // [days, width] x̂ + MLP(n3(x̂))
	inv4    []F // [days]
	out     []F // [days, width] n4(h2)
}

func newBlockActs[F float](ar *arena[F], dm dims) *blockActs[F] {
	t, w, hid := dm.days, dm.width, dm.hidden
	return &blockActs[F]{
		a1: ar.alloc(t * w), inv1: ar.alloc(t),
		q: ar.alloc(t * w), k: ar.alloc(t * w), v: ar.alloc(t * w),
		probs: ar.alloc(t * dm.heads * t), kt: ar.alloc(dm.headDim * t), ctx: ar.alloc(t * w),
		h1: ar.alloc(t * w), inv2: ar.alloc(t), xh: ar.alloc(t * w),
		inv3: ar.alloc(t), a3: ar.alloc(t * w),
		up: ar.alloc(t * 2 * hid), act: ar.alloc(t * hid),
		h2: ar.alloc(t * w), inv4: ar.alloc(t), out: ar.alloc(t * w),
	}
}

// forward applies the block to x [days, width]; the result is a.out.
func (b *blockParams[F]) forward(dm dims, rp *rope[F], x []F, a *blockActs[F]) []F {
	t, w := dm.days, dm.width
	a.x = x
	rmsNorm(a.a1, a.inv1, x, b.norm1, t, w)

	b.projectKV(dm, rp, a)
	b.projectQ(dm, rp, a, 0, t)
	attention(a.ctx, a.probs, a.q, a.k, a.v, a.kt, dm)

	b.finish(dm, a, 0, t)
	return a.out
}

// forwardLast applies the block but computes only the last day's output, because the final
// prediction needs no other row. Keys and values still come from every day. It returns that row
// [width] and leaves the other rows of a.out unset.
func (b *blockParams[F]) forwardLast(dm dims, rp *rope[F], x []F, a *blockActs[F]) []F {
	t, w := dm.days, dm.width
	last := t - 1
	a.x = x
	rmsNorm(a.a1, a.inv1, x, b.norm1, t, w)

	b.projectKV(dm, rp, a)
	b.projectQ(dm, rp, a, last, 1)
	ph := dm.heads * t
	attendRow(a.ctx[last*w:t*w], a.probs[last*ph:t*ph], a.q[last*w:t*w], a.k, a.v, last, dm)

	b.finish(dm, a, last, 1)
	return a.out[last*w : t*w]
}

// projectKV sets a.k and a.v for every day from a.a1.
func (b *blockParams[F]) projectKV(dm dims, rp *rope[F], a *blockActs[F]) {
	t, w := dm.days, dm.width
	matMul(a.k, a.a1, b.wk, t, w, w)
	addRows(a.k, b.bk, t, w)
	rp.rotate(a.k, 0, t, dm.heads, false)
	matMul(a.v, a.a1, b.wv, t, w, w)
}

// projectQ sets rows first..first+rows of a.q from a.a1.
func (b *blockParams[F]) projectQ(dm dims, rp *rope[F], a *blockActs[F], first, rows int) {
	w := dm.width
	q := a.q[first*w : (first+rows)*w]
	matMul(q, a.a1[first*w:], b.wq, rows, w, w)
	addRows(q, b.bq, rows, w)
	rp.rotate(q, first, rows, dm.heads, false)
}

// finish runs the row-wise rest of the block on rows first..first+rows, from a.ctx onward.
func (b *blockParams[F]) finish(dm dims, a *blockActs[F], first, rows int) {
	w, hid := dm.width, dm.hidden
	lo, hi := first*w, (first+rows)*w

	h1 := a.h1[lo:hi]
	copy(h1, a.x[lo:hi])
	matMulAdd(h1, a.ctx[lo:hi], b.wo, rows, w, w)
	xh := a.xh[lo:hi]
	rmsNorm(xh, a.inv2[first:], h1, b.norm2, rows, w)

	a3 := a.a3[lo:hi]
	rmsNorm(a3, a.inv3[first:], xh, b.norm3, rows, w)
	up := a.up[first*2*hid : (first+rows)*2*hid]
	matMul(up, a3, b.wUp, rows, w, 2*hid)
	act := a.act[first*hid : (first+rows)*hid]
	swiGLU(act, up, rows, hid)
	h2 := a.h2[lo:hi]
	copy(h2, xh)
	matMulAdd(h2, act, b.wDown, rows, hid, w)
	rmsNorm(a.out[lo:hi], a.inv4[first:], h2, b.norm4, rows, w)
}

// blockScratch holds the temporaries of one block backward pass; one set serves every block.
type blockScratch[F float] struct {
	dh2, dxh, dh1, dctx, dq, dk, dv, da []F // [days, width]
	dact                                []F // [days, hidden]
	dup                                 []F // [days, 2·hidden]
	tmp                                 []F // [days + headDim, days]
}

func newBlockScratch[F float](ar *arena[F], dm dims) *blockScratch[F] {
	t, w := dm.days, dm.width
	return &blockScratch[F]{
		dh2: ar.alloc(t * w), dxh: ar.alloc(t * w), dh1: ar.alloc(t * w), dctx: ar.alloc(t * w),
		dq: ar.alloc(t * w), dk: ar.alloc(t * w), dv: ar.alloc(t * w), da: ar.alloc(t * w),
		dact: ar.alloc(t * dm.hidden), dup: ar.alloc(t * 2 * dm.hidden), tmp: ar.alloc((t + dm.headDim) * t),
	}
}

// transposed returns a blockParams holding only the block's matrices, transposed, so that the
// input gradients dx = dy·Wᵀ of backward run as forward products x·W, the fastest kernel.
func (b *blockParams[F]) transposed(ar *arena[F], dm dims) *blockParams[F] {
	w, hid := dm.width, dm.hidden
	return &blockParams[F]{
		wq:    transposeNew(ar, b.wq, w, w),
		wk:    transposeNew(ar, b.wk, w, w),
		wv:    transposeNew(ar, b.wv, w, w),
		wo:    transposeNew(ar, b.wo, w, w),
		wUp:   transposeNew(ar, b.wUp, w, 2*hid), // [2·hidden, width]
		wDown: transposeNew(ar, b.wDown, hid, w), // [width, hidden]
	}
}

// backward sets dx [days, width] from dout, the gradient of a.out, and adds the weight
// gradients to g. bt holds the block's matrices transposed (see transposed). dout is left
// unchanged and may not alias dx.
func (b *blockParams[F]) backward(dm dims, rp *rope[F], a *blockActs[F], dout, dx []F, bt, g *blockParams[F], s *blockScratch[F]) {
	t, w, hid := dm.days, dm.width, dm.hidden

	// out = n4(h2), h2 = x̂ + down(swiGLU(up(n3(x̂))))
	rmsNormBackward(s.dh2, g.norm4, dout, a.h2, a.inv4, b.norm4, t, w)
	matMul(s.dact, s.dh2, bt.wDown, t, w, hid)
	matMulTransAAdd(g.wDown, a.act, s.dh2, t, hid, w)
	swiGLUBackward(s.dup, s.dact, a.up, t, hid)
	matMul(s.da, s.dup, bt.wUp, t, 2*hid, w)
	matMulTransAAdd(g.wUp, a.a3, s.dup, t, w, 2*hid)
	rmsNormBackward(s.dxh, g.norm3, s.da, a.xh, a.inv3, b.norm3, t, w)
	addTo(s.dxh, s.dh2)

	// x̂ = n2(h1), h1 = x + o(attn(q, k, v))
	rmsNormBackward(s.dh1, g.norm2, s.dxh, a.h1, a.inv2, b.norm2, t, w)
	matMul(s.dctx, s.dh1, bt.wo, t, w, w)
	matMulTransAAdd(g.wo, a.ctx, s.dh1, t, w, w)
	attentionBackward(s.dq, s.dk, s.dv, s.dctx, a.q, a.k, a.v, a.probs, s.tmp, dm)
	rp.rotate(s.dq, 0, t, dm.heads, true)
	rp.rotate(s.dk, 0, t, dm.heads, true)
	sumRowsAdd(g.bq, s.dq, t, w)
	sumRowsAdd(g.bk, s.dk, t, w)
	matMul(s.da, s.dq, bt.wq, t, w, w)
	matMulAdd(s.da, s.dk, bt.wk, t, w, w)
	matMulAdd(s.da, s.dv, bt.wv, t, w, w)
	matMulTransAAdd(g.wq, a.a1, s.dq, t, w, w)
	matMulTransAAdd(g.wk, a.a1, s.dk, t, w, w)
	matMulTransAAdd(g.wv, a.a1, s.dv, t, w, w)

	// a1 = n1(x), and the residual path
	rmsNormBackward(dx, g.norm1, s.da, a.x, a.inv1, b.norm1, t, w)
	addTo(dx[:t*w], s.dh1)
}
