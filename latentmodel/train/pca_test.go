package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/latentmodel"
)

func TestPCAOnKnownAxes(t *testing.T) {
	// Points spread with std 3 along (1,1,0)/√2, std 1 along (1,−1,0)/√2 and 0.1 along z,
	// around the mean (5, −2, 1).
	rng := rand.New(rand.NewPCG(4, 5))
	s := 1 / math.Sqrt2
	var x [][]float64
	for range 4000 {
		a, b, c := 3*rng.NormFloat64(), rng.NormFloat64(), 0.1*rng.NormFloat64()
		x = append(x, []float64{5 + s*a + s*b, -2 + s*a - s*b, 1 + c})
	}
	comps, proj, variance, err := PCA(x, 2)
	require.NoError(t, err)
	require.Len(t, comps, 2)
	assert.InDelta(t, s, comps[0][0], 0.01)
	assert.InDelta(t, s, comps[0][1], 0.01)
	assert.InDelta(t, 0, comps[0][2], 0.01)
	assert.InDelta(t, 1, math.Abs(comps[1][0]/s), 0.02)
	assert.InDelta(t, -comps[1][0], comps[1][1], 0.02)
	assert.InDelta(t, 0, dot64(comps[0], comps[1]), 1e-6, "components are orthogonal")
	assert.InDelta(t, 9, variance[0], 0.5)
	assert.InDelta(t, 1, variance[1], 0.1)

	require.Len(t, proj, len(x))
	var m, v float64
	for _, p := range proj {
		m += p[0] / float64(len(proj))
	}
	for _, p := range proj {
		v += (p[0] - m) * (p[0] - m) / float64(len(proj)-1)
	}
	assert.InDelta(t, 0, m, 1e-9, "projections are centered")
	assert.InDelta(t, variance[0], v, 1e-6)
}

func TestPCARejects(t *testing.T) {
	_, _, _, err := PCA([][]float64{{1, 2}}, 1)
	assert.Error(t, err)
	_, _, _, err = PCA([][]float64{{1, 2}, {3, 4}}, 3)
	assert.Error(t, err)
	_, _, _, err = PCA([][]float64{{1, 2}, {3}}, 1)
	assert.Error(t, err)
}

func TestTrajectoryMatchesOneRun(t *testing.T) {
	data := syntheticData(t)
	bundle, _, err := Run(t.Context(), data, tinyOptions())
	require.NoError(t, err)
	w := dayWindows(data, SplitTest, bundle.Model.Config.Window, 50)[0]
	ex := data.Example(bundle, w, latentmodel.Upside)
	width := bundle.Model.Config.Width

	rng := rand.New(rand.NewPCG(8, 9))
	s0 := make([]float32, ex.Days*width)
	for i := range s0 {
		s0[i] = float32(0.6 * rng.NormFloat64())
	}
	traj, err := trajectoryFrom(t.Context(), bundle.Model, ex, s0, 4)
	require.NoError(t, err)
	require.Len(t, traj, 5)
	assert.Equal(t, lastDay(s0, ex.Days, width), traj[0])

	// Four single steps end where one run of four steps from the same s0 ends.
	full, err := bundle.Model.Think(ex.X, ex.Days, ex.Question, latentmodel.ThinkOptions{Steps: 4, InitState: s0})
	require.NoError(t, err)
	want := lastDay(full.State, ex.Days, width)
	for j := range want {
		assert.InDelta(t, want[j], traj[4][j], 1e-5)
	}

	a, err := Trajectory(t.Context(), data, bundle, w, latentmodel.Upside, 3, 5)
	require.NoError(t, err)
	b, err := Trajectory(t.Context(), data, bundle, w, latentmodel.Upside, 3, 5)
	require.NoError(t, err)
	assert.Equal(t, a, b, "the same seed gives the same trajectory")
	c, err := Trajectory(t.Context(), data, bundle, w, latentmodel.Upside, 3, 6)
	require.NoError(t, err)
	assert.NotEqual(t, a[0], c[0])
}
