package train

import (
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/traderlab/trader/latentmodel"
)

// DefaultEvalSteps are the recurrence counts scored by Evaluate.
var DefaultEvalSteps = []int{1, 2, 4, 8, 16, 32, 64}

// CalibrationBins is the number of equal-width confidence bins of the expected calibration error.
const CalibrationBins = 10

// QuestionScore is the evaluation of one question.
type QuestionScore struct {
	Question string `json:"question"`
	Days     int    `json:"days"`
	// PriorCrossEntropy is the cross-entropy in nats of the training bin frequencies, the score of
	// a model that ignores its input.
	PriorCrossEntropy float64 `json:"prior_cross_entropy"`
	// ByStep holds one score per recurrence count, in the order requested.
	ByStep []StepScore `json:"by_step"`
}

// StepScore is the score of one question at one recurrence count.
type StepScore struct {
	Steps        int     `json:"steps"`
	CrossEntropy float64 `json:"cross_entropy"` // mean over scored days, nats
	// ECE is the top-label expected calibration error: days are grouped by the probability of
	// their most likely bin into CalibrationBins equal-width groups, and ECE is the day-weighted
	// mean of |accuracy − mean confidence| over the groups.
	ECE float64 `json:"ece"`
	// Correlation is the Pearson correlation between the predicted expected value (Σ p_k times
	// the midpoint of bin k) and the realized target, over the scored days.
	Correlation float64 `json:"correlation"`
}

// Report is the evaluation of a model on one split.
type Report struct {
	Split     string          `json:"split"`
	Windows   int             `json:"windows"`
	Questions []QuestionScore `json:"questions"`
}

// EvalOptions configures Evaluate.
type EvalOptions struct {
	Split   Split
	Steps   []int
	Seed    uint64 // seed of the random initial states
	Workers int
	// Progress, when set, is called after each finished window with the count done and total.
	Progress func(done, total int)
}

// Evaluate scores the bundle on a split: per question, cross-entropy and calibration at every
// requested recurrence count, beside the prior's cross-entropy.
func Evaluate(ctx context.Context, data *Data, bundle *latentmodel.Bundle, opt EvalOptions) (*Report, error) {
	if len(opt.Steps) == 0 {
		opt.Steps = DefaultEvalSteps
	}
	cfg := bundle.Model.Config
	windows := data.EvalWindows(opt.Split, cfg.Window, cfg.Window/2)
	if len(windows) == 0 {
		return nil, fmt.Errorf("no %s days in the data", opt.Split)
	}
	prior := data.Prior(bundle.BinEdges)
	report := &Report{Split: opt.Split.String(), Windows: len(windows)}
	total := len(windows) * latentmodel.NumQuestions
	done := 0
	for q := range latentmodel.NumQuestions {
		question := latentmodel.Question(q)
		// Each window's predictions are kept by index and summed in window order afterwards, so
		// the result does not depend on which worker finished first.
		perWindow := make([][][][]float32, len(windows))
		targets := make([][]int32, len(windows))
		mids := midpoints(bundle.BinEdges[q])
		var mu sync.Mutex
		err := forEachWindow(ctx, windows, opt.Workers, func(i int, w Window) error {
			ex := data.Example(bundle, w, question)
			byStep, err := predictAtSteps(bundle.Model, ex, opt.Steps, opt.Seed+uint64(i))
			if err != nil {
				return err
			}
			perWindow[i], targets[i] = byStep, ex.Targets
			mu.Lock()
			defer mu.Unlock()
			done++
			if opt.Progress != nil {
				opt.Progress(done, total)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		acc := make([]scoreAccumulator, len(opt.Steps))
		var priorSum float64
		var days int
		for i := range windows {
			for pos, target := range targets[i] {
				if target < 0 {
					continue
				}
				days++
				priorSum -= math.Log(max(prior[q][target], 1e-12))
				realized := data.Symbols[windows[i].Symbol].Targets[q][windows[i].Start+pos]
				for si := range opt.Steps {
					acc[si].add(perWindow[i][si][pos], int(target))
					acc[si].addValue(expectedValue(perWindow[i][si][pos], mids), realized)
				}
			}
		}
		score := QuestionScore{Question: question.String(), Days: days, PriorCrossEntropy: priorSum / float64(days)}
		for si, r := range opt.Steps {
			score.ByStep = append(score.ByStep, StepScore{Steps: r, CrossEntropy: acc[si].crossEntropy(), ECE: acc[si].ece(), Correlation: acc[si].correlation()})
		}
		report.Questions = append(report.Questions, score)
	}
	return report, nil
}

// predictAtSteps returns per requested step count the [days][bins] distributions.
func predictAtSteps(model *latentmodel.Model, ex latentmodel.Example, steps []int, seed uint64) ([][][]float32, error) {
	out := make([][][]float32, len(steps))
	for i, r := range steps {
		probs, err := model.Predict(ex.X, ex.Days, ex.Question, r, seed)
		if err != nil {
			return nil, err
		}
		out[i] = probs
	}
	return out, nil
}

// validationLoss is the mean cross-entropy at r steps over the windows, with questions rotating
// across windows so one pass costs one forward per window.
func validationLoss(ctx context.Context, data *Data, bundle *latentmodel.Bundle, windows []Window, r int, seed uint64, workers int) (float64, error) {
	// Partial sums are kept per window and added in window order, so the result does not depend
	// on scheduling. Training compares these losses to pick the best epoch.
	sums := make([]float64, len(windows))
	counts := make([]int, len(windows))
	err := forEachWindow(ctx, windows, workers, func(i int, w Window) error {
		ex := data.Example(bundle, w, latentmodel.Question(i%latentmodel.NumQuestions))
		probs, err := bundle.Model.Predict(ex.X, ex.Days, ex.Question, r, seed+uint64(i))
		if err != nil {
			return err
		}
		for pos, target := range ex.Targets {
			if target >= 0 {
				sums[i] -= math.Log(max(float64(probs[pos][target]), 1e-12))
				counts[i]++
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	var sum float64
	var count int
	for i := range sums {
		sum += sums[i]
		count += counts[i]
	}
	return sum / float64(max(count, 1)), nil
}

// forEachWindow calls fn for every window on up to workers goroutines and returns the first error.
func forEachWindow(ctx context.Context, windows []Window, workers int, fn func(i int, w Window) error) error {
	workers = max(1, workers)
	next := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := fn(i, windows[i]); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var err error
feed:
	for i := range windows {
		select {
		case next <- i:
		case err = <-errs:
			break feed
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	// Each worker sends at most one error into a channel of capacity workers, so none blocks.
	wg.Wait()
	close(errs)
	for e := range errs {
		if err == nil {
			err = e
		}
	}
	return err
}

type scoreAccumulator struct {
	nll float64
	n   int
	// Sums for the correlation of predicted and realized values.
	sx, sy, sxx, syy, sxy float64
	confidence            [CalibrationBins]float64
	correct               [CalibrationBins]float64
	count                 [CalibrationBins]float64
}

func (a *scoreAccumulator) add(probs []float32, target int) {
	a.nll -= math.Log(max(float64(probs[target]), 1e-12))
	a.n++
	best := 0
	for k, p := range probs {
		if p > probs[best] {
			best = k
		}
	}
	conf := float64(probs[best])
	bin := min(int(conf*CalibrationBins), CalibrationBins-1)
	a.confidence[bin] += conf
	a.count[bin]++
	if best == target {
		a.correct[bin]++
	}
}

func (a *scoreAccumulator) crossEntropy() float64 { return a.nll / float64(max(a.n, 1)) }

func (a *scoreAccumulator) ece() float64 {
	var sum float64
	for b := range CalibrationBins {
		if a.count[b] > 0 {
			sum += math.Abs(a.correct[b]-a.confidence[b]) / float64(a.n)
		}
	}
	return sum
}

func (a *scoreAccumulator) addValue(predicted, realized float64) {
	a.sx += predicted
	a.sy += realized
	a.sxx += predicted * predicted
	a.syy += realized * realized
	a.sxy += predicted * realized
}

func (a *scoreAccumulator) correlation() float64 {
	n := float64(a.n)
	cov := a.sxy/n - (a.sx/n)*(a.sy/n)
	vx := a.sxx/n - (a.sx/n)*(a.sx/n)
	vy := a.syy/n - (a.sy/n)*(a.sy/n)
	if vx <= 0 || vy <= 0 {
		return 0
	}
	return cov / math.Sqrt(vx*vy)
}

// midpoints returns the centre of each bin.
func midpoints(edges []float64) []float64 {
	mids := make([]float64, len(edges)-1)
	for k := range mids {
		mids[k] = (edges[k] + edges[k+1]) / 2
	}
	return mids
}

func expectedValue(probs []float32, mids []float64) float64 {
	e := 0.0
	for k, p := range probs {
		e += float64(p) * mids[k]
	}
	return e
}
