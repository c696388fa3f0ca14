package latentmodel

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLossGradient checks every parameter of the tiny model against finite differences. With a
// prefix (steps > k) the reference graph starts the differentiated steps from the state the
// prefix produced with the unperturbed weights, held constant.
func TestLossGradient(t *testing.T) {
	cases := []struct {
		name  string
		steps int
		k     int
		q     Question
	}{
		{"one step", 1, 2, Return},
		{"all steps differentiated", 2, 2, Upside},
		{"no-gradient prefix", 5, 2, Downside},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tinyConfig()
			cfg.BackpropSteps = tc.k
			m, err := New(cfg, 7)
			require.NoError(t, err)
			p, data := params64(t, m, 0.1, 3)
			g, grads := zeroParams64(cfg, data)

			days := 5
			rng := rand.New(rand.NewPCG(11, 12))
			x := randomSlice(rng, days*cfg.Features, 1)
			targets := []int32{0, -1, 2, 1, 2}
			s0 := randomSlice(rng, days*cfg.Width, 0.6)
			diff := min(tc.steps, tc.k)
			prefix := tc.steps - diff

			loss, count := newPass64(p, days).lossAndGrad(x, tc.q, targets, s0, prefix, diff, g)
			require.Equal(t, 4, count)
			require.Greater(t, loss, 0.0)

			ps := newPass64(p, days)
			start := append([]float64(nil), ps.runSteps(s0, ps.encode(x, tc.q), prefix)...)
			lossFrom := func() float64 {
				l, _ := newPass64(p, days).lossAndGrad(x, tc.q, targets, start, 0, diff, nil)
				return l
			}
			assert.InDelta(t, loss, lossFrom(), 1e-12, "loss of the reference graph")
			for i, tensor := range m.Tensors() {
				checkGradient(t, tensor.Name, data[i], grads[i], lossFrom)
			}
		})
	}
}

// TestLossAndGradFloat32 compares the public float32 path, assembly kernels included, with the
// float64 reference on the default shape.
func TestLossAndGradFloat32(t *testing.T) {
	cfg := DefaultConfig()
	m, err := New(cfg, 40)
	require.NoError(t, err)
	days := 24
	rng := rand.New(rand.NewPCG(41, 42))
	ex := Example{X: randomFloat32(rng, days*cfg.Features), Days: days, Question: Upside, Targets: make([]int32, days)}
	for i := range ex.Targets {
		ex.Targets[i] = int32(rng.IntN(cfg.Bins+1)) - 1
	}
	steps, seed := 11, uint64(43)
	g := m.NewGrads()
	loss, count := m.LossAndGrad(ex, steps, seed, g)
	require.Positive(t, count)

	p, data := params64(t, m, 0, 0)
	g64, grads := zeroParams64(cfg, data)
	x := make([]float64, len(ex.X))
	for i, v := range ex.X {
		x[i] = float64(v)
	}
	s0 := make([]float64, days*cfg.Width)
	randomState(cfg, s0, seed)
	diff := min(steps, cfg.BackpropSteps)
	loss64, count64 := newPass64(p, days).lossAndGrad(x, ex.Question, ex.Targets, s0, steps-diff, diff, g64)
	assert.Equal(t, count64, count)
	assert.InEpsilon(t, loss64, loss, 1e-4)

	for i, tensor := range m.Tensors() {
		var diffNorm, norm float64
		for j, v := range g.Slices()[i] {
			d := float64(v) - grads[i][j]
			diffNorm += d * d
			norm += grads[i][j] * grads[i][j]
		}
		if norm == 0 {
			assert.Zero(t, diffNorm, tensor.Name)
			continue
		}
		assert.Less(t, math.Sqrt(diffNorm/norm), 2e-3, "%s: relative error of the float32 gradient", tensor.Name)
	}
}

func TestLossAndGradAccumulates(t *testing.T) {
	m, err := New(tinyConfig(), 44)
	require.NoError(t, err)
	days := 5
	rng := rand.New(rand.NewPCG(45, 46))
	ex := Example{X: randomFloat32(rng, days*m.Config.Features), Days: days, Question: Return, Targets: []int32{0, 1, 2, -1, 1}}

	once := m.NewGrads()
	lossA, _ := m.LossAndGrad(ex, 3, 7, once)
	twice := m.NewGrads()
	lossB, _ := m.LossAndGrad(ex, 3, 7, twice)
	m.LossAndGrad(ex, 3, 7, twice)
	assert.Equal(t, lossA, lossB, "same seed, same loss")

	sum := m.NewGrads()
	sum.Add(once)
	sum.Add(once)
	for i := range twice.Slices() {
		assert.InDeltaSlice(t, sum.Slices()[i], twice.Slices()[i], 1e-6)
	}
	sum.Zero()
	for _, s := range sum.Slices() {
		for _, v := range s {
			require.Zero(t, v)
		}
	}
}

func TestLossAndGradNoTargets(t *testing.T) {
	m, err := New(tinyConfig(), 47)
	require.NoError(t, err)
	ex := Example{X: make([]float32, 2*m.Config.Features), Days: 2, Targets: []int32{-1, -1}}
	g := m.NewGrads()
	loss, count := m.LossAndGrad(ex, 2, 1, g)
	assert.Zero(t, loss)
	assert.Zero(t, count)
	for _, s := range g.Slices() {
		for _, v := range s {
			require.Zero(t, v)
		}
	}
}

func TestLossAndGradPanics(t *testing.T) {
	m, err := New(tinyConfig(), 48)
	require.NoError(t, err)
	f := m.Config.Features
	cases := []struct {
		name  string
		ex    Example
		steps int
	}{
		{"target beyond bins", Example{X: make([]float32, 2*f), Days: 2, Targets: []int32{0, 3}}, 1},
		{"targets length", Example{X: make([]float32, 2*f), Days: 2, Targets: []int32{0}}, 1},
		{"zero steps", Example{X: make([]float32, 2*f), Days: 2, Targets: []int32{0, 1}}, 0},
		{"short x", Example{X: make([]float32, f), Days: 2, Targets: []int32{0, 1}}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Panics(t, func() { m.LossAndGrad(tc.ex, tc.steps, 1, m.NewGrads()) })
		})
	}
}

// TestLossAndGradConcurrent runs goroutines on one model, each with its own Grads; run it with
// -race to check that the model is only read.
func TestLossAndGradConcurrent(t *testing.T) {
	m, err := New(DefaultConfig(), 49)
	require.NoError(t, err)
	days := 16
	rng := rand.New(rand.NewPCG(50, 51))
	ex := Example{X: randomFloat32(rng, days*m.Config.Features), Days: days, Question: Downside, Targets: make([]int32, days)}
	want := m.NewGrads()
	wantLoss, _ := m.LossAndGrad(ex, 3, 9, want)

	const workers = 4
	results := make(chan *Grads, workers)
	losses := make(chan float64, workers)
	for range workers {
		go func() {
			g := m.NewGrads()
			loss, _ := m.LossAndGrad(ex, 3, 9, g)
			losses <- loss
			results <- g
		}()
	}
	for range workers {
		assert.Equal(t, wantLoss, <-losses)
		g := <-results
		for i := range want.Slices() {
			require.Equal(t, want.Slices()[i], g.Slices()[i])
		}
	}
}
