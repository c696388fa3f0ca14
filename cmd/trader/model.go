package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/latentmodel/train"
)

func newModelCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "model",
		Short: "Train, evaluate and inspect the recurrent-depth model",
	}
	cmd.AddCommand(newModelTrainCommand(a), newModelEvalCommand(a), newModelInfoCommand(a), newModelPlotCommand(a))
	return cmd
}

func newModelTrainCommand(a *app) *cobra.Command {
	defaults := train.DefaultOptions()
	var (
		dir, out string
		opt      = defaults
		horizon  int
	)
	cmd := &cobra.Command{
		Use:   "train --data DIR",
		Short: "Train the model on a directory of SYMBOL.csv files",
		Long: "Train the model on every SYMBOL.csv in DIR with time splits: train up to 2020-12-31,\n" +
			"validation 2021-2022, test from 2023. The checkpoint with the lowest validation loss is kept.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			started := time.Now()
			if dir == "" {
				return fmt.Errorf("--data is required: a directory of SYMBOL.csv files")
			}
			if err := opt.Validate(); err != nil {
				return err
			}
			if info, err := os.Stat(filepath.Dir(out)); err != nil || !info.IsDir() {
				return fmt.Errorf("invalid --out %s: directory %s does not exist", out, filepath.Dir(out))
			}
			ctx := cmd.Context()
			data, err := train.LoadData(ctx, train.LoadOptions{Dir: dir, Horizon: horizon})
			if err != nil {
				return err
			}
			opt.OutPath = out
			opt.Command = "trader " + strings.Join(os.Args[1:], " ")
			bundle, history, err := train.Run(ctx, data, opt)
			if err != nil {
				return err
			}
			best := history[bundle.Provenance.BestEpoch-1]
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d parameters, best epoch %d of %d, validation loss %.4f at r=%d, %.0fs\n",
				out, bundle.Model.NumParams(), best.Epoch, len(history), best.ValidationLoss, opt.Config.MeanSteps, time.Since(started).Seconds())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "data", "", "directory of SYMBOL.csv files (required)")
	f.StringVar(&out, "out", "model.safetensors", "weights file to write; written atomically after every improving epoch")
	f.Uint64Var(&opt.Seed, "seed", defaults.Seed, "random seed: same seed and data give the same weights")
	f.IntVar(&opt.Epochs, "epochs", defaults.Epochs, "passes over the training windows")
	f.Float64Var(&opt.LearningRate, "lr", defaults.LearningRate, "peak learning rate of AdamW")
	f.IntVar(&opt.BatchSize, "batch", defaults.BatchSize, "windows per optimizer step")
	f.IntVar(&opt.Workers, "workers", defaults.Workers, "goroutines computing gradients (the result does not depend on it)")
	f.IntVar(&opt.Config.Width, "width", defaults.Config.Width, "model width")
	f.IntVar(&opt.Config.Heads, "heads", defaults.Config.Heads, "attention heads")
	f.IntVar(&opt.Config.MLPHidden, "mlp-hidden", defaults.Config.MLPHidden, "hidden size of the SwiGLU MLP")
	f.IntVar(&opt.Config.PreludeBlocks, "prelude", defaults.Config.PreludeBlocks, "prelude blocks")
	f.IntVar(&opt.Config.CoreBlocks, "core", defaults.Config.CoreBlocks, "blocks in the recurrent core")
	f.IntVar(&opt.Config.CodaBlocks, "coda", defaults.Config.CodaBlocks, "coda blocks")
	f.IntVar(&opt.Config.Window, "window", defaults.Config.Window, "days per input window")
	f.IntVar(&opt.Config.Bins, "bins", defaults.Config.Bins, "bins per question's target")
	f.IntVar(&opt.Config.MeanSteps, "mean-steps", defaults.Config.MeanSteps, "mean recurrence count r̄ of training")
	f.IntVar(&opt.Config.BackpropSteps, "backprop-steps", defaults.Config.BackpropSteps, "core steps differentiated per training step (k)")
	f.IntVar(&opt.Stride, "stride", defaults.Stride, "days between the ends of successive training windows")
	f.IntVar(&opt.FixedSteps, "fixed-steps", 0, "train every step at this recurrence count instead of sampling it (1 = a fixed-depth baseline)")
	f.IntVar(&horizon, "horizon", 5, "target horizon in bars")
	return cmd
}

func newModelEvalCommand(a *app) *cobra.Command {
	var (
		dir, weights, splitName, steps, format string
		seed                                   uint64
		health                                 bool
	)
	var af adaptiveFlags
	cmd := &cobra.Command{
		Use:   "eval --data DIR",
		Short: "Score the model on a time split: cross-entropy per question and step count, prior, calibration",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" {
				return fmt.Errorf("--data is required: a directory of SYMBOL.csv files")
			}
			if format != "text" && format != "json" {
				return fmt.Errorf("invalid --format %q: use text or json", format)
			}
			split, err := train.ParseSplit(splitName)
			if err != nil {
				return fmt.Errorf("invalid --split: %w", err)
			}
			stepList, err := parseSteps(steps)
			if err != nil {
				return err
			}
			bundle, err := loadBundle(weights)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			data, err := train.LoadData(ctx, train.LoadOptions{
				Dir: dir, Horizon: bundle.Horizon,
				TrainEnd:      mustDate(bundle.Provenance.TrainEnd, train.DefaultTrainEnd),
				ValidationEnd: mustDate(bundle.Provenance.ValidationEnd, train.DefaultValidationEnd),
			})
			if err != nil {
				return err
			}
			progress := newProgress(a.stderr, "evaluating")
			report, err := train.Evaluate(ctx, data, bundle, train.EvalOptions{
				Split: split, Steps: stepList, Seed: seed, Workers: defaultWorkers(), Progress: progress.update,
			})
			progress.done()
			if err != nil {
				return err
			}
			zerolog.Ctx(ctx).Debug().Int("windows", report.Windows).Msg("evaluation finished")
			var diag *train.Diagnostics
			if health {
				if diag, err = train.Diagnose(ctx, data, bundle, split, healthWindows, healthSeeds, healthSteps); err != nil {
					return err
				}
			}
			adaptive, err := a.runAdaptive(ctx, af, data, bundle, split, seed)
			if err != nil {
				return err
			}
			if format == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					*train.Report
					Health *train.Diagnostics `json:"health,omitempty"`
					Exit   *adaptiveResult    `json:"exit,omitempty"`
				}{report, diag, adaptive})
			}
			writeEvalTable(cmd.OutOrStdout(), report, diag, bundle)
			if adaptive != nil {
				writeAdaptive(cmd.OutOrStdout(), adaptive)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "data", "", "directory of SYMBOL.csv files (required)")
	f.StringVar(&weights, "weights", "", "weights file (default: the embedded weights)")
	f.StringVar(&splitName, "split", "test", "time split to score: train, validation or test")
	f.StringVar(&steps, "steps", "1,2,4,8,16,32,64", "comma-separated recurrence counts to score")
	f.StringVar(&format, "format", "text", "output format: text or json")
	f.Uint64Var(&seed, "seed", 1, "seed of the random initial latent states")
	f.BoolVar(&health, "health", true, "also check for representation collapse and dependence on the initial state")
	af.register(f)
	return cmd
}

// Size of the health check of `model eval`: a sample of windows, each thought about from
// several random initial states.
const (
	healthWindows = 20
	healthSeeds   = 5
	healthSteps   = 32
)

func newModelInfoCommand(a *app) *cobra.Command {
	var weights string
	cmd := &cobra.Command{
		Use:   "info",
		Short: "Print the config, parameter count and provenance of the weights",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			bundle, err := loadBundle(weights)
			if err != nil {
				return err
			}
			writeInfo(cmd.OutOrStdout(), bundle)
			return nil
		},
	}
	cmd.Flags().StringVar(&weights, "weights", "", "weights file (default: the embedded weights)")
	return cmd
}

// loadBundle reads a weights file, or the embedded weights when path is empty.
func loadBundle(path string) (*latentmodel.Bundle, error) {
	if path == "" {
		return latentmodel.Default()
	}
	return latentmodel.LoadFile(path)
}

func parseSteps(s string) ([]int, error) {
	var steps []int
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("invalid --steps %q: use positive integers separated by commas, such as 1,4,16", s)
		}
		steps = append(steps, n)
	}
	return steps, nil
}

func mustDate(s string, fallback time.Time) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return fallback
	}
	return d
}

func writeEvalTable(w io.Writer, report *train.Report, diag *train.Diagnostics, bundle *latentmodel.Bundle) {
	fmt.Fprintf(w, "Split: %s (%d windows), weights %s (sha256 %s)\n\n", report.Split, report.Windows, bundle.Name, bundle.SHA256[:12])
	fmt.Fprintln(w, "Cross-entropy, nats per scored day (lower is better); prior = training bin frequencies:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "question\tdays\tprior\t"
	for _, s := range report.Questions[0].ByStep {
		header += fmt.Sprintf("r=%d\t", s.Steps)
	}
	fmt.Fprintln(tw, header)
	for _, q := range report.Questions {
		row := fmt.Sprintf("%s\t%d\t%.4f\t", q.Question, q.Days, q.PriorCrossEntropy)
		for _, s := range q.ByStep {
			row += fmt.Sprintf("%.4f\t", s.CrossEntropy)
		}
		fmt.Fprintln(tw, row)
	}
	tw.Flush()

	writeStepTable(w, report, fmt.Sprintf("Expected calibration error (top label, %d confidence bins; 0 is perfectly calibrated):", train.CalibrationBins),
		func(s train.StepScore) float64 { return s.ECE })
	writeStepTable(w, report, "Correlation of the predicted expected value with the realized target:",
		func(s train.StepScore) float64 { return s.Correlation })

	if diag != nil {
		fmt.Fprintf(w, "\nHealth at r=%d on %d windows x 3 questions, %d random initial states each:\n", diag.Steps, diag.Windows, diag.Seeds)
		fmt.Fprintf(w, "  mean cosine similarity between days' final states  %.4f  (near 1 = representation collapse)\n", diag.StateCosine)
		fmt.Fprintf(w, "  share of state norm² that differs between days     %.4f  (near 0 = representation collapse)\n", diag.DaySpecificShare)
		fmt.Fprintf(w, "  mean largest total variation across initial states %.4f  (near 0 = answer independent of s0)\n", diag.SeedTotalVariation)
		fmt.Fprintf(w, "  mean relative distance between final states        %.4f\n", diag.SeedStateDistance)
	}
}

// writeStepTable writes one value per question and recurrence count.
func writeStepTable(w io.Writer, report *train.Report, title string, value func(train.StepScore) float64) {
	fmt.Fprintf(w, "\n%s\n", title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "question\t"
	for _, s := range report.Questions[0].ByStep {
		header += fmt.Sprintf("r=%d\t", s.Steps)
	}
	fmt.Fprintln(tw, header)
	for _, q := range report.Questions {
		row := q.Question + "\t"
		for _, s := range q.ByStep {
			row += fmt.Sprintf("%.4f\t", value(s))
		}
		fmt.Fprintln(tw, row)
	}
	tw.Flush()
}

func writeInfo(w io.Writer, b *latentmodel.Bundle) {
	cfg := b.Model.Config
	p := b.Provenance
	fmt.Fprintf(w, "weights:      %s\nsha256:       %s\nparameters:   %d\n", b.Name, b.SHA256, b.Model.NumParams())
	fmt.Fprintf(w, "shape:        prelude %d, core %d, coda %d blocks; width %d, %d heads, MLP hidden %d\n",
		cfg.PreludeBlocks, cfg.CoreBlocks, cfg.CodaBlocks, cfg.Width, cfg.Heads, cfg.MLPHidden)
	fmt.Fprintf(w, "input:        %d days of %d features; horizon %d bars; %d bins per question\n", cfg.Window, cfg.Features, b.Horizon, cfg.Bins)
	fmt.Fprintf(w, "training:     mean steps %d, backprop steps %d, seed %d, %d epochs (best %d, validation loss %.4f), %s\n",
		cfg.MeanSteps, cfg.BackpropSteps, p.Seed, p.Epochs, p.BestEpoch, p.ValidationLoss, p.GoVersion)
	fmt.Fprintf(w, "splits:       train to %s, validation to %s, test after\n", p.TrainEnd, p.ValidationEnd)
	fmt.Fprintf(w, "command:      %s\n", p.Command)
	fmt.Fprintln(w, "data:")
	for _, d := range p.Data {
		fmt.Fprintf(w, "  %-8s %s..%s %5d rows sha256 %s\n", d.Symbol, d.First, d.Last, d.Rows, d.SHA256[:12])
	}
}
