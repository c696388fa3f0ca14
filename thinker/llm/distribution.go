package llm

import (
	"fmt"
	"math"
	"sort"

	"github.com/traderlab/trader/thinker"
)

// floorMass is the share of probability spread evenly over every bin, so no outcome inside
// the bins' range gets probability zero and KL divergences stay finite.
const floorMass = 1e-3

// Distribution turns an answer to q into probabilities over the bins with the given edges (log
// returns, as in a model bundle). It builds a piecewise-linear cumulative distribution through
// the knots (first edge, 0), (P10, 0.1), (P50, 0.5), (P90, 0.9), (last edge, 1) and, when zero
// lies inside the edges, (0, 1 − ProbAboveZero), after converting the percentages to log
// returns. Percentiles outside the edges are moved just inside them, P(target ≤ 0) is clipped
// to the range the percentiles allow, and a share floorMass of the mass is spread evenly over
// every bin. Bin k gets F(e_{k+1}) − F(e_k).
//
// ExpectedPct takes no part: the expected value of the result follows from the percentiles.
func Distribution(q thinker.Question, a Answer, edges []float64) ([]float64, error) {
	k := len(edges) - 1
	if k < 1 {
		return nil, fmt.Errorf("%w: %d bin edges, need at least 2", thinker.ErrInvalidThought, len(edges))
	}
	for i := 1; i <= k; i++ {
		if !(edges[i] > edges[i-1]) {
			return nil, fmt.Errorf("%w: bin edges not increasing at %d", thinker.ErrInvalidThought, i)
		}
	}
	lo, hi := edges[0], edges[k]
	pad := (hi - lo) * 1e-6
	clip := func(x float64) float64 { return math.Min(math.Max(x, lo+pad), hi-pad) }
	type knot struct{ x, f float64 }
	knots := []knot{
		{lo, 0},
		{clip(toLog(q, a.P10Pct)), 0.1},
		{clip(toLog(q, a.P50Pct)), 0.5},
		{clip(toLog(q, a.P90Pct)), 0.9},
		{hi, 1},
	}
	if lo < 0 && 0 < hi {
		zlo, zhi := zeroCDFRange(a)
		knots = append(knots, knot{0, math.Min(math.Max(1-a.ProbAboveZero, zlo), zhi)})
	}
	sort.SliceStable(knots, func(i, j int) bool {
		if knots[i].x != knots[j].x {
			return knots[i].x < knots[j].x
		}
		return knots[i].f < knots[j].f
	})
	xs := make([]float64, len(knots))
	fs := make([]float64, len(knots))
	for i, kn := range knots {
		xs[i], fs[i] = kn.x, kn.f
		if i > 0 && fs[i] < fs[i-1] {
			fs[i] = fs[i-1]
		}
	}
	probs := make([]float64, k)
	prev := 0.0
	for i := 1; i <= k; i++ {
		f := cdfAt(xs, fs, edges[i])
		probs[i-1] = (1-floorMass)*math.Max(f-prev, 0) + floorMass/float64(k)
		prev = f
	}
	return probs, nil
}

// cdfAt evaluates the right-continuous piecewise-linear function through (xs, fs) at x: 0
// before the first knot, 1 from the last knot on.
func cdfAt(xs, fs []float64, x float64) float64 {
	n := len(xs)
	if x < xs[0] {
		return 0
	}
	if x >= xs[n-1] {
		return 1
	}
	j := sort.Search(n, func(i int) bool { return xs[i] > x })
	i := j - 1
	return fs[i] + (fs[j]-fs[i])*(x-xs[i])/(xs[j]-xs[i])
}

// agree reports whether two answers differ by at most tol percentage points in every number,
// the probability counted in points (0.01 = 1 point).
func agree(a, b Answer, tol float64) bool {
	d := []float64{
		100 * (a.ProbAboveZero - b.ProbAboveZero),
		a.ExpectedPct - b.ExpectedPct,
		a.P10Pct - b.P10Pct,
		a.P50Pct - b.P50Pct,
		a.P90Pct - b.P90Pct,
	}
	for _, x := range d {
		if math.Abs(x) > tol {
			return false
		}
	}
	return true
}
