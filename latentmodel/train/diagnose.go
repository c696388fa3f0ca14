package train

import (
	"context"
	"fmt"
	"math"

	"github.com/traderlab/trader/latentmodel"
)

// Diagnostics are health checks of a recurrent-depth model on real windows, for the two known
// ways such models fail: representation collapse (every day's state points the same way) and
// dependence on the random initial state.
type Diagnostics struct {
	Windows int `json:"windows"`
	Seeds   int `json:"seeds"`
	Steps   int `json:"steps"`
	// StateCosine is the mean cosine similarity between the final states of two different days
	// of a window. Values near 1 mean the states collapsed onto one direction.
	StateCosine float64 `json:"state_cosine"`
	// DaySpecificShare is the share of the final states' squared norm that is not shared by all
	// days of a window: Σ‖s_i − s̄‖² / Σ‖s_i‖². Values near 0 mean every day has the same state.
	DaySpecificShare float64 `json:"day_specific_share"`
	// SeedTotalVariation is the mean, over windows and questions, of the largest total variation
	// distance between the last day's distributions of runs that differ only in the random s0.
	// Values near 0 mean the prediction does not depend on where thinking started.
	SeedTotalVariation float64 `json:"seed_total_variation"`
	// SeedStateDistance is the mean relative distance ‖s − s'‖/‖s‖ between final states of runs
	// that differ only in the random s0.
	SeedStateDistance float64 `json:"seed_state_distance"`
}

// Diagnose runs the bundle's model on up to maxWindows windows of split spread evenly over the
// split, with seeds different initial states each, for every question.
func Diagnose(ctx context.Context, data *Data, bundle *latentmodel.Bundle, split Split, maxWindows, seeds, steps int) (*Diagnostics, error) {
	cfg := bundle.Model.Config
	all := data.EvalWindows(split, cfg.Window, cfg.Window/2)
	if len(all) == 0 {
		return nil, fmt.Errorf("no %s days in the data", split)
	}
	stride := max(1, len(all)/maxWindows)
	d := &Diagnostics{Seeds: seeds, Steps: steps}
	var cosineSum, shareSum, tvSum, distSum float64
	var cosineN, tvN, distN int
	for i := 0; i < len(all) && d.Windows < maxWindows; i += stride {
		d.Windows++
		for q := range latentmodel.NumQuestions {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			ex := data.Example(bundle, all[i], latentmodel.Question(q))
			outputs := make([]latentmodel.Output, seeds)
			for s := range seeds {
				out, err := bundle.Model.Think(ex.X, ex.Days, ex.Question, latentmodel.ThinkOptions{Steps: steps, Seed: uint64(1000*i + s + 1)})
				if err != nil {
					return nil, err
				}
				outputs[s] = out
			}
			c, n := meanDayCosine(outputs[0].State, ex.Days, cfg.Width)
			cosineSum += c * float64(n)
			cosineN += n
			shareSum += daySpecificShare(outputs[0].State, ex.Days, cfg.Width)
			largest := 0.0
			for a := range seeds {
				for b := a + 1; b < seeds; b++ {
					largest = math.Max(largest, totalVariation(outputs[a].Probs, outputs[b].Probs))
					distSum += relativeDistance(outputs[a].State, outputs[b].State)
					distN++
				}
			}
			tvSum += largest
			tvN++
		}
	}
	d.StateCosine = cosineSum / float64(max(cosineN, 1))
	d.DaySpecificShare = shareSum / float64(max(tvN, 1))
	d.SeedTotalVariation = tvSum / float64(max(tvN, 1))
	d.SeedStateDistance = distSum / float64(max(distN, 1))
	return d, nil
}

// meanDayCosine returns the mean cosine similarity over pairs of distinct days of a
// [days·width] state, and the number of pairs.
func meanDayCosine(state []float32, days, width int) (float64, int) {
	norms := make([]float64, days)
	for i := range days {
		norms[i] = math.Sqrt(dot(state[i*width:(i+1)*width], state[i*width:(i+1)*width]))
	}
	sum, n := 0.0, 0
	for i := range days {
		for j := i + 1; j < days; j++ {
			if norms[i] == 0 || norms[j] == 0 {
				continue
			}
			sum += dot(state[i*width:(i+1)*width], state[j*width:(j+1)*width]) / (norms[i] * norms[j])
			n++
		}
	}
	return sum / float64(max(n, 1)), n
}

// daySpecificShare returns Σ‖s_i − s̄‖² / Σ‖s_i‖² over the days of a [days·width] state,
// where s̄ is the mean state of the window.
func daySpecificShare(state []float32, days, width int) float64 {
	mean := make([]float64, width)
	for i := range days {
		for j := range width {
			mean[j] += float64(state[i*width+j]) / float64(days)
		}
	}
	var residual, total float64
	for i := range days {
		for j := range width {
			v := float64(state[i*width+j])
			residual += (v - mean[j]) * (v - mean[j])
			total += v * v
		}
	}
	if total == 0 {
		return 0
	}
	return residual / total
}

func dot(a, b []float32) float64 {
	s := 0.0
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func totalVariation(p, q []float32) float64 {
	s := 0.0
	for i := range p {
		s += math.Abs(float64(p[i]) - float64(q[i]))
	}
	return s / 2
}

func relativeDistance(a, b []float32) float64 {
	var diff, norm float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		diff += d * d
		norm += float64(a[i]) * float64(a[i])
	}
	if norm == 0 {
		return 0
	}
	return math.Sqrt(diff / norm)
}
