package latentmodel

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tinyConfig is the shape of the gradient checks: small enough to perturb every weight.
func tinyConfig() Config {
	return Config{
		Features: 3, Width: 8, Heads: 2, MLPHidden: 12,
		PreludeBlocks: 1, CoreBlocks: 2, CodaBlocks: 1,
		Window: 6, Bins: 3, MeanSteps: 3, BackpropSteps: 2, RopeBase: 10000,
	}
}

// params64 returns a float64 copy of the model's weights with every value, norm gains and biases
// included, moved by noise of the given std, so that checks do not pass only because gains are
// 1 and biases 0.
func params64(t *testing.T, m *Model, noise float64, seed uint64) (*params[float64], [][]float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	data := make([][]float64, len(m.tensors))
	for i, tensor := range m.tensors {
		data[i] = make([]float64, len(tensor.Data))
		for j, v := range tensor.Data {
			data[i][j] = float64(v) + noise*rng.NormFloat64()
		}
	}
	return bindParams(m.Config, data), data
}

// zeroParams64 returns zeroed float64 gradients shaped like data.
func zeroParams64(cfg Config, data [][]float64) (*params[float64], [][]float64) {
	g := make([][]float64, len(data))
	for i, d := range data {
		g[i] = make([]float64, len(d))
	}
	return bindParams(cfg, g), g
}

func newPass64(p *params[float64], days int) *pass[float64] {
	return &pass[float64]{p: p, rp: newRope[float64](p.cfg), dm: newDims(p.cfg, days), ar: new(arena[float64])}
}

func randomSlice(rng *rand.Rand, n int, std float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = std * rng.NormFloat64()
	}
	return s
}

// gradTolerance is the bound of the gradient checks: |analytic − numeric| must be at most
// gradRelTol·max(|analytic|, |numeric|) + gradAbsTol. Central differences with step 1e-5 in
// float64 are accurate to about 1e-9 here.
const (
	gradStep   = 1e-5
	gradRelTol = 1e-6
	gradAbsTol = 1e-9
)

// checkGradient compares the analytic gradient grad of f at values with central differences,
// element by element, and reports at most a few failures per name.
func checkGradient(t *testing.T, name string, values, grad []float64, f func() float64) {
	t.Helper()
	require.Equal(t, len(values), len(grad), "%s: value and gradient lengths", name)
	failures := 0
	for j := range values {
		orig := values[j]
		values[j] = orig + gradStep
		up := f()
		values[j] = orig - gradStep
		down := f()
		values[j] = orig
		numeric := (up - down) / (2 * gradStep)
		diff := math.Abs(numeric - grad[j])
		if diff > gradRelTol*max(math.Abs(numeric), math.Abs(grad[j]))+gradAbsTol {
			failures++
			if failures <= 3 {
				assert.Failf(t, "gradient mismatch", "%s[%d]: analytic %.12g, numeric %.12g, difference %.3g", name, j, grad[j], numeric, diff)
			}
		}
	}
}
