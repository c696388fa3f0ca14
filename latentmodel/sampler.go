package latentmodel

import (
	"math"
	"math/rand/v2"
)

// DepthSigma is the standard deviation of the log-normal part of the training depth sampler.
const DepthSigma = 0.5

// SampleSteps draws the number of core steps for one training step: r = 1 + Poisson(λ) where
// log λ ~ Normal(log(mean) − σ²/2, σ) with σ = DepthSigma, so E[λ] = mean and E[r] = mean + 1.
// The distribution has a long right tail; callers cap nothing, because truncated backpropagation
// keeps memory constant in r.
func SampleSteps(rng *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 1
	}
	tau := math.Log(mean) - DepthSigma*DepthSigma/2 + DepthSigma*rng.NormFloat64()
	return 1 + poisson(rng, math.Exp(tau))
}

// poisson draws from Poisson(lambda): Knuth's product method for small lambda, and for large
// lambda a sum of draws of lambda/k pieces so the product never underflows.
func poisson(rng *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	const chunk = 30.0
	n := 0
	for lambda > chunk {
		n += knuthPoisson(rng, chunk)
		lambda -= chunk
	}
	return n + knuthPoisson(rng, lambda)
}

func knuthPoisson(rng *rand.Rand, lambda float64) int {
	limit := math.Exp(-lambda)
	k := 0
	p := rng.Float64()
	for p > limit {
		k++
		p *= rng.Float64()
	}
	return k
}
