package latentmodel

import (
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
)

// With mean 32 the depth distribution has mean ≈ 33, median ≈ 29 and mode ≈ 24.
func TestSampleStepsStatistics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const draws = 200000
	samples := make([]int, draws)
	counts := map[int]int{}
	sum := 0
	for i := range samples {
		r := SampleSteps(rng, 32)
		samples[i] = r
		counts[r]++
		sum += r
	}
	sort.Ints(samples)
	mean := float64(sum) / draws
	median := samples[draws/2]
	mode, best := 0, 0
	for r, c := range counts {
		if c > best {
			mode, best = r, c
		}
	}
	assert.InDelta(t, 33.0, mean, 0.3, "mean")
	assert.InDelta(t, 29, median, 1.5, "median")
	assert.InDelta(t, 24, mode, 3, "mode")
	assert.GreaterOrEqual(t, samples[0], 1, "minimum")
}

func TestPoissonMean(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, lambda := range []float64{0.5, 7, 80} {
		sum := 0
		const draws = 50000
		for range draws {
			sum += poisson(rng, lambda)
		}
		assert.InDelta(t, lambda, float64(sum)/draws, 0.02*lambda+0.02, "lambda %v", lambda)
	}
}
