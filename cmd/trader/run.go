package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/traderlab/trader/debate"
	"github.com/traderlab/trader/graph"
	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/manager"
	"github.com/traderlab/trader/thinker"
)

// graphThinker is the thinker name graph files use for the latent thinker, and the default.
const graphThinker = "latent"

func newRunCommand(a *app) *cobra.Command {
	var asOf, out, file string
	cmd := &cobra.Command{
		Use:   "run --graph FILE TICKER",
		Short: "Run a graph of agents described in a YAML file and print the decision",
		Long: "Run the agents of a graph file (nodes, edges, loops and a decision node; see docs/graphs.md)\n" +
			"for one symbol and print the decision with every agent's numbers. Nodes without steps use\n" +
			"--steps, loops without rounds use --rounds, and --handoff=false drops latent state from\n" +
			"every edge. Daily bars come from the Yahoo chart API, or from DIR/TICKER.csv with --data DIR.",
		Example: "  trader run --graph configs/graphs/research-team.yaml AAPL --data ../shared/data --as-of 2024-03-28",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runGraph(cmd, file, args[0], asOf, out)
		},
	}
	f := cmd.Flags()
	f.StringVar(&file, "graph", "", "graph file in YAML, such as configs/graphs/debate.yaml (required)")
	f.StringVar(&asOf, "as-of", "", "decision date YYYY-MM-DD; the last bar on or before it is used (default: the last bar)")
	f.String("data", "", "directory of SYMBOL.csv files (default: fetch from the Yahoo chart API)")
	f.String("weights", "", "weights file (default: the embedded weights)")
	f.Int("rounds", 2, "rounds of each loop that sets none")
	f.Int("steps", 32, "latent steps r of each node that sets none")
	f.Bool("handoff", true, "keep latent state on the edges that hand it over; false drops it everywhere")
	f.Int("seed", 1, "seed of the random initial latent states; the same seed gives the same output")
	f.String("format", "text", "output format: text, markdown or json")
	f.StringVar(&out, "out", "", "write the report to this file (atomically) instead of stdout")
	_ = cmd.MarkFlagRequired("graph")
	bindConfigFlags(f, keyData, keyWeights, keyRounds, keySteps, keyHandoff, keySeed, keyFormat)
	return cmd
}

func (a *app) runGraph(cmd *cobra.Command, file, ticker, asOf, out string) error {
	ctx := cmd.Context()
	v := a.v
	format, err := reportFormat(v)
	if err != nil {
		return err
	}
	rounds, _ := toInt(v.Get(keyRounds))
	steps, _ := toInt(v.Get(keySteps))
	seed, _ := toInt(v.Get(keySeed))
	handoff, _ := toBool(v.Get(keyHandoff))
	if err := checkRunSettings("run", rounds, steps, seed); err != nil {
		return err
	}
	spec, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("read graph file: %w; pass a YAML file such as configs/graphs/debate.yaml", err)
	}
	request, err := a.newViewRequest(ticker, asOf)
	if err != nil {
		return err
	}
	bundle, err := loadBundle(v.GetString(keyWeights))
	if err != nil {
		return err
	}
	th := thinker.NewLatent(bundle)
	g, err := graph.ParseYAML(spec, graph.YAMLOptions{
		Thinkers:       map[string]thinker.Thinker{graphThinker: th},
		DefaultThinker: graphThinker,
		Steps:          steps,
		Rounds:         rounds,
		Tolerance:      debate.DefaultTolerance,
		NoState:        !handoff,
	})
	if err != nil {
		return fmt.Errorf("graph file %s: %w", file, err)
	}
	view, err := request.load(ctx)
	if err != nil {
		return err
	}

	name := g.Name()
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	}
	bar := newProgress(a.stderr, name)
	total := maxTurns(g)
	var done atomic.Int64
	gm := manager.GraphManager{
		Graph: g,
		Seed:  uint64(seed),
		Rule:  manager.DefaultDecisionRule(),
		Settings: manager.Settings{
			Graph:     name,
			Thinker:   th.Name(),
			Steps:     steps,
			Rounds:    rounds,
			Handoff:   handoff,
			Tolerance: debate.DefaultTolerance,
		},
		Observers: []graph.Observer{func(e graph.Event) {
			if e.Kind == graph.NodeEnd {
				bar.update(int(done.Add(1)), total)
			}
		}},
	}
	report, err := gm.Run(ctx, view, bundle)
	bar.done()
	if err != nil {
		return err
	}
	return writeGraphReport(cmd, report, format, out)
}

// maxTurns is the number of turns g takes when every loop plays all its rounds.
func maxTurns(g *graph.Graph) int {
	n := len(g.Nodes())
	for _, l := range g.Loops() {
		n += (l.Rounds - 1) * len(l.Nodes)
	}
	return n
}

// writeGraphReport renders report in format to out, or to the command's output when out is
// empty, as `trader debate` does.
func writeGraphReport(cmd *cobra.Command, report *manager.Report, format, out string) error {
	var buf bytes.Buffer
	var err error
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
	if out != "" && out != "-" {
		return latentmodel.WriteFileAtomic(out, buf.Bytes())
	}
	_, err = cmd.OutOrStdout().Write(buf.Bytes())
	return err
}
