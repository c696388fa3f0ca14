package train

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

// DebateOrder is the order in which the default debate of two rounds asks its questions: bull,
// bear, bull, bear, then the trader. Each turn after the first starts from the previous turn's
// final state when hand-off is on.
var DebateOrder = []latentmodel.Question{latentmodel.Upside, latentmodel.Downside, latentmodel.Upside, latentmodel.Downside, latentmodel.Return}

// HandoffOptions configures Handoff.
type HandoffOptions struct {
	Split Split
	// Exit is the exit rule of every turn; it should be adaptive, or every turn runs MaxSteps.
	Exit thinker.ExitRule
	// MaxSteps caps every turn. Default 32.
	MaxSteps int
	// Every keeps every Every-th day of each symbol's split (1, the default, keeps all).
	Every   int
	Seed    uint64
	Workers int
	// Progress, when set, is called after each finished day with the count done and the total.
	Progress func(done, total int)
}

// HandoffReport compares warm-started turns with cold starts of the same turns.
type HandoffReport struct {
	Rule     string `json:"rule"`
	MaxSteps int    `json:"max_steps"`
	Days     int    `json:"days"`
	// Turns lists the warm-started turns of DebateOrder (its second to last entries).
	Turns []HandoffTurn `json:"turns"`
	// All pools every warm-started turn.
	All HandoffTurn `json:"all"`
}

// HandoffTurn summarizes one position of the debate order over the days.
type HandoffTurn struct {
	// From and To are the questions of the turn handing over its state and of the turn started
	// from it; both empty for the pooled summary.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Turns is the number of turns summarized.
	Turns int `json:"turns"`
	// WarmSteps and ColdSteps are the mean steps to exit from the handed-over state and from a
	// random state; Saved is their difference (cold − warm) and SavedP50 its median.
	WarmSteps float64 `json:"warm_steps"`
	ColdSteps float64 `json:"cold_steps"`
	Saved     float64 `json:"saved"`
	SavedP50  float64 `json:"saved_p50"`
	// MeanKL, P90KL and MaxKL describe KL(cold ‖ warm) between the two final distributions.
	MeanKL float64 `json:"mean_kl"`
	P90KL  float64 `json:"p90_kl"`
	MaxKL  float64 `json:"max_kl"`
	// WarmCrossEntropy and ColdCrossEntropy are the mean cross-entropies of the two final
	// distributions.
	WarmCrossEntropy float64 `json:"warm_cross_entropy"`
	ColdCrossEntropy float64 `json:"cold_cross_entropy"`
}

// handoffSample is one warm turn and its cold twin.
type handoffSample struct {
	warm, cold       int
	kl               float64
	warmCE, coldCE   float64
	fromQ, toQ, slot int
}

// Handoff plays DebateOrder on every kept day of the split with opt.Exit, each turn after the
// first starting from the previous turn's final state, and runs each of those turns again from a
// random state. It reports, per position and pooled, the steps both took and the KL divergence
// between their final distributions, which shows whether the hand-off changes the prediction or
// only the cost.
func Handoff(ctx context.Context, data *Data, bundle *latentmodel.Bundle, opt HandoffOptions) (*HandoffReport, error) {
	if err := opt.Exit.Validate(); err != nil {
		return nil, err
	}
	opt.MaxSteps = cmp0(opt.MaxSteps, 32)
	opt.Every = cmp0(opt.Every, 1)
	windows := dayWindows(data, opt.Split, bundle.Model.Config.Window, opt.Every)
	if len(windows) == 0 {
		return nil, fmt.Errorf("no %s days in the data", opt.Split)
	}
	turns := len(DebateOrder) - 1
	samples := make([]handoffSample, len(windows)*turns)
	done := 0
	var mu sync.Mutex
	m := bundle.Model
	err := forEachWindow(ctx, windows, opt.Workers, func(i int, w Window) error {
		var state []float32
		for k, q := range DebateOrder {
			ex := data.Example(bundle, w, q)
			target := ex.Targets[w.Days()-1]
			seed := opt.Seed + uint64(i*len(DebateOrder)+k)
			warm, err := thinkExit(ctx, m, ex, opt.Exit, opt.MaxSteps, state, seed)
			if err != nil {
				return err
			}
			if k > 0 {
				cold, err := thinkExit(ctx, m, ex, opt.Exit, opt.MaxSteps, nil, seed)
				if err != nil {
					return err
				}
				samples[i*turns+k-1] = handoffSample{
					warm: warm.Steps, cold: cold.Steps,
					kl:     thinker.KL(toF64(cold.Probs), toF64(warm.Probs)),
					warmCE: -math.Log(max(float64(warm.Probs[target]), 1e-12)),
					coldCE: -math.Log(max(float64(cold.Probs[target]), 1e-12)),
					fromQ:  int(DebateOrder[k-1]), toQ: int(q), slot: k - 1,
				}
			}
			state = warm.State
		}
		mu.Lock()
		defer mu.Unlock()
		done++
		if opt.Progress != nil {
			opt.Progress(done, len(windows))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep := &HandoffReport{Rule: opt.Exit.String(), MaxSteps: opt.MaxSteps, Days: len(windows)}
	for slot := range turns {
		var group []handoffSample
		for _, s := range samples {
			if s.slot == slot {
				group = append(group, s)
			}
		}
		h := summarizeHandoff(group)
		h.From, h.To = DebateOrder[slot].String(), DebateOrder[slot+1].String()
		rep.Turns = append(rep.Turns, h)
	}
	rep.All = summarizeHandoff(samples)
	return rep, nil
}

func thinkExit(ctx context.Context, m *latentmodel.Model, ex latentmodel.Example, rule thinker.ExitRule, maxSteps int, init []float32, seed uint64) (latentmodel.Output, error) {
	return m.Think(ex.X, ex.Days, ex.Question, latentmodel.ThinkOptions{
		Steps:     maxSteps,
		InitState: init,
		Seed:      seed,
		OnStep: func(st latentmodel.StepTrace) bool {
			if ctx.Err() != nil {
				return false
			}
			_, stop := rule.Stop(thinker.Step{Step: st.Step, KL: st.KL, RelChange: st.RelChange})
			return !stop
		},
	})
}

func summarizeHandoff(group []handoffSample) HandoffTurn {
	h := HandoffTurn{Turns: len(group)}
	if len(group) == 0 {
		return h
	}
	saved := make([]float64, len(group))
	kls := make([]float64, len(group))
	n := float64(len(group))
	for i, s := range group {
		h.WarmSteps += float64(s.warm) / n
		h.ColdSteps += float64(s.cold) / n
		h.MeanKL += s.kl / n
		h.WarmCrossEntropy += s.warmCE / n
		h.ColdCrossEntropy += s.coldCE / n
		saved[i] = float64(s.cold - s.warm)
		kls[i] = s.kl
	}
	slices.Sort(saved)
	slices.Sort(kls)
	h.Saved = h.ColdSteps - h.WarmSteps
	h.SavedP50 = saved[len(saved)/2]
	h.P90KL = kls[len(kls)*9/10]
	h.MaxKL = kls[len(kls)-1]
	return h
}

func toF64(p []float32) []float64 {
	out := make([]float64, len(p))
	var sum float64
	for _, v := range p {
		sum += float64(v)
	}
	for i, v := range p {
		out[i] = float64(v) / sum
	}
	return out
}
