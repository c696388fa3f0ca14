package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/latentmodel/train"
	"github.com/traderlab/trader/thinker"
)

// Files written by `trader model plot`.
const (
	plotCrossEntropy = "cross-entropy-vs-steps.png"
	plotExitSteps    = "exit-steps-by-regime.png"
	plotStateChange  = "state-change.png"
	plotPCA          = "latent-pca.png"
)

// plotFlags are the settings of `trader model plot`.
type plotFlags struct {
	dir, out, weights, split, exit string
	maxSteps, every, samples       int
	seed                           uint64
}

func newModelPlotCommand(a *app) *cobra.Command {
	var f plotFlags
	cmd := &cobra.Command{
		Use:   "plot --data DIR --out DIR",
		Short: "Plot how the model's answers change with thinking steps on a time split (PNG files)",
		Long: "Trace every N-th day of a time split for up to --max-steps steps and write four PNG files to --out:\n" +
			"  " + plotCrossEntropy + "  mean cross-entropy against steps per question (log-scale steps)\n" +
			"  " + plotExitSteps + "  steps the --exit rule ran, per volatility regime (terciles of rv20)\n" +
			"  " + plotStateChange + "  relative state change against step for sample days\n" +
			"  " + plotPCA + "  the sample days' latent trajectories projected on their first two principal components",
		Example: "  trader model plot --data ../shared/data --out docs/images",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runPlot(cmd, f)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.dir, "data", "", "directory of SYMBOL.csv files (required)")
	fs.StringVar(&f.out, "out", "", "directory to write the PNG files to, created when missing (required)")
	fs.StringVar(&f.weights, "weights", "", "weights file (default: the embedded weights)")
	fs.StringVar(&f.split, "split", "test", "time split: train, validation or test")
	fs.StringVar(&f.exit, "exit", "kl:5e-4", "exit rule whose steps are plotted per regime")
	fs.IntVar(&f.maxSteps, "max-steps", 32, "steps traced per day")
	fs.IntVar(&f.every, "every", 4, "trace every N-th day of each symbol's split")
	fs.IntVar(&f.samples, "samples", 6, "sample days for the state-change and PCA plots")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the random initial latent states")
	return cmd
}

func (a *app) runPlot(cmd *cobra.Command, f plotFlags) error {
	if f.dir == "" || f.out == "" {
		return fmt.Errorf("--data and --out are required: a directory of SYMBOL.csv files and a directory for the PNG files")
	}
	split, err := train.ParseSplit(f.split)
	if err != nil {
		return fmt.Errorf("invalid --split: %w", err)
	}
	rule, err := thinker.ParseExitRule(f.exit)
	if err != nil {
		return fmt.Errorf("invalid --exit: %w", err)
	}
	if f.maxSteps < 2 || f.every < 1 || f.samples < 1 {
		return fmt.Errorf("invalid --max-steps %d, --every %d or --samples %d: need at least 2, 1 and 1", f.maxSteps, f.every, f.samples)
	}
	bundle, err := loadBundle(f.weights)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	data, err := train.LoadData(ctx, train.LoadOptions{
		Dir: f.dir, Horizon: bundle.Horizon,
		TrainEnd:      mustDate(bundle.Provenance.TrainEnd, train.DefaultTrainEnd),
		ValidationEnd: mustDate(bundle.Provenance.ValidationEnd, train.DefaultValidationEnd),
	})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return fmt.Errorf("create --out directory: %w", err)
	}
	progress := newProgress(a.stderr, "tracing days")
	traces, err := train.Traces(ctx, data, bundle, train.TraceOptions{
		Split: split, MaxSteps: f.maxSteps, Every: f.every, Seed: f.seed, Workers: defaultWorkers(), Progress: progress.update,
	})
	progress.done()
	if err != nil {
		return err
	}
	rep, err := train.Adaptive(traces, rule, f.maxSteps, nil)
	if err != nil {
		return err
	}
	samples := sampleTraces(traces, latentmodel.Upside, f.samples)
	var trajectories [][][]float64
	for i, s := range samples {
		w, err := sampleWindow(data, bundle, s)
		if err != nil {
			return err
		}
		traj, err := train.Trajectory(ctx, data, bundle, w, s.Question, f.maxSteps, f.seed+uint64(i))
		if err != nil {
			return err
		}
		trajectories = append(trajectories, traj)
	}

	for _, p := range []struct {
		name string
		make func() (*plot.Plot, error)
	}{
		{plotCrossEntropy, func() (*plot.Plot, error) { return crossEntropyPlot(traces, f.maxSteps) }},
		{plotExitSteps, func() (*plot.Plot, error) { return exitStepsPlot(rep) }},
		{plotStateChange, func() (*plot.Plot, error) { return stateChangePlot(samples) }},
		{plotPCA, func() (*plot.Plot, error) { return pcaPlot(samples, trajectories) }},
	} {
		plt, err := p.make()
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		path := filepath.Join(f.out, p.name)
		if err := plt.Save(6*vg.Inch, 4*vg.Inch, path); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		zerolog.Ctx(ctx).Info().Str("path", path).Msg("plot written")
	}
	return nil
}

// sampleTraces returns n traces of question q spread evenly over the traced days.
func sampleTraces(traces []train.DayTrace, q latentmodel.Question, n int) []train.DayTrace {
	var of []train.DayTrace
	for _, t := range traces {
		if t.Question == q {
			of = append(of, t)
		}
	}
	n = min(n, len(of))
	out := make([]train.DayTrace, n)
	for i := range n {
		out[i] = of[(2*i+1)*len(of)/(2*n)]
	}
	return out
}

// sampleWindow finds the window of the model's length that ends on the trace's day.
func sampleWindow(data *train.Data, bundle *latentmodel.Bundle, t train.DayTrace) (train.Window, error) {
	for si, s := range data.Symbols {
		if s.Name != t.Symbol {
			continue
		}
		for end, d := range s.Dates {
			if d.Equal(t.Date) {
				start := max(0, end-bundle.Model.Config.Window+1)
				for start < end && math.IsNaN(s.Features[start][0]) {
					start++
				}
				w := train.Window{Symbol: si, Start: start, End: end, Scored: make([]bool, end-start+1)}
				w.Scored[end-start] = true
				return w, nil
			}
		}
	}
	return train.Window{}, fmt.Errorf("no day %s of %s in the data", t.Date.Format("2006-01-02"), t.Symbol)
}

func crossEntropyPlot(traces []train.DayTrace, maxSteps int) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Mean cross-entropy against steps"
	p.X.Label.Text = "steps r (log scale)"
	p.Y.Label.Text = "cross-entropy, nats"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Y.Tick.Marker = formattedTicks{plot.DefaultTicks{}, "%.3f"}
	var lines []any
	for q := range latentmodel.NumQuestions {
		sum := make([]float64, maxSteps)
		n := 0
		for _, t := range traces {
			if int(t.Question) != q {
				continue
			}
			n++
			for i := range maxSteps {
				sum[i] += t.CrossEntropy[i]
			}
		}
		pts := make(plotter.XYs, maxSteps)
		for i := range pts {
			pts[i].X, pts[i].Y = float64(i+1), sum[i]/float64(max(n, 1))
		}
		lines = append(lines, latentmodel.Question(q).String(), pts)
	}
	if err := plotutil.AddLinePoints(p, lines...); err != nil {
		return nil, err
	}
	p.Legend.Top = true
	return p, nil
}

func exitStepsPlot(rep *train.AdaptiveReport) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Steps run by exit %s, per rv20 regime", rep.Rule)
	p.X.Label.Text = "steps"
	p.Y.Label.Text = "share of days (all questions)"
	regimes := []string{train.RegimeCalm, train.RegimeMiddle, train.RegimeVolatile}
	counts := make([][]float64, len(regimes))
	last := 1
	for ri, regime := range regimes {
		counts[ri] = make([]float64, rep.MaxSteps)
		total := 0
		for _, s := range rep.Scores {
			if s.Regime != regime {
				continue
			}
			for i, c := range s.Histogram {
				counts[ri][i] += float64(c)
				total += c
				if c > 0 {
					last = max(last, i+1)
				}
			}
		}
		for i := range counts[ri] {
			counts[ri][i] /= float64(max(total, 1))
		}
	}
	width := vg.Points(8)
	names := make([]string, last)
	for i := range names {
		names[i] = fmt.Sprint(i + 1)
	}
	for ri, regime := range regimes {
		bars, err := plotter.NewBarChart(plotter.Values(counts[ri][:last]), width)
		if err != nil {
			return nil, err
		}
		bars.Color = plotutil.Color(ri)
		bars.LineStyle.Width = 0
		bars.Offset = width * vg.Length(ri-1)
		p.Add(bars)
		p.Legend.Add(regime, bars)
	}
	p.NominalX(names...)
	p.Legend.Top = true
	return p, nil
}

func stateChangePlot(samples []train.DayTrace) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Relative state change per step, upside question"
	p.X.Label.Text = "step"
	p.Y.Label.Text = "‖s_i − s_{i−1}‖ / ‖s_i‖ (log scale)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = formattedTicks{plot.LogTicks{}, "%.0e"}
	p.Legend.Top = true
	var lines []any
	for _, t := range samples {
		var pts plotter.XYs
		for _, s := range t.Steps {
			if s.Step >= 2 && s.RelChange > 0 {
				pts = append(pts, plotter.XY{X: float64(s.Step), Y: s.RelChange})
			}
		}
		lines = append(lines, fmt.Sprintf("%s %s", t.Symbol, t.Date.Format("2006-01-02")), pts)
	}
	if err := plotutil.AddLines(p, lines...); err != nil {
		return nil, err
	}
	return p, nil
}

func pcaPlot(samples []train.DayTrace, trajectories [][][]float64) (*plot.Plot, error) {
	var all [][]float64
	for _, t := range trajectories {
		all = append(all, t...)
	}
	_, proj, variance, err := train.PCA(all, 2)
	if err != nil {
		return nil, err
	}
	total := 0.0
	mean := make([]float64, len(all[0]))
	for _, row := range all {
		for j, v := range row {
			mean[j] += v / float64(len(all))
		}
	}
	for _, row := range all {
		for j, v := range row {
			total += (v - mean[j]) * (v - mean[j]) / float64(len(all)-1)
		}
	}
	p := plot.New()
	p.Title.Text = "Latent trajectories of the last day, upside question"
	p.X.Label.Text = fmt.Sprintf("PC1 (%.0f%% of variance)", 100*variance[0]/total)
	p.Y.Label.Text = fmt.Sprintf("PC2 (%.0f%% of variance)", 100*variance[1]/total)
	k := 0
	for i, t := range trajectories {
		pts := make(plotter.XYs, len(t))
		for j := range t {
			pts[j] = plotter.XY{X: proj[k][0], Y: proj[k][1]}
			k++
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, err
		}
		line.Color = plotutil.Color(i)
		points.Color = plotutil.Color(i)
		points.Radius = vg.Points(1.5)
		start, err := plotter.NewScatter(pts[:1])
		if err != nil {
			return nil, err
		}
		start.Color = plotutil.Color(i)
		start.Radius = vg.Points(4)
		p.Add(line, points, start)
		p.Legend.Add(fmt.Sprintf("%s %s", samples[i].Symbol, samples[i].Date.Format("2006-01-02")), line)
	}
	p.Legend.Top = true
	return p, nil
}

// formattedTicks relabels the major ticks of another ticker with a format such as "%.3f".
type formattedTicks struct {
	plot.Ticker
	format string
}

// Ticks returns the ticks of the wrapped ticker with the labels of major ticks reformatted.
func (t formattedTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := t.Ticker.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = fmt.Sprintf(t.format, ticks[i].Value)
		}
	}
	return ticks
}
