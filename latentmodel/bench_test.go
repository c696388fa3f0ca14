package latentmodel

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchWindow returns a random standardized window of the default config's length.
func benchWindow(cfg Config, days int) []float32 {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, days*cfg.Features)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

func BenchmarkThink(b *testing.B) {
	cfg := DefaultConfig()
	m, err := New(cfg, 1)
	if err != nil {
		b.Fatal(err)
	}
	x := benchWindow(cfg, 64)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Think(x, 64, Return, ThinkOptions{Steps: 32, Seed: 3}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLossAndGrad(b *testing.B) {
	cfg := DefaultConfig()
	m, err := New(cfg, 1)
	if err != nil {
		b.Fatal(err)
	}
	ex := Example{X: benchWindow(cfg, 64), Days: 64, Question: Downside, Targets: make([]int32, 64)}
	for i := range ex.Targets {
		ex.Targets[i] = int32(i % cfg.Bins)
	}
	g := m.NewGrads()
	b.ReportAllocs()
	for b.Loop() {
		m.LossAndGrad(ex, 16, 3, g)
	}
}

func BenchmarkMatmul(b *testing.B) {
	sizes := []struct{ n, in, out int }{{64, 128, 128}, {64, 128, 512}, {64, 256, 128}, {1, 128, 128}}
	for _, s := range sizes {
		rng := rand.New(rand.NewPCG(1, 2))
		x, w, y := randomFloat32(rng, s.n*s.in), randomFloat32(rng, s.in*s.out), make([]float32, s.n*s.out)
		name := fmt.Sprintf("%dx%dx%d", s.n, s.in, s.out)
		b.Run("naive/"+name, func(b *testing.B) {
			for b.Loop() {
				naiveMatMulAdd(y, x, w, s.n, s.in, s.out)
			}
		})
		b.Run("optimized/"+name, func(b *testing.B) {
			for b.Loop() {
				matMulAdd(y, x, w, s.n, s.in, s.out)
			}
		})
	}
}

func randomFloat32(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}
