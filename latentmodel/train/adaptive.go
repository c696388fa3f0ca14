package train

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/marketdata"
	"github.com/traderlab/trader/thinker"
)

// TraceOptions configures Traces.
type TraceOptions struct {
	Split Split
	// MaxSteps is the number of core steps traced per day. Default 32.
	MaxSteps int
	// Every keeps every Every-th day of each symbol's split (1, the default, keeps all).
	Every int
	// Seed of the random initial states; day i of the run uses Seed+i.
	Seed    uint64
	Workers int
	// Progress, when set, is called after each finished day and question with the count done
	// and the total.
	Progress func(done, total int)
}

// DayTrace is the step-by-step record of one question on one day, thought about the way a
// debate agent does: one window of the model's length ending on the day, with the last day's
// distribution read after every step.
type DayTrace struct {
	Symbol   string
	Date     time.Time
	Question latentmodel.Question
	// Volatility is the raw 20-day realized volatility (feature rv20) on the day.
	Volatility float64
	// CrossEntropy[i] is −ln p(target bin) after step i+1, in nats.
	CrossEntropy []float64
	// Steps holds each step's KL, relative state change and entropy, without distributions.
	Steps []thinker.Step
}

// Traces runs the bundle's model for opt.MaxSteps steps on every kept day of the split and every
// question, from a random initial state, and records each step.
func Traces(ctx context.Context, data *Data, bundle *latentmodel.Bundle, opt TraceOptions) ([]DayTrace, error) {
	opt.MaxSteps = cmp0(opt.MaxSteps, 32)
	opt.Every = cmp0(opt.Every, 1)
	windows := dayWindows(data, opt.Split, bundle.Model.Config.Window, opt.Every)
	if len(windows) == 0 {
		return nil, fmt.Errorf("no %s days in the data", opt.Split)
	}
	nq := latentmodel.NumQuestions
	out := make([]DayTrace, len(windows)*nq)
	total := len(out)
	done := 0
	var mu sync.Mutex
	err := forEachWindow(ctx, windows, opt.Workers, func(i int, w Window) error {
		s := data.Symbols[w.Symbol]
		for q := range nq {
			question := latentmodel.Question(q)
			ex := data.Example(bundle, w, question)
			target := ex.Targets[w.Days()-1]
			tr := DayTrace{Symbol: s.Name, Date: s.Dates[w.End], Question: question,
				Volatility: s.Features[w.End][marketdata.FeatureRV20]}
			_, err := bundle.Model.Think(ex.X, ex.Days, question, latentmodel.ThinkOptions{
				Steps: opt.MaxSteps,
				Seed:  opt.Seed + uint64(i),
				OnStep: func(st latentmodel.StepTrace) bool {
					tr.CrossEntropy = append(tr.CrossEntropy, -math.Log(max(float64(st.Probs[target]), 1e-12)))
					tr.Steps = append(tr.Steps, thinker.Step{Step: st.Step, KL: st.KL, RelChange: st.RelChange, Entropy: st.Entropy})
					return ctx.Err() == nil
				},
			})
			if err != nil {
				return fmt.Errorf("%s %s on %s: %w", s.Name, question, marketdata.FormatDate(tr.Date), err)
			}
			out[i*nq+q] = tr
		}
		mu.Lock()
		defer mu.Unlock()
		done += nq
		if opt.Progress != nil {
			opt.Progress(done, total)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func cmp0(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// dayWindows returns one window per kept day of split, of up to length days ending on the day,
// which is the only day scored.
func dayWindows(data *Data, split Split, length, every int) []Window {
	var windows []Window
	for si, s := range data.Symbols {
		first, last, ok := splitRange(s, split)
		if !ok {
			continue
		}
		firstFeature := firstFeatureDay(s)
		k := 0
		for t := first; t <= last; t++ {
			if s.Split[t] != split {
				continue
			}
			k++
			if (k-1)%every != 0 {
				continue
			}
			start := max(firstFeature, t-length+1)
			w := Window{Symbol: si, Start: start, End: t, Scored: make([]bool, t-start+1)}
			w.Scored[t-start] = true
			windows = append(windows, w)
		}
	}
	return windows
}

// Regimes of realized volatility, by terciles of rv20 over the traced days.
const (
	RegimeAll      = "all"
	RegimeCalm     = "calm"
	RegimeMiddle   = "middle"
	RegimeVolatile = "volatile"
)

// VolatilityTerciles returns the rv20 values that cut the traced days into three groups of equal
// size; a day with volatility below lo is calm, at or above hi volatile.
func VolatilityTerciles(traces []DayTrace) (lo, hi float64) {
	v := make([]float64, len(traces))
	for i, t := range traces {
		v[i] = t.Volatility
	}
	sort.Float64s(v)
	if len(v) == 0 {
		return 0, 0
	}
	return v[len(v)/3], v[2*len(v)/3]
}

// Regime returns the volatility regime of a day with rv20 vol, given the terciles.
func Regime(vol, lo, hi float64) string {
	switch {
	case vol < lo:
		return RegimeCalm
	case vol >= hi:
		return RegimeVolatile
	}
	return RegimeMiddle
}

// AdaptiveReport compares an exit rule with fixed step counts on the same traces.
type AdaptiveReport struct {
	Rule     string `json:"rule"`
	MaxSteps int    `json:"max_steps"`
	// TercileLow and TercileHigh are the rv20 values between the regimes.
	TercileLow  float64         `json:"tercile_low"`
	TercileHigh float64         `json:"tercile_high"`
	Scores      []AdaptiveScore `json:"scores"`
}

// AdaptiveScore is the result for one question in one regime (or RegimeAll).
type AdaptiveScore struct {
	Question string `json:"question"`
	Regime   string `json:"regime"`
	Days     int    `json:"days"`
	// MeanSteps and the percentiles describe the steps the rule ran.
	MeanSteps float64 `json:"mean_steps"`
	P10       int     `json:"p10"`
	P50       int     `json:"p50"`
	P90       int     `json:"p90"`
	Max       int     `json:"max"`
	// AtMax is the share of days on which the rule never fired.
	AtMax float64 `json:"at_max"`
	// CrossEntropy is the mean cross-entropy at the exit step, nats.
	CrossEntropy float64 `json:"cross_entropy"`
	// Fixed holds the mean cross-entropy at fixed step counts.
	Fixed []FixedScore `json:"fixed"`
	// Saving is 1 − MeanSteps/MaxSteps, and CrossEntropyChange the relative change of the
	// cross-entropy against fixed MaxSteps steps (positive: worse).
	Saving             float64 `json:"saving"`
	CrossEntropyChange float64 `json:"cross_entropy_change"`
	// Histogram[i] counts the days that stopped after step i+1.
	Histogram []int `json:"histogram"`
}

// Adaptive replays rule on every trace, capped at maxSteps (at most the traced steps), and scores
// it per question and volatility regime against the fixed step counts in fixed (each at most
// the traced steps). Scores come per question in the order all, calm, middle, volatile.
func Adaptive(traces []DayTrace, rule thinker.ExitRule, maxSteps int, fixed []int) (*AdaptiveReport, error) {
	if len(traces) == 0 {
		return nil, fmt.Errorf("no traces to score")
	}
	traced := len(traces[0].Steps)
	for _, t := range traces {
		traced = min(traced, len(t.Steps))
	}
	if maxSteps < 1 || maxSteps > traced {
		return nil, fmt.Errorf("max steps %d must be between 1 and the %d traced steps", maxSteps, traced)
	}
	for _, r := range fixed {
		if r < 1 || r > traced {
			return nil, fmt.Errorf("fixed step count %d must be between 1 and the %d traced steps", r, traced)
		}
	}
	lo, hi := VolatilityTerciles(traces)
	rep := &AdaptiveReport{Rule: rule.String(), MaxSteps: maxSteps, TercileLow: lo, TercileHigh: hi}
	for q := range latentmodel.NumQuestions {
		for _, regime := range []string{RegimeAll, RegimeCalm, RegimeMiddle, RegimeVolatile} {
			var steps []int
			var ce float64
			fixedCE := make([]float64, len(fixed))
			var ceMax float64
			for _, t := range traces {
				if int(t.Question) != q || (regime != RegimeAll && Regime(t.Volatility, lo, hi) != regime) {
					continue
				}
				n, _ := rule.Replay(t.Steps, maxSteps)
				steps = append(steps, n)
				ce += t.CrossEntropy[n-1]
				ceMax += t.CrossEntropy[maxSteps-1]
				for i, r := range fixed {
					fixedCE[i] += t.CrossEntropy[r-1]
				}
			}
			if len(steps) == 0 {
				continue
			}
			days := float64(len(steps))
			s := AdaptiveScore{Question: latentmodel.Question(q).String(), Regime: regime, Days: len(steps),
				CrossEntropy: ce / days, Histogram: make([]int, maxSteps)}
			sum, atMax := 0, 0
			for _, n := range steps {
				sum += n
				s.Histogram[n-1]++
				if n == maxSteps {
					atMax++
				}
			}
			slices.Sort(steps)
			s.MeanSteps = float64(sum) / days
			s.P10, s.P50, s.P90, s.Max = steps[len(steps)/10], steps[len(steps)/2], steps[len(steps)*9/10], steps[len(steps)-1]
			s.AtMax = float64(atMax) / days
			for i, r := range fixed {
				s.Fixed = append(s.Fixed, FixedScore{Steps: r, CrossEntropy: fixedCE[i] / days})
			}
			s.Saving = 1 - s.MeanSteps/float64(maxSteps)
			s.CrossEntropyChange = s.CrossEntropy/(ceMax/days) - 1
			rep.Scores = append(rep.Scores, s)
		}
	}
	return rep, nil
}

// FixedScore is the mean cross-entropy, in nats, at a fixed number of steps.
type FixedScore struct {
	Steps        int     `json:"steps"`
	CrossEntropy float64 `json:"cross_entropy"`
}
