package latentmodel

import "strconv"

// float is the element type of the model's kernels: float32 for inference and training, float64
// for the gradient checks, which run the same code.
type float interface{ ~float32 | ~float64 }

// blockParams are the weights of one sandwich block. Weight matrices are input-major.
type blockParams[F float] struct {
	norm1, norm2, norm3, norm4 []F // [width] RMSNorm gains

	wq, wk, wv []F // [width, width] attention projections
	bq, bk     []F // [heads, headDim] per-head biases of q and k, added before RoPE
	wo         []F // [width, width] attention output projection

	wUp   []F // [width, 2·hidden] fused SwiGLU input: gate columns, then up columns
	wDown []F // [hidden, width]
}

// params are all weights of a model, typed by the kernel element type. The float32 instance
// aliases the model's tensors; the float64 instance is a converted copy for gradient checks.
// Gradients use the same type, with each slice holding d(loss)/d(weight).
type params[F float] struct {
	cfg Config

	inProj      []F // [features, width]
	questionEmb []F // [questions, width]
	prelude     []blockParams[F]

	adapter []F // [2·width, width]: rows 0..width-1 act on the state, the rest on the prelude output
	core    []blockParams[F]

	finalNorm []F // [width] gain, applied after the core and again after the coda
	coda      []blockParams[F]

	headW [NumQuestions][]F // [width, bins]
	headB [NumQuestions][]F // [bins]
}

// initKind says how a tensor is initialized.
type initKind int

const (
	initOnes   initKind = iota // norm gains
	initZeros                  // biases
	initStd                    // truncated normal, σ = sqrt(2/(5·width))
	initOutput                 // truncated normal, σ / sqrt(2·effective depth)
)

// tensorSpec describes one parameter tensor.
type tensorSpec struct {
	name    string
	shape   []int
	init    initKind
	noDecay bool
}

func newParams[F float](cfg Config) *params[F] {
	return &params[F]{
		cfg:     cfg,
		prelude: make([]blockParams[F], cfg.PreludeBlocks),
		core:    make([]blockParams[F], cfg.CoreBlocks),
		coda:    make([]blockParams[F], cfg.CodaBlocks),
	}
}

// visit calls fn for every tensor in the stable order of Model.Tensors, with a pointer to the
// slice field that holds it.
func (p *params[F]) visit(fn func(spec tensorSpec, field *[]F)) {
	c := p.cfg
	w := c.Width
	fn(tensorSpec{"in_proj.weight", []int{c.Features, w}, initStd, false}, &p.inProj)
	fn(tensorSpec{"question_emb.weight", []int{NumQuestions, w}, initStd, false}, &p.questionEmb)
	for i := range p.prelude {
		p.prelude[i].visit(c, "prelude."+strconv.Itoa(i), fn)
	}
	fn(tensorSpec{"adapter.weight", []int{2 * w, w}, initStd, false}, &p.adapter)
	for i := range p.core {
		p.core[i].visit(c, "core."+strconv.Itoa(i), fn)
	}
	fn(tensorSpec{"final_norm.gain", []int{w}, initOnes, true}, &p.finalNorm)
	for i := range p.coda {
		p.coda[i].visit(c, "coda."+strconv.Itoa(i), fn)
	}
	for q := range NumQuestions {
		name := "head." + Question(q).String()
		fn(tensorSpec{name + ".weight", []int{w, c.Bins}, initStd, false}, &p.headW[q])
		fn(tensorSpec{name + ".bias", []int{c.Bins}, initZeros, true}, &p.headB[q])
	}
}

func (b *blockParams[F]) visit(c Config, prefix string, fn func(spec tensorSpec, field *[]F)) {
	w, h, d := c.Width, c.Heads, c.headDim()
	gain := func(name string, field *[]F) {
		fn(tensorSpec{prefix + "." + name + ".gain", []int{w}, initOnes, true}, field)
	}
	gain("norm1", &b.norm1)
	fn(tensorSpec{prefix + ".attn.q.weight", []int{w, w}, initStd, false}, &b.wq)
	fn(tensorSpec{prefix + ".attn.q.bias", []int{h, d}, initZeros, true}, &b.bq)
	fn(tensorSpec{prefix + ".attn.k.weight", []int{w, w}, initStd, false}, &b.wk)
	fn(tensorSpec{prefix + ".attn.k.bias", []int{h, d}, initZeros, true}, &b.bk)
	fn(tensorSpec{prefix + ".attn.v.weight", []int{w, w}, initStd, false}, &b.wv)
	fn(tensorSpec{prefix + ".attn.o.weight", []int{w, w}, initOutput, false}, &b.wo)
	gain("norm2", &b.norm2)
	gain("norm3", &b.norm3)
	fn(tensorSpec{prefix + ".mlp.up.weight", []int{w, 2 * c.MLPHidden}, initStd, false}, &b.wUp)
	fn(tensorSpec{prefix + ".mlp.down.weight", []int{c.MLPHidden, w}, initOutput, false}, &b.wDown)
	gain("norm4", &b.norm4)
}

// bindParams returns params whose slices are the given ones, in visit order. It panics when a
// slice has the wrong length, which means the tensors were replaced with wrongly shaped data.
func bindParams[F float](cfg Config, data [][]F) *params[F] {
	p := newParams[F](cfg)
	i := 0
	p.visit(func(spec tensorSpec, field *[]F) {
		want := 1
		for _, d := range spec.shape {
			want *= d
		}
		if i >= len(data) || len(data[i]) != want {
			got := -1
			if i < len(data) {
				got = len(data[i])
			}
			panic("latentmodel: tensor " + spec.name + " has " + strconv.Itoa(got) +
				" elements, shape needs " + strconv.Itoa(want))
		}
		*field = data[i]
		i++
	})
	return p
}
