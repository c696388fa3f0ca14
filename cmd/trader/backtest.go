package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/traderlab/trader/backtest"
	"github.com/traderlab/trader/backtest/strategy"
	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/marketdata"
)

// backtestOptions are the backtest flags that are not configuration keys.
type backtestOptions struct {
	from, to, strategies string
	out, plot, cacheDir  string
	noCache              bool
	cfg                  backtest.Config
}

// backtestStrategyNames lists the values of --strategy besides "all", in table order.
var backtestStrategyNames = append(slices.Clone(strategy.BaselineNames), strategy.NameAgents)

func newBacktestCommand(a *app) *cobra.Command {
	opt := backtestOptions{cfg: backtest.DefaultConfig()}
	cmd := &cobra.Command{
		Use:   "backtest TICKER[,TICKER...] --from YYYY-MM-DD --to YYYY-MM-DD",
		Short: "Walk-forward backtest of the agents and the baseline strategies",
		Long: "Simulate each strategy day by day over the window: after each close it sees only bars up to\n" +
			"that day, and its target position fills at the next open, with costs and slippage in basis\n" +
			"points of traded value. Prices are split- and dividend-adjusted. Buy-and-hold of the same\n" +
			"symbol is always run as the benchmark. docs/backtest.md defines every metric.",
		Example: "  trader backtest AAPL,GOOGL,AMZN --from 2024-01-01 --to 2024-03-29 --strategy all --data ../shared/data\n" +
			"  trader backtest BTC-USD --from 2024-01-01 --to 2024-12-31 --strategy macd --cost-bps 10 --out results --plot equity.png",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runBacktest(cmd, args[0], opt)
		},
	}

	f := cmd.Flags()
	f.StringVar(&opt.from, "from", "", "first date of the window, YYYY-MM-DD (required)")
	f.StringVar(&opt.to, "to", "", "last date of the window, YYYY-MM-DD, included (required)")
	f.StringVar(&opt.strategies, "strategy", "all", "strategies separated by commas: "+strings.Join(backtestStrategyNames, ", ")+", or all")
	f.String("data", "", "directory of SYMBOL.csv files (default: fetch from the Yahoo chart API)")
	f.Float64Var(&opt.cfg.Capital, "capital", opt.cfg.Capital, "starting cash per symbol and strategy")
	f.Float64Var(&opt.cfg.CostBps, "cost-bps", 0, "commission in basis points of traded value")
	f.Float64Var(&opt.cfg.SlippageBps, "slippage-bps", 0, "fill price moved against each trade, in basis points")
	f.BoolVar(&opt.cfg.AllowShort, "allow-short", false, "let negative targets open short positions (otherwise they mean flat)")
	f.Float64Var(&opt.cfg.RiskFree, "risk-free", 0, "annual risk-free rate as a fraction, for Sharpe and Sortino")

	f.String("format", "text", "summary format on stdout: text, markdown or json")
	f.StringVar(&opt.out, "out", defaultBacktestOut, "directory to write equity.csv, trades.csv, metrics.json and equity.png into; \"\" writes no files")
	f.StringVar(&opt.plot, "plot", "", "write the equity curves with the benchmark to this PNG file (default: equity.png in --out)")

	f.String("weights", "", "weights file of the agents strategy (default: the embedded weights)")
	f.Int("rounds", 2, "Bull/Bear debate rounds of the agents strategy")
	f.Int("steps", 32, "latent steps r each agent thinks for in the agents strategy")
	f.Bool("handoff", true, "start each agent from the previous speaker's final latent state")
	f.Int("seed", 1, "seed of the agents' random initial latent states")
	f.StringVar(&opt.cacheDir, "cache", "", "directory of cached agent decisions (default: the user cache directory, trader/backtest)")
	f.BoolVar(&opt.noCache, "no-cache", false, "recompute every agent decision and store none")
	bindConfigFlags(f, keyData, keyWeights, keyRounds, keySteps, keyHandoff, keySeed, keyFormat)
	return cmd
}

func (a *app) runBacktest(cmd *cobra.Command, tickers string, opt backtestOptions) error {
	ctx := cmd.Context()
	log := zerolog.Ctx(ctx)
	format := a.v.GetString(keyFormat)
	if format != "text" && format != "markdown" && format != "json" {
		return fmt.Errorf("invalid output format %q (%s): use text, markdown or json", format, settingSources(keyFormat))
	}
	window, err := parseWindow(opt.from, opt.to)
	if err != nil {
		return err
	}
	symbols, err := parseSymbols(tickers)
	if err != nil {
		return err
	}
	names, err := parseStrategies(opt.strategies)
	if err != nil {
		return err
	}
	if err := opt.cfg.Validate(); err != nil {
		return fmt.Errorf("%w; check --capital, --cost-bps, --slippage-bps and --risk-free", err)
	}
	strategies, err := a.backtestStrategies(names, opt)
	if err != nil {
		return err
	}
	source, err := a.source()
	if err != nil {
		return err
	}
	series := make([]*marketdata.Series, 0, len(symbols))
	for _, symbol := range symbols {
		s, err := source.Load(ctx, symbol)
		if err != nil {
			return err
		}
		series = append(series, s.Adjusted())
	}

	log.Info().Strs("symbols", symbols).Strs("strategies", names).Str("from", opt.from).Str("to", opt.to).Msg("backtest started")
	results, err := runBacktests(ctx, series, strategies, window, opt.cfg, newProgress(a.stderr, "backtest"))
	if err != nil {
		return err
	}
	log.Info().Int("results", len(results)).Msg("backtest finished")

	if err := writeBacktestFiles(opt, results); err != nil {
		return err
	}
	if opt.out != "" {
		log.Info().Str("dir", opt.out).Msg("wrote equity.csv, trades.csv and metrics.json")
	}
	var buf bytes.Buffer
	switch format {
	case "json":
		err = backtest.NewDocument(results, strategy.NameBuyAndHold).WriteJSON(&buf)
	case "markdown":
		writeBacktestHeading(&buf, results, opt)
		err = backtest.WriteSummaryMarkdown(&buf, results, strategy.NameBuyAndHold)
	default:
		writeBacktestHeading(&buf, results, opt)
		err = backtest.WriteSummaryText(&buf, results, strategy.NameBuyAndHold)
	}
	if err != nil {
		return err
	}
	_, err = cmd.OutOrStdout().Write(buf.Bytes())
	return err
}

// runBacktests runs every strategy on every series, on defaultWorkers goroutines, and returns
// the results ordered by series, then strategy. Each run has its own account, and the
// strategies are safe for concurrent use: the baselines are values, and the agents strategy's
// thinker and cache are safe for it. The first failure cancels the other runs.
func runBacktests(ctx context.Context, series []*marketdata.Series, strategies []backtest.Strategy,
	window backtest.Window, cfg backtest.Config, bar *progress) ([]*backtest.Result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	total := len(series) * len(strategies)
	results := make([]*backtest.Result, total)
	errs := make([]error, total)

	daysTotal := 0
	for _, s := range series {
		for _, b := range s.Bars {
			if !b.Date.Before(window.From) && !b.Date.After(window.To) {
				daysTotal += len(strategies)
			}
		}
	}
	var daysDone atomic.Int64
	runCfg := cfg
	runCfg.Progress = func(int, int) { bar.update(int(daysDone.Add(1)), daysTotal) }

	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(defaultWorkers(), total) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				s, strat := series[job/len(strategies)], strategies[job%len(strategies)]
				results[job], errs[job] = backtest.Run(ctx, s, strat, window, runCfg)
				if errs[job] != nil {
					cancel()
				}
			}
		}()
	}
	for job := range total {
		jobs <- job
	}
	close(jobs)
	wg.Wait()
	bar.done()
	return results, firstError(errs)
}

// firstError returns the first error that is not a cancellation caused by another one, or the
// first error when all are cancellations.
func firstError(errs []error) error {
	var canceled error
	for _, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, context.Canceled):
			if canceled == nil {
				canceled = err
			}
		default:
			return err
		}
	}
	return canceled
}

// backtestStrategies builds the named strategies, buy-and-hold first because it is the
// benchmark, and the agents strategy with its model, settings and cache.
func (a *app) backtestStrategies(names []string, opt backtestOptions) ([]backtest.Strategy, error) {
	if !slices.Contains(names, strategy.NameBuyAndHold) {
		names = append([]string{strategy.NameBuyAndHold}, names...)
	}
	out := make([]backtest.Strategy, 0, len(names))
	for _, name := range names {
		if name != strategy.NameAgents {
			s, err := strategy.NewBaseline(name)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
			continue
		}
		agents, err := a.agentsStrategy(opt)
		if err != nil {
			return nil, err
		}
		out = append(out, agents)
	}
	return out, nil
}

func (a *app) agentsStrategy(opt backtestOptions) (*strategy.Agents, error) {
	v := a.v
	rounds, _ := toInt(v.Get(keyRounds))
	steps, _ := toInt(v.Get(keySteps))
	seed, _ := toInt(v.Get(keySeed))
	handoff, _ := toBool(v.Get(keyHandoff))

	switch {
	case rounds < 1:
		return nil, fmt.Errorf("invalid debate rounds %d (%s): must be at least 1", rounds, settingSources(keyRounds))
	case steps < 1:
		return nil, fmt.Errorf("invalid debate steps %d (%s): must be at least 1", steps, settingSources(keySteps))
	case seed < 0:
		return nil, fmt.Errorf("invalid debate seed %d (%s): must not be negative", seed, settingSources(keySeed))
	}
	bundle, err := loadBundle(v.GetString(keyWeights))
	if err != nil {
		return nil, err
	}
	s := strategy.NewAgents(bundle)
	s.Steps, s.Rounds, s.Handoff, s.Seed = steps, rounds, handoff, uint64(seed)
	if opt.noCache {
		return s, nil
	}
	dir := opt.cacheDir
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("no user cache directory (%w); set --cache DIR or --no-cache", err)
		}
		dir = filepath.Join(base, "trader", "backtest")
	}
	s.Cache = strategy.NewCache(dir)
	return s, nil
}

// defaultBacktestOut is the directory a backtest writes its files into unless --out says
// otherwise.
const defaultBacktestOut = "backtest-results"

// writeBacktestFiles writes the CSV and JSON files into opt.out and the plot into opt.plot (or
// equity.png in opt.out), each atomically.
func writeBacktestFiles(opt backtestOptions, results []*backtest.Result) error {
	if opt.plot == "" && opt.out != "" {
		opt.plot = filepath.Join(opt.out, "equity.png")
	}
	if opt.out != "" {
		if err := os.MkdirAll(opt.out, 0o755); err != nil {
			return fmt.Errorf("create --out directory: %w", err)
		}
		files := []struct {
			name  string
			write func(*bytes.Buffer) error
		}{
			{"equity.csv", func(b *bytes.Buffer) error { return backtest.WriteEquityCSV(b, results) }},
			{"trades.csv", func(b *bytes.Buffer) error { return backtest.WriteTradesCSV(b, results) }},
			{"metrics.json", func(b *bytes.Buffer) error {
				return backtest.NewDocument(results, strategy.NameBuyAndHold).WriteJSON(b)
			}},
		}
		for _, f := range files {
			var buf bytes.Buffer
			if err := f.write(&buf); err != nil {
				return fmt.Errorf("write %s: %w", f.name, err)
			}
			if err := latentmodel.WriteFileAtomic(filepath.Join(opt.out, f.name), buf.Bytes()); err != nil {
				return err
			}
		}
	}
	if opt.plot != "" {
		png, err := backtest.PlotPNG(results, strategy.NameBuyAndHold, 10, 4)
		if err != nil {
			return err
		}
		if err := latentmodel.WriteFileAtomic(opt.plot, png); err != nil {
			return err
		}
	}
	return nil
}

// writeBacktestHeading writes the window and account settings above the summary table. When
// the symbols' bars cover different parts of the requested window, it lists each symbol's span.
func writeBacktestHeading(buf *bytes.Buffer, results []*backtest.Result, opt backtestOptions) {
	short := "off"
	if opt.cfg.AllowShort {
		short = "on"
	}
	span := func(w backtest.Window) string {
		return marketdata.FormatDate(w.From) + ".." + marketdata.FormatDate(w.To)
	}
	window := span(results[0].Window)
	var spans []string
	for _, r := range results {
		if s := r.Symbol + " " + span(r.Window); !slices.Contains(spans, s) {
			spans = append(spans, s)
		}
	}
	if len(spans) > 1 && slices.ContainsFunc(results, func(r *backtest.Result) bool { return span(r.Window) != window }) {
		window = opt.from + ".." + opt.to + " (" + strings.Join(spans, ", ") + ")"
	}
	fmt.Fprintf(buf, "window %s, capital %g, cost %g bps, slippage %g bps, shorts %s, risk-free %g\n\n",
		window, opt.cfg.Capital, opt.cfg.CostBps, opt.cfg.SlippageBps, short, opt.cfg.RiskFree)
}

func parseWindow(from, to string) (backtest.Window, error) {
	if from == "" || to == "" {
		return backtest.Window{}, fmt.Errorf("--from and --to are required, as YYYY-MM-DD")
	}
	f, err := marketdata.ParseDate(from)
	if err != nil {
		return backtest.Window{}, fmt.Errorf("invalid --from: %w", err)
	}
	t, err := marketdata.ParseDate(to)
	if err != nil {
		return backtest.Window{}, fmt.Errorf("invalid --to: %w", err)
	}
	if t.Before(f) {
		return backtest.Window{}, fmt.Errorf("--to %s is before --from %s", to, from)
	}
	return backtest.Window{From: f, To: t}, nil
}

func parseSymbols(s string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(s, ",") {
		symbol := strings.ToUpper(strings.TrimSpace(part))
		if err := marketdata.ValidateSymbol(symbol); err != nil {
			return nil, err
		}
		if !slices.Contains(out, symbol) {
			out = append(out, symbol)
		}
	}
	return out, nil
}

func parseStrategies(s string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(s, ",") {
		name := strings.ToLower(strings.TrimSpace(part))
		switch {
		case name == "all":
			return slices.Clone(backtestStrategyNames), nil
		case !slices.Contains(backtestStrategyNames, name):
			return nil, fmt.Errorf("unknown strategy %q: use %s or all", part, strings.Join(backtestStrategyNames, ", "))
		case !slices.Contains(out, name):
			out = append(out, name)
		}
	}
	return out, nil
}
