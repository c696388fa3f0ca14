package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/traderlab/trader/agents"
	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/manager"
	"github.com/traderlab/trader/marketdata"
	"github.com/traderlab/trader/thinker"
)

// maxDebateSteps bounds the latent steps of one turn. The embedded model reaches its fixed
// point within about 8 steps (docs/thinking.md), and each step costs about 1 ms, so larger
// budgets only burn time.
const maxDebateSteps = 1024

func newDebateCommand(a *app) *cobra.Command {
	var asOf, out string
	cmd := &cobra.Command{
		Use:   "debate TICKER",
		Short: "Run the Bull/Bear debate and the Trader's decision for one symbol",
		Long: "Run the Bull and Bear researchers for a number of rounds, then the Trader, each thinking\n" +
			"with the recurrent-depth model, and print the decision with every agent's numbers.\n" +
			"Daily bars come from the Yahoo chart API, or from DIR/TICKER.csv with --data DIR.",
		Example: "  trader debate AAPL\n  trader debate AAPL --data ../shared/data --as-of 2024-03-28 --format json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runDebate(cmd, args[0], asOf, out)
		},
	}
	f := cmd.Flags()
	f.StringVar(&asOf, "as-of", "", "decision date YYYY-MM-DD; the last bar on or before it is used (default: the last bar)")
	f.String("data", "", "directory of SYMBOL.csv files (default: fetch from the Yahoo chart API)")
	f.String("weights", "", "weights file (default: the embedded weights)")
	f.Int("rounds", 2, "Bull/Bear debate rounds before the trader decides")
	f.String("steps", "32", "latent steps r each agent thinks for, or auto: a budget per agent from the market's volatility (compute.* settings) with the KL exit unless --exit says otherwise")
	f.String("exit", "", "latent exit rule: fixed, or kl:T, state:T and min:N joined by commas, such as kl:5e-4 (default: fixed, kl:5e-4 with --steps auto)")
	f.Bool("handoff", true, "start each agent from the previous speaker's final latent state")
	f.Int("seed", 1, "seed of the random initial latent states; the same seed gives the same output")
	f.String("format", "text", "output format: text, markdown or json")
	f.StringVar(&out, "out", "", "write the report to this file (atomically) instead of stdout; - means stdout")
	f.String("thinker", "latent", "how agents think: latent (the embedded model), llm (a language model) or hybrid (a language model shown the latent model's numbers)")
	f.String("llm-base-url", "https://api.openai.com/v1", "OpenAI-compatible API root for --thinker llm or hybrid, such as http://127.0.0.1:11434/v1")
	f.String("llm-model", "", "model name on that server, such as gpt-4o-mini or llama3.1")
	f.Bool("no-cache", false, "send every language-model request instead of reusing cached responses")
	bindConfigFlags(f, keyData, keyWeights, keyRounds, keyHandoff, keySeed, keyFormat,
		keyThinker, keyLLMBaseURL, keyLLMModel, keyLLMNoCache, keyExit)
	return cmd
}

// reportFormat returns the configured report format: text, markdown or json, in any case.
func reportFormat(v *viper.Viper) (string, error) {
	format := strings.ToLower(v.GetString(keyFormat))
	if format != "text" && format != "markdown" && format != "json" {
		return "", fmt.Errorf("invalid output format %q (%s): use text, markdown or json", format, settingSources(keyFormat))
	}
	return format, nil
}

// checkRunSettings rejects rounds, steps and seeds out of range, naming the command and where
// each setting can be changed.
func checkRunSettings(command string, rounds, steps, seed int) error {
	if rounds < 1 {
		return fmt.Errorf("invalid %s rounds %d (%s): must be at least 1", command, rounds, settingSources(keyRounds))
	}
	if steps < 1 || steps > maxDebateSteps {
		return fmt.Errorf("invalid %s steps %d (%s): must be between 1 and %d", command, steps, settingSources(keySteps), maxDebateSteps)
	}
	if seed < 0 {
		return fmt.Errorf("invalid %s seed %d (%s): must not be negative", command, seed, settingSources(keySeed))
	}
	return nil
}

// viewRequest is a symbol and an optional as-of date, checked before any data or weights load.
type viewRequest struct {
	ticker string
	source marketdata.Source
	date   time.Time // zero: the last bar
}

// newViewRequest validates the symbol, the data source and the --as-of date.
func (a *app) newViewRequest(ticker, asOf string) (viewRequest, error) {
	if err := marketdata.ValidateSymbol(ticker); err != nil {
		return viewRequest{}, err
	}
	source, err := a.source()
	if err != nil {
		return viewRequest{}, err
	}
	r := viewRequest{ticker: ticker, source: source}
	if asOf != "" {
		if r.date, err = marketdata.ParseDate(asOf); err != nil {
			return viewRequest{}, fmt.Errorf("invalid --as-of: %w", err)
		}
	}
	return r, nil
}

// load reads the symbol's bars, adjusts them for splits and dividends and returns the view as
// of the requested date, or as of the last bar.
func (r viewRequest) load(ctx context.Context) (marketdata.View, error) {
	series, err := r.source.Load(ctx, r.ticker)
	if err != nil {
		return marketdata.View{}, err
	}
	date := r.date
	if date.IsZero() {
		date = series.Bars[len(series.Bars)-1].Date
	}
	return series.Adjusted().AsOf(date)
}

func (a *app) runDebate(cmd *cobra.Command, ticker, asOf, out string) error {
	ctx := cmd.Context()
	log := zerolog.Ctx(ctx)
	v := a.v
	format, err := reportFormat(v)
	if err != nil {
		return err
	}
	rounds, _ := toInt(v.Get(keyRounds))
	steps, _ := toInt(v.Get(keySteps))
	auto := strings.EqualFold(strings.TrimSpace(v.GetString(keyComputePolicy)), "auto")
	if f := cmd.Flags().Lookup("steps"); f != nil && f.Changed {
		if strings.EqualFold(strings.TrimSpace(f.Value.String()), "auto") {
			auto = true
		} else if n, err := toInt(f.Value.String()); err == nil {
			steps, auto = n, false
		} else {
			return fmt.Errorf("invalid --steps %q: give a number of steps or auto", f.Value.String())
		}
	}
	compute, exits, err := computeSettings(v, auto)
	if err != nil {
		return err
	}
	if compute != nil {
		steps = compute.MaxSteps
	}
	seed, _ := toInt(v.Get(keySeed))
	handoff, _ := toBool(v.Get(keyHandoff))
	if err := checkRunSettings("debate", rounds, steps, seed); err != nil {
		return err
	}
	request, err := a.newViewRequest(ticker, asOf)
	if err != nil {
		return err
	}

	bundle, err := loadBundle(v.GetString(keyWeights))
	if err != nil {
		return err
	}
	view, err := request.load(ctx)
	if err != nil {
		return err
	}
	th, lms, err := thinkers(v, bundle, steps, &handoff, log)
	if err != nil {
		return err
	}
	m := manager.New(th)
	m.Rounds, m.Steps, m.Handoff, m.Seed = rounds, steps, handoff, uint64(seed)
	m.Compute, m.Exit, m.AgentExit = compute, exits[""], exits
	report, err := m.Run(ctx, view, bundle)
	logLLMUsage(log, lms)
	if err != nil {
		return err
	}

	var buf bytes.Buffer
	switch format {
	case "json":
		err = report.WriteJSON(&buf)
	case "markdown":
		err = report.WriteMarkdown(&buf)
	default:
		err = report.WriteText(&buf)
	}
	if err != nil {
		return err
	}
	if len(lms) > 0 && format != "json" {
		buf.WriteString("\n" + usageLine(llmSummary(lms)))
	}
	if out != "" && out != "-" {
		if err := latentmodel.WriteFileAtomic(out, buf.Bytes()); err != nil {
			return err
		}
		log.Info().Str("path", out).Msg("report written")
		return nil
	}
	_, err = cmd.OutOrStdout().Write(buf.Bytes())
	return err
}

// source returns the CSV directory when one is configured, and the Yahoo chart API otherwise.
// A configured directory must exist, so a mistyped path is not reported as an unknown symbol.
func (a *app) source() (marketdata.Source, error) {
	dir := a.v.GetString(keyData)
	if dir == "" {
		return &marketdata.Yahoo{BaseURL: a.v.GetString(keyYahooBaseURL), CacheDir: a.v.GetString(keyYahooCacheDir)}, nil
	}
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("data directory %s not found (set by %s); point it at a directory of SYMBOL.csv files: %w", dir, settingSources(keyData), err)
	case err != nil:
		return nil, fmt.Errorf("data directory %s (set by %s): %w", dir, settingSources(keyData), err)
	case !info.IsDir():
		return nil, fmt.Errorf("data directory %s (set by %s) is a file; point it at a directory of SYMBOL.csv files", dir, settingSources(keyData))
	}
	return marketdata.CSVDir{Dir: dir}, nil
}

// computeSettings reads the compute.* settings: the compute policy when auto is set (nil
// otherwise), and the exit rule of every agent under the key "" with the per-agent overrides
// under the agents' names. The default exit is fixed, or the KL exit when auto is set.
func computeSettings(v *viper.Viper, auto bool) (*manager.ComputePolicy, map[string]thinker.ExitRule, error) {
	var policy *manager.ComputePolicy
	switch p := strings.ToLower(strings.TrimSpace(v.GetString(keyComputePolicy))); p {
	case "fixed", "auto":
	default:
		return nil, nil, fmt.Errorf("invalid compute policy %q (%s): use fixed or auto", p, settingSources(keyComputePolicy))
	}
	if auto {
		p := manager.DefaultComputePolicy()
		p.MinSteps, _ = toInt(v.Get(keyComputeMin))
		p.MaxSteps, _ = toInt(v.Get(keyComputeMax))
		p.ProbeSteps, _ = toInt(v.Get(keyComputeProbe))
		p.EntropyWeight, _ = toFloat(v.Get(keyComputeEntropy))
		p.Feature = strings.TrimSpace(v.GetString(keyComputeFeature))
		if err := p.Validate(); err != nil {
			return nil, nil, fmt.Errorf("%w (set by the compute.* settings)", err)
		}
		policy = &p
	}
	exits := map[string]thinker.ExitRule{}
	for _, k := range []struct{ key, agent string }{{keyExit, ""}, {keyExitBull, agents.BullName}, {keyExitBear, agents.BearName}, {keyExitTrader, agents.TraderName}} {
		text := strings.TrimSpace(v.GetString(k.key))
		if text == "" {
			if k.agent == "" && auto {
				exits[""] = thinker.DefaultExitRule()
			}
			continue
		}
		rule, err := thinker.ParseExitRule(text)
		if err != nil {
			return nil, nil, fmt.Errorf("%w (setting %s: %s)", err, k.key, settingSources(k.key))
		}
		exits[k.agent] = rule
	}
	return policy, exits, nil
}
