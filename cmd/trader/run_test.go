package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/debate"
	"github.com/traderlab/trader/graph"
	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/manager"
	"github.com/traderlab/trader/marketdata"
	"github.com/traderlab/trader/thinker"
)

const (
	debateGraph   = "../../configs/graphs/debate.yaml"
	researchGraph = "../../configs/graphs/research-team.yaml"
)

// runJSON runs `trader run` with args and --format json and decodes the report.
func runJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	res := mustRunTrader(t, append(append([]string{"run"}, args...), "--format", "json")...)
	return decodeObject(t, res.Stdout)
}

func TestRunDebateGraphMatchesDebate(t *testing.T) {
	dir := sharedDataDir(t)
	for _, flags := range [][]string{
		{"--as-of", "2024-03-28"},
		{"--as-of", "2023-06-01", "--rounds", "3", "--steps", "8", "--handoff=false", "--seed", "4"},
	} {
		args := append([]string{"AAPL", "--data", dir}, flags...)
		want := withoutTimings(debateJSON(t, args...))
		got := withoutTimings(runJSON(t, append([]string{"--graph", debateGraph}, args...)...))
		settings := got["settings"].(map[string]any)
		assert.Equal(t, "debate", settings["graph"])
		delete(settings, "graph")
		assert.Equal(t, want, got, "flags %v", flags)
	}
}

// researchTeam builds configs/graphs/research-team.yaml in Go.
func researchTeam(t *testing.T, th thinker.Thinker, steps, rounds int) *graph.Graph {
	t.Helper()
	b := graph.NewBuilder()
	b.SetName("research-team")
	for _, n := range []graph.Node{
		{Name: "momentum", Question: latentmodel.Return, Thinker: th, Steps: 8},
		{Name: "breakout", Question: latentmodel.Upside, Thinker: th, Steps: 8},
		{Name: "volatility", Question: latentmodel.Downside, Thinker: th, Steps: 8},
		{Name: "bull", Question: latentmodel.Upside, Thinker: th, Steps: steps},
		{Name: "bear", Question: latentmodel.Downside, Thinker: th, Steps: steps},
		{Name: "quant", Question: latentmodel.Return, Thinker: th, Steps: steps},
		{Name: "risk", Question: latentmodel.Downside, Thinker: th, Steps: steps},
		{Name: "trader", Question: latentmodel.Return, Thinker: th, Steps: steps},
	} {
		require.NoError(t, b.AddNode(n))
	}
	for _, e := range []graph.Edge{
		{From: "momentum", To: "quant", Handoff: graph.Distribution | graph.Text},
		{From: "breakout", To: "bull", Handoff: graph.Distribution | graph.Text},
		{From: "volatility", To: "bear", Handoff: graph.Distribution | graph.Text},
		{From: "bull", To: "bear", Handoff: graph.All},
		{From: "bear", To: "quant", Handoff: graph.All},
		{From: "quant", To: "bull", Handoff: graph.All},
		{From: "quant", To: "risk", Handoff: graph.All},
		{From: "risk", To: "trader", Handoff: graph.All},
	} {
		require.NoError(t, b.AddEdge(e.From, e.To, e.Handoff))
	}
	require.NoError(t, b.AddLoop(graph.Loop{Name: "debate", Nodes: []string{"bull", "bear", "quant"}, Rounds: rounds, Tolerance: 0.01}))
	b.SetDecision("trader")
	g, err := b.Compile()
	require.NoError(t, err)
	return g
}

func TestRunResearchTeamGoAndYAML(t *testing.T) {
	dir := sharedDataDir(t)
	got := withoutTimings(runJSON(t, "--graph", researchGraph, "AAPL", "--data", dir, "--as-of", "2024-03-28"))

	bundle, err := latentmodel.Default()
	require.NoError(t, err)
	series, err := marketdata.CSVDir{Dir: dir}.Load(t.Context(), "AAPL")
	require.NoError(t, err)
	date, err := marketdata.ParseDate("2024-03-28")
	require.NoError(t, err)
	view, err := series.Adjusted().AsOf(date)
	require.NoError(t, err)
	th := thinker.NewLatent(bundle)
	gm := manager.GraphManager{
		Graph: researchTeam(t, th, 32, 2),
		Seed:  1,
		Rule:  manager.DefaultDecisionRule(),
		Settings: manager.Settings{
			Graph: "research-team", Thinker: th.Name(), Steps: 32, Rounds: 2, Handoff: true, Tolerance: debate.DefaultTolerance,
		},
	}
	report, err := gm.Run(t.Context(), view, bundle)
	require.NoError(t, err)
	data, err := json.Marshal(report)
	require.NoError(t, err)
	want := withoutTimings(decodeObject(t, string(data)))

	assert.Equal(t, want, got)
	turns := got["turns"].([]any)
	require.GreaterOrEqual(t, len(turns), 8)
	var first []string
	for _, turn := range turns[:3] {
		first = append(first, turn.(map[string]any)["agent"].(string))
	}
	assert.Equal(t, []string{"momentum", "breakout", "volatility"}, first, "the parallel analysts come first, in declaration order")
}

func TestRunErrors(t *testing.T) {
	bad := writeFile(t, "bad.yaml", []byte("nodes:\n  - name: bull\n    question: upside\n    colour: red\n"))
	steps := writeFile(t, "steps.yaml", []byte("nodes:\n  - name: trader\n    question: return\n    steps: -3\ndecision: trader\n"))
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"no graph flag", []string{"run", "AAPL"}, []string{"graph"}},
		{"missing file", []string{"run", "--graph", "none.yaml", "AAPL"}, []string{"read graph file", "none.yaml"}},
		{"unknown key", []string{"run", "--graph", bad, "AAPL", "--data", t.TempDir()}, []string{"line 4", `"colour"`}},
		{"bad steps", []string{"run", "--graph", steps, "AAPL", "--data", t.TempDir()}, []string{"line 4", "-3 steps"}},
		{"bad rounds flag", []string{"run", "--graph", debateGraph, "AAPL", "--rounds", "0"}, []string{"invalid run rounds 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runTrader(t, tt.args...)
			require.Error(t, res.Err)
			for _, w := range tt.want {
				assert.Contains(t, res.Err.Error(), w)
			}
		})
	}
}
