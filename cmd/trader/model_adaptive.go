package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/latentmodel/train"
	"github.com/traderlab/trader/thinker"
)

// adaptiveFixedSteps are the fixed step counts printed beside an exit rule, capped at the
// traced maximum.
var adaptiveFixedSteps = []int{1, 2, 4, 8, 16, 32, 64}

// adaptiveFlags are the flags of `model eval` that measure an exit rule and the hand-off.
type adaptiveFlags struct {
	exit     string
	maxSteps int
	every    int
	handoff  bool
}

func (f *adaptiveFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.exit, "exit", "", "also measure this latent exit rule on every day of the split, such as kl:5e-4 (see trader debate --exit)")
	fs.IntVar(&f.maxSteps, "max-steps", 32, "with --exit: steps traced per day, the cap of the rule and the fixed count it is compared with")
	fs.IntVar(&f.every, "every", 1, "with --exit: measure every N-th day of each symbol's split (1: all days)")
	fs.BoolVar(&f.handoff, "handoff", true, "with --exit: also measure warm starts against cold starts of the same debate turns")
}

// adaptiveResult is the part of the `model eval --exit` output about the exit rule and hand-off.
type adaptiveResult struct {
	Days     int                   `json:"days"`
	Every    int                   `json:"every"`
	Adaptive *train.AdaptiveReport `json:"adaptive"`
	Handoff  *train.HandoffReport  `json:"handoff,omitempty"`
}

// runAdaptive measures the exit rule of f on split; it returns nil when no rule was asked for.
func (a *app) runAdaptive(ctx context.Context, f adaptiveFlags, data *train.Data, bundle *latentmodel.Bundle, split train.Split, seed uint64) (*adaptiveResult, error) {
	if f.exit == "" {
		return nil, nil
	}
	rule, err := thinker.ParseExitRule(f.exit)
	if err != nil {
		return nil, fmt.Errorf("invalid --exit: %w", err)
	}
	if f.maxSteps < 1 || f.every < 1 {
		return nil, fmt.Errorf("invalid --max-steps %d or --every %d: both must be at least 1", f.maxSteps, f.every)
	}
	progress := newProgress(a.stderr, "tracing days")
	traces, err := train.Traces(ctx, data, bundle, train.TraceOptions{
		Split: split, MaxSteps: f.maxSteps, Every: f.every, Seed: seed, Workers: defaultWorkers(), Progress: progress.update,
	})
	progress.done()
	if err != nil {
		return nil, err
	}
	var fixed []int
	for _, r := range adaptiveFixedSteps {
		if r <= f.maxSteps {
			fixed = append(fixed, r)
		}
	}
	if fixed[len(fixed)-1] != f.maxSteps {
		fixed = append(fixed, f.maxSteps)
	}
	rep, err := train.Adaptive(traces, rule, f.maxSteps, fixed)
	if err != nil {
		return nil, err
	}
	res := &adaptiveResult{Days: len(traces) / latentmodel.NumQuestions, Every: f.every, Adaptive: rep}
	if f.handoff {
		progress := newProgress(a.stderr, "hand-off")
		res.Handoff, err = train.Handoff(ctx, data, bundle, train.HandoffOptions{
			Split: split, Exit: rule, MaxSteps: f.maxSteps, Every: f.every, Seed: seed, Workers: defaultWorkers(), Progress: progress.update,
		})
		progress.done()
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

func writeAdaptive(w io.Writer, res *adaptiveResult) {
	rep := res.Adaptive
	fmt.Fprintf(w, "\nExit %s, at most %d steps, on %d days (every %d of the split) x 3 questions;\n", rep.Rule, rep.MaxSteps, res.Days, res.Every)
	fmt.Fprintf(w, "one window per day ending on it; regimes are terciles of rv20 (calm < %.4f <= middle < %.4f <= volatile):\n", rep.TercileLow, rep.TercileHigh)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "question\tregime\tdays\tmean steps\tp10\tp50\tp90\tat max\tCE exit\t"
	for _, s := range rep.Scores[0].Fixed {
		header += fmt.Sprintf("r=%d\t", s.Steps)
	}
	fmt.Fprintln(tw, header+"saved\tCE change\t")
	for _, s := range rep.Scores {
		row := fmt.Sprintf("%s\t%s\t%d\t%.2f\t%d\t%d\t%d\t%.1f%%\t%.4f\t", s.Question, s.Regime, s.Days, s.MeanSteps, s.P10, s.P50, s.P90, 100*s.AtMax, s.CrossEntropy)
		for _, f := range s.Fixed {
			row += fmt.Sprintf("%.4f\t", f.CrossEntropy)
		}
		fmt.Fprintln(tw, row+fmt.Sprintf("%.1f%%\t%+.3f%%\t", 100*s.Saving, 100*s.CrossEntropyChange))
	}
	tw.Flush()

	h := res.Handoff
	if h == nil {
		return
	}
	fmt.Fprintf(w, "\nHand-off in the debate order (%s), exit %s, at most %d steps, %d days;\n",
		strings.Join(questionNames(train.DebateOrder), " → "), h.Rule, h.MaxSteps, h.Days)
	fmt.Fprintln(w, "each warm-started turn against a cold start of the same turn:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "turn\tturns\twarm steps\tcold steps\tsaved\tsaved p50\tKL mean\tKL p90\tKL max\tCE warm\tCE cold\t")
	for _, t := range append(h.Turns, h.All) {
		name := "all"
		if t.From != "" {
			name = t.From + " → " + t.To
		}
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.2f\t%+.2f\t%+.0f\t%.2e\t%.2e\t%.2e\t%.4f\t%.4f\t\n", name, t.Turns, t.WarmSteps, t.ColdSteps,
			t.Saved, t.SavedP50, t.MeanKL, t.P90KL, t.MaxKL, t.WarmCrossEntropy, t.ColdCrossEntropy)
	}
	tw.Flush()
}

func questionNames(qs []latentmodel.Question) []string {
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = q.String()
	}
	return out
}
