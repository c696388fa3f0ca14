package latentmodel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
)

// Model is a recurrent-depth transformer over trading days. A prelude embeds the window once, a
// core of shared blocks refines a latent state for a chosen number of steps, and a coda and a
// per-question head turn the state into a distribution over bins. Think, Predict and LossAndGrad
// only read the model, so they may run concurrently. An optimizer may update Tensors between
// calls, but not during one.
type Model struct {
	// Config is the model's shape. Do not change it after New.
	Config Config

	tensors []*Tensor      // every parameter, in visit order
	rope    *rope[float32] // rotary tables for Config.Window days
	arenas  *sync.Pool     // *arena[float32] scratch, one per running call
}

// Seed streams of the PCG generator: the weights and s0 come from different streams of one seed.
const (
	initStream  = 0x6c6174656e74 // "latent"
	stateStream = 0x7374617465   // "state"
)

// New returns a model with freshly initialized weights, deterministic in seed. Weights are
// truncated normals at ±3σ with σ = sqrt(2/(5·width)) for the input projection,
// question embedding, q, k, v, MLP up, adapter and heads, and σ/sqrt(2·depth) for the attention
// and MLP output projections, where depth = prelude + core·MeanSteps + coda blocks. Norm gains
// start at 1 and biases at 0.
func New(cfg Config, seed uint64) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Model{
		Config: cfg,
		rope:   newRope[float32](cfg),
		arenas: &sync.Pool{New: func() any { return new(arena[float32]) }},
	}
	rng := rand.New(rand.NewPCG(seed, initStream))
	std := smallInitStd(cfg)
	outStd := std / math.Sqrt(2*float64(cfg.effectiveDepth()))
	newParams[float32](cfg).visit(func(spec tensorSpec, _ *[]float32) {
		t := &Tensor{Name: spec.name, Shape: spec.shape, NoDecay: spec.noDecay}
		t.Data = make([]float32, t.Size())
		switch spec.init {
		case initOnes:
			for i := range t.Data {
				t.Data[i] = 1
			}
		case initStd:
			fillTruncNormal(rng, t.Data, std)
		case initOutput:
			fillTruncNormal(rng, t.Data, outStd)
		}
		m.tensors = append(m.tensors, t)
	})
	return m, nil
}

// smallInitStd is σ = sqrt(2/(5·width)), the std of the small-init scheme.
func smallInitStd(cfg Config) float64 { return math.Sqrt(2 / (5 * float64(cfg.Width))) }

// fillTruncNormal fills dst with normal draws of the given std, redrawing any beyond ±3 std.
func fillTruncNormal[F float](rng *rand.Rand, dst []F, std float64) {
	for i := range dst {
		z := rng.NormFloat64()
		for math.Abs(z) > 3 {
			z = rng.NormFloat64()
		}
		dst[i] = F(z * std)
	}
}

// Tensors returns every parameter in a stable order with unique names. The tensors are the
// model's own: writing to Data changes the model.
func (m *Model) Tensors() []*Tensor { return m.tensors }

// NumParams returns the number of scalar parameters.
func (m *Model) NumParams() int {
	n := 0
	for _, t := range m.tensors {
		n += len(t.Data)
	}
	return n
}

// params returns a float32 view of the weights that aliases the tensors.
func (m *Model) params() *params[float32] {
	data := make([][]float32, len(m.tensors))
	for i, t := range m.tensors {
		data[i] = t.Data
	}
	return bindParams(m.Config, data)
}

// gradParams returns a float32 view of g shaped like the model's parameters.
func (m *Model) gradParams(g *Grads) *params[float32] {
	if len(g.data) != len(m.tensors) {
		panic(fmt.Sprintf("latentmodel: gradients have %d tensors, the model has %d (make them with NewGrads)", len(g.data), len(m.tensors)))
	}
	return bindParams(m.Config, g.data)
}

// newPass takes a scratch arena from the pool; call done to return it.
func (m *Model) newPass(days int) *pass[float32] {
	ar := m.arenas.Get().(*arena[float32])
	ar.reset()
	return &pass[float32]{p: m.params(), rp: m.rope, dm: newDims(m.Config, days), ar: ar}
}

func (m *Model) done(ps *pass[float32]) {
	ps.ar.reset()
	m.arenas.Put(ps.ar)
}

// randomState fills s with the random initial state s0: truncated normal draws of std
// sqrt(2/(5·width)) times sqrt(width), so each entry has std ≈ 0.63, from the seed's state stream.
func randomState[F float](cfg Config, s []F, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, stateStream))
	fillTruncNormal(rng, s, smallInitStd(cfg)*math.Sqrt(float64(cfg.Width)))
}
