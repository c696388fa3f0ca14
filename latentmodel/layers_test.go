package latentmodel

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// weightedSum returns Σ r·y, the scalar whose gradient with respect to y is r.
func weightedSum(r, y []float64) float64 {
	var s float64
	for i, v := range y {
		s += r[i] * v
	}
	return s
}

func TestRMSNormValues(t *testing.T) {
	x := []float64{1, 2, 3, 4}
	g := []float64{1, 1, 2, 0.5}
	y := make([]float64, 4)
	inv := make([]float64, 1)
	rmsNorm(y, inv, x, g, 1, 4)

	// rms = sqrt((1+4+9+16)/4 + 1e-6) = sqrt(7.500001)
	want := []float64{0.36514835, 0.73029669, 2.19089007, 0.73029669}
	assert.InDeltaSlice(t, want, y, 1e-7)
	assert.InDelta(t, 1/math.Sqrt(7.500001), inv[0], 1e-12)
}

func TestRMSNormGradient(t *testing.T) {
	rows, width := 3, 5
	rng := rand.New(rand.NewPCG(1, 2))
	x, g, r := randomSlice(rng, rows*width, 1), randomSlice(rng, width, 1), randomSlice(rng, rows*width, 1)
	loss := func() float64 {
		y, inv := make([]float64, rows*width), make([]float64, rows)
		rmsNorm(y, inv, x, g, rows, width)
		return weightedSum(r, y)
	}
	y, inv := make([]float64, rows*width), make([]float64, rows)
	rmsNorm(y, inv, x, g, rows, width)
	dx, dg := make([]float64, rows*width), make([]float64, width)
	rmsNormBackward(dx, dg, r, x, inv, g, rows, width)
	checkGradient(t, "x", x, dx, loss)
	checkGradient(t, "gain", g, dg, loss)
}

func TestRopePairs(t *testing.T) {
	cfg := Config{Width: 4, Heads: 1, Window: 3, RopeBase: 100}
	rp := newRope[float64](cfg)
	x := []float64{1, 0, 0, 1}
	rp.rotate(x, 2, 1, 1, false)

	// Day 2: the pair (0, 1) turns by 2 rad, the pair (2, 3) by 2·100^(−1/2) = 0.2 rad.
	want := []float64{math.Cos(2), math.Sin(2), -math.Sin(0.2), math.Cos(0.2)}
	assert.InDeltaSlice(t, want, x, 1e-12)

	rp.rotate(x, 2, 1, 1, true)
	assert.InDeltaSlice(t, []float64{1, 0, 0, 1}, x, 1e-12, "inverse rotation")
}

func TestRopeRelative(t *testing.T) {
	cfg := Config{Width: 8, Heads: 2, Window: 12, RopeBase: 10000}
	rp := newRope[float64](cfg)
	rng := rand.New(rand.NewPCG(3, 4))
	q, k := randomSlice(rng, 8, 1), randomSlice(rng, 8, 1)
	score := func(m, n int) float64 {
		qm, kn := append([]float64(nil), q...), append([]float64(nil), k...)
		rp.rotate(qm, m, 1, 2, false)
		rp.rotate(kn, n, 1, 2, false)
		return dot(qm[:4], kn[:4]) + dot(qm[4:], kn[4:])
	}
	for _, offset := range []int{0, 1, 3, 5} {
		ref := score(offset, 0)
		for n := 1; n+offset < cfg.Window; n++ {
			assert.InDelta(t, ref, score(n+offset, n), 1e-12, "offset %d at day %d", offset, n)
		}
	}
	assert.NotEqual(t, score(1, 0), score(3, 0), "scores must depend on the distance")
}

func TestSwiGLUValues(t *testing.T) {
	up := []float64{1, -2, 3, 0.5} // gate [1, −2], up [3, 0.5]
	act := make([]float64, 2)
	swiGLU(act, up, 1, 2)

	sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	want := []float64{1 * sig(1) * 3, -2 * sig(-2) * 0.5}
	assert.InDeltaSlice(t, want, act, 1e-12)
	assert.InDelta(t, 2.1931757358, act[0], 1e-9)
	assert.InDelta(t, -0.1192029220, act[1], 1e-9)
}

func TestSwiGLUGradient(t *testing.T) {
	rows, hidden := 2, 3
	rng := rand.New(rand.NewPCG(5, 6))
	up, r := randomSlice(rng, rows*2*hidden, 2), randomSlice(rng, rows*hidden, 1)
	loss := func() float64 {
		act := make([]float64, rows*hidden)
		swiGLU(act, up, rows, hidden)
		return weightedSum(r, act)
	}
	dup := make([]float64, rows*2*hidden)
	swiGLUBackward(dup, r, up, rows, hidden)
	checkGradient(t, "up", up, dup, loss)
}

func TestAttentionGradient(t *testing.T) {
	dm := dims{days: 5, width: 8, heads: 2, headDim: 4, hidden: 1}
	n := dm.days * dm.width
	rng := rand.New(rand.NewPCG(7, 8))
	q, k, v, r := randomSlice(rng, n, 1), randomSlice(rng, n, 1), randomSlice(rng, n, 1), randomSlice(rng, n, 1)
	probs := make([]float64, dm.days*dm.heads*dm.days)
	ctx := make([]float64, n)
	loss := func() float64 {
		attention(ctx, probs, q, k, v, make([]float64, dm.headDim*dm.days), dm)
		return weightedSum(r, ctx)
	}
	loss()
	dq, dk, dv := make([]float64, n), make([]float64, n), make([]float64, n)
	attentionBackward(dq, dk, dv, r, q, k, v, probs, make([]float64, (dm.days+dm.headDim)*dm.days), dm)
	checkGradient(t, "q", q, dq, loss)
	checkGradient(t, "k", k, dk, loss)
	checkGradient(t, "v", v, dv, loss)
}

func TestAttentionWeightsSumToOne(t *testing.T) {
	dm := dims{days: 4, width: 4, heads: 2, headDim: 2, hidden: 1}
	n := dm.days * dm.width
	rng := rand.New(rand.NewPCG(9, 10))
	probs := make([]float64, dm.days*dm.heads*dm.days)
	attention(make([]float64, n), probs, randomSlice(rng, n, 3), randomSlice(rng, n, 3), randomSlice(rng, n, 1), make([]float64, dm.headDim*dm.days), dm)
	for i := range dm.days {
		for h := range dm.heads {
			row := probs[(i*dm.heads+h)*dm.days:][:i+1]
			var sum float64
			for _, p := range row {
				sum += p
			}
			assert.InDelta(t, 1, sum, 1e-12, "day %d head %d", i, h)
		}
	}
}

// TestBlockGradient checks one sandwich block alone: its input and every weight.
func TestBlockGradient(t *testing.T) {
	m, err := New(tinyConfig(), 21)
	require.NoError(t, err)
	p, _ := params64(t, m, 0.2, 22)
	b := &p.core[0]
	days := 5
	ps := newPass64(p, days)
	rng := rand.New(rand.NewPCG(23, 24))
	x, r := randomSlice(rng, days*p.cfg.Width, 1), randomSlice(rng, days*p.cfg.Width, 1)
	loss := func() float64 {
		a := newBlockActs(ps.ar, ps.dm)
		return weightedSum(r, b.forward(ps.dm, ps.rp, x, a))
	}
	a := newBlockActs(ps.ar, ps.dm)
	b.forward(ps.dm, ps.rp, x, a)
	g := zeroBlock(b)
	dx := make([]float64, len(x))
	b.backward(ps.dm, ps.rp, a, r, dx, b.transposed(ps.ar, ps.dm), g, newBlockScratch(ps.ar, ps.dm))

	checkGradient(t, "x", x, dx, loss)
	for _, f := range blockFields(b, g) {
		checkGradient(t, f.name, f.value, f.grad, loss)
	}
}

type blockField struct {
	name        string
	value, grad []float64
}

func blockFields(b, g *blockParams[float64]) []blockField {
	return []blockField{
		{"norm1", b.norm1, g.norm1}, {"norm2", b.norm2, g.norm2}, {"norm3", b.norm3, g.norm3}, {"norm4", b.norm4, g.norm4},
		{"wq", b.wq, g.wq}, {"wk", b.wk, g.wk}, {"wv", b.wv, g.wv}, {"wo", b.wo, g.wo},
		{"bq", b.bq, g.bq}, {"bk", b.bk, g.bk}, {"wUp", b.wUp, g.wUp}, {"wDown", b.wDown, g.wDown},
	}
}

func zeroBlock(b *blockParams[float64]) *blockParams[float64] {
	z := func(s []float64) []float64 { return make([]float64, len(s)) }
	return &blockParams[float64]{
		norm1: z(b.norm1), norm2: z(b.norm2), norm3: z(b.norm3), norm4: z(b.norm4),
		wq: z(b.wq), wk: z(b.wk), wv: z(b.wv), wo: z(b.wo), bq: z(b.bq), bk: z(b.bk),
		wUp: z(b.wUp), wDown: z(b.wDown),
	}
}

func TestBlockCausal(t *testing.T) {
	m, err := New(tinyConfig(), 25)
	require.NoError(t, err)
	p, _ := params64(t, m, 0.2, 26)
	days := 5
	ps := newPass64(p, days)
	rng := rand.New(rand.NewPCG(27, 28))
	x := randomSlice(rng, days*p.cfg.Width, 1)
	before := append([]float64(nil), p.core[0].forward(ps.dm, ps.rp, x, newBlockActs(ps.ar, ps.dm))...)

	w := p.cfg.Width
	for j := range w {
		x[(days-1)*w+j] += 5
	}
	after := p.core[0].forward(ps.dm, ps.rp, x, newBlockActs(ps.ar, ps.dm))
	assert.Equal(t, before[:(days-1)*w], after[:(days-1)*w], "earlier days must not see a later day")
	assert.NotEqual(t, before[(days-1)*w:], after[(days-1)*w:], "the changed day must change")
}

func TestBlockForwardLast(t *testing.T) {
	m, err := New(tinyConfig(), 29)
	require.NoError(t, err)
	p, _ := params64(t, m, 0.2, 30)
	days := 4
	ps := newPass64(p, days)
	x := randomSlice(rand.New(rand.NewPCG(31, 32)), days*p.cfg.Width, 1)
	full := p.coda[0].forward(ps.dm, ps.rp, x, newBlockActs(ps.ar, ps.dm))
	last := p.coda[0].forwardLast(ps.dm, ps.rp, x, newBlockActs(ps.ar, ps.dm))
	w := p.cfg.Width
	assert.InDeltaSlice(t, full[(days-1)*w:], last, 1e-12)
}

func TestTokensGradient(t *testing.T) {
	m, err := New(tinyConfig(), 33)
	require.NoError(t, err)
	p, data := params64(t, m, 0, 34)
	g, grads := zeroParams64(p.cfg, data)
	days := 4
	ps := newPass64(p, days)
	rng := rand.New(rand.NewPCG(35, 36))
	x, r := randomSlice(rng, days*p.cfg.Features, 1), randomSlice(rng, days*p.cfg.Width, 1)
	loss := func() float64 {
		tok := make([]float64, days*p.cfg.Width)
		ps.tokens(tok, x, Upside)
		return weightedSum(r, tok)
	}
	ps.tokensBackward(g, r, x, Upside)
	checkGradient(t, "in_proj", data[0], grads[0], loss)
	checkGradient(t, "question_emb", data[1], grads[1], loss)
}

// TestHeadGradient checks the path from the last core state to the loss: final norm, coda, the
// same final norm again, head and cross-entropy.
func TestHeadGradient(t *testing.T) {
	cfg := tinyConfig()
	cfg.CodaBlocks = 2
	m, err := New(cfg, 37)
	require.NoError(t, err)
	p, data := params64(t, m, 0.2, 38)
	g, grads := zeroParams64(cfg, data)
	days := 5
	targets := []int32{1, 0, -1, 2, 2}
	s := randomSlice(rand.New(rand.NewPCG(39, 40)), days*cfg.Width, 1)
	loss := func() float64 {
		ps := newPass64(p, days)
		h := ps.newHeadActs()
		ps.head(s, Downside, h)
		var l float64
		for i, y := range targets {
			if y >= 0 {
				l -= math.Log(h.probs[i*cfg.Bins+int(y)])
			}
		}
		return l / 4
	}
	ps := newPass64(p, days)
	h := ps.newHeadActs()
	ps.head(s, Downside, h)
	cur, next := make([]float64, len(s)), make([]float64, len(s))
	ps.headBackward(g, h, s, Downside, targets, 4, cur, next, newBlockScratch(ps.ar, ps.dm))

	checkGradient(t, "state", s, cur, loss)
	for i, tensor := range m.Tensors() {
		checkGradient(t, tensor.Name, data[i], grads[i], loss)
	}
}

func TestRopeGradient(t *testing.T) {
	cfg := Config{Width: 8, Heads: 2, Window: 5, RopeBase: 10000}
	rp := newRope[float64](cfg)
	rng := rand.New(rand.NewPCG(41, 42))
	x, r := randomSlice(rng, 4*8, 1), randomSlice(rng, 4*8, 1)
	loss := func() float64 {
		y := append([]float64(nil), x...)
		rp.rotate(y, 1, 4, 2, false)
		return weightedSum(r, y)
	}
	dx := append([]float64(nil), r...)
	rp.rotate(dx, 1, 4, 2, true)
	checkGradient(t, "x", x, dx, loss)
}
