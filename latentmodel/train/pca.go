package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/traderlab/trader/latentmodel"
)

// PCA returns the first k principal components of the rows of x (each row one point, all rows
// the same length) and the projection of every row on them, after centering on the mean row.
// Components are found one at a time by power iteration on the covariance, each deflated from
// the data before the next, so k should be small. Each component has unit length and its
// largest entry positive; variance[i] is the variance of the data along component i.
func PCA(x [][]float64, k int) (components [][]float64, projected [][]float64, variance []float64, err error) {
	if len(x) < 2 {
		return nil, nil, nil, fmt.Errorf("PCA needs at least 2 rows, got %d", len(x))
	}
	d := len(x[0])
	if k < 1 || k > d {
		return nil, nil, nil, fmt.Errorf("PCA of %d-dimensional rows cannot give %d components", d, k)
	}
	mean := make([]float64, d)
	for _, row := range x {
		if len(row) != d {
			return nil, nil, nil, fmt.Errorf("PCA rows have lengths %d and %d", d, len(row))
		}
		for j, v := range row {
			mean[j] += v / float64(len(x))
		}
	}
	resid := make([][]float64, len(x))
	for i, row := range x {
		resid[i] = make([]float64, d)
		for j, v := range row {
			resid[i][j] = v - mean[j]
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range k {
		v := make([]float64, d)
		for j := range v {
			v[j] = rng.NormFloat64()
		}
		normalizeVec(v)
		lambda := 0.0
		for iter := 0; iter < 1000; iter++ {
			w := covTimes(resid, v)
			l := math.Sqrt(dot64(w, w))
			if l == 0 {
				break
			}
			for j := range w {
				w[j] /= l
			}
			diff := 0.0
			for j := range w {
				diff += (w[j] - v[j]) * (w[j] - v[j])
			}
			v, lambda = w, l
			if diff < 1e-20 {
				break
			}
		}
		big := 0
		for j := range v {
			if math.Abs(v[j]) > math.Abs(v[big]) {
				big = j
			}
		}
		if v[big] < 0 {
			for j := range v {
				v[j] = -v[j]
			}
		}
		components = append(components, v)
		variance = append(variance, lambda)
		for _, row := range resid {
			p := dot64(row, v)
			for j := range row {
				row[j] -= p * v[j]
			}
		}
	}
	projected = make([][]float64, len(x))
	for i, row := range x {
		projected[i] = make([]float64, k)
		for c, v := range components {
			for j := range row {
				projected[i][c] += (row[j] - mean[j]) * v[j]
			}
		}
	}
	return components, projected, variance, nil
}

// covTimes returns C·v for the covariance C = Xᵀ X / (n − 1) of the centered rows X.
func covTimes(rows [][]float64, v []float64) []float64 {
	out := make([]float64, len(v))
	for _, row := range rows {
		p := dot64(row, v)
		for j, r := range row {
			out[j] += p * r
		}
	}
	for j := range out {
		out[j] /= float64(len(rows) - 1)
	}
	return out
}

func dot64(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func normalizeVec(v []float64) {
	n := math.Sqrt(dot64(v, v))
	for j := range v {
		v[j] /= n
	}
}

// Trajectory returns the last day's latent state of window w for question q at steps 0 to
// steps, [steps+1][width]. Step 0 is a random s0 drawn from seed like the model's own (a normal
// of standard deviation sqrt(2/5) truncated at three deviations). The model then runs one step
// at a time, each from the previous step's state. This gives the same states as one run of that
// many steps from s0.
func Trajectory(ctx context.Context, data *Data, bundle *latentmodel.Bundle, w Window, q latentmodel.Question, steps int, seed uint64) ([][]float64, error) {
	m := bundle.Model
	width := m.Config.Width
	ex := data.Example(bundle, w, q)
	rng := rand.New(rand.NewPCG(seed, 7))
	sigma := math.Sqrt(2.0 / 5)
	state := make([]float32, ex.Days*width)
	for i := range state {
		v := rng.NormFloat64()
		for math.Abs(v) > 3 {
			v = rng.NormFloat64()
		}
		state[i] = float32(sigma * v)
	}
	return trajectoryFrom(ctx, m, ex, state, steps)
}

// trajectoryFrom runs steps single steps from state and returns the last day's state before the
// first and after every step.
func trajectoryFrom(ctx context.Context, m *latentmodel.Model, ex latentmodel.Example, state []float32, steps int) ([][]float64, error) {
	width := m.Config.Width
	q := ex.Question
	out := [][]float64{lastDay(state, ex.Days, width)}
	for range steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res, err := m.Think(ex.X, ex.Days, q, latentmodel.ThinkOptions{Steps: 1, InitState: state})
		if err != nil {
			return nil, err
		}
		state = res.State
		out = append(out, lastDay(state, ex.Days, width))
	}
	return out, nil
}

func lastDay(state []float32, days, width int) []float64 {
	out := make([]float64, width)
	for j := range width {
		out[j] = float64(state[(days-1)*width+j])
	}
	return out
}
