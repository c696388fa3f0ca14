package graph_test

import (
	"context"
	"fmt"
	"math"

	"github.com/traderlab/trader/graph"
	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

// trend is a small deterministic Thinker: it centres each question's distribution on the
// snapshot's 5-day momentum and grows more confident by 0.2% for each argument it was handed.
type trend struct{}

func (trend) Name() string { return "trend" }

func (trend) Think(ctx context.Context, req thinker.Request) (*thinker.Thought, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	centre := req.Snapshot.Latest["mom5"]
	if req.Question == latentmodel.Downside {
		centre = -centre
	}
	centre += 0.002 * float64(len(req.Transcript))
	edges := []float64{-0.03, -0.01, 0.01, 0.03}
	probs := make([]float64, 3)
	total := 0.0
	for i := range probs {
		mid := (edges[i] + edges[i+1]) / 2
		probs[i] = math.Exp(-math.Abs(mid-centre) * 100)
		total += probs[i]
	}
	for i := range probs {
		probs[i] /= total
	}
	t, err := thinker.NewThought(req.Question, probs, edges)
	if err != nil {
		return nil, err
	}
	t.Thinker, t.Steps, t.Converged = "trend", req.Steps, true
	return t, nil
}

func Example() {
	th := trend{}
	b := graph.NewBuilder()
	// Two analysts run in parallel and hand their numbers and arguments to a one-round debate.
	b.AddNode(graph.Node{Name: "momentum", Question: latentmodel.Return, Thinker: th, Steps: 4})
	b.AddNode(graph.Node{Name: "range", Question: latentmodel.Downside, Thinker: th, Steps: 4})
	b.AddNode(graph.Node{Name: "bull", Question: latentmodel.Upside, Thinker: th, Steps: 8})
	b.AddNode(graph.Node{Name: "bear", Question: latentmodel.Downside, Thinker: th, Steps: 8})
	b.AddNode(graph.Node{Name: "trader", Question: latentmodel.Return, Thinker: th, Steps: 8})
	b.AddEdge("momentum", "bull", graph.Distribution|graph.Text)
	b.AddEdge("range", "bull", graph.Distribution|graph.Text)
	b.AddEdge("bull", "bear", graph.Distribution|graph.Text)
	b.AddEdge("bear", "trader", graph.Distribution|graph.Text)
	b.AddLoop(graph.Loop{Name: "debate", Nodes: []string{"bull", "bear"}, Rounds: 1})
	b.SetDecision("trader")
	g, err := b.Compile()
	if err != nil {
		fmt.Println(err)
		return
	}

	snap := &thinker.Snapshot{
		Symbol: "DEMO", Days: 1, Horizon: 5,
		FeatureNames: []string{"mom5"}, X: []float32{0}, Raw: [][]float64{{0.012}},
		Latest: map[string]float64{"mom5": 0.012},
	}
	res, err := g.Run(context.Background(), snap, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, turn := range res.Turns {
		fmt.Printf("%d %-8s %-8s round %d expected %+.4f\n", turn.Index, turn.Agent, turn.Question, turn.Round, turn.Thought.Expected)
	}
	fmt.Println("decision from", res.Decision.Agent)
	// Output:
	// 0 momentum return   round 0 expected +0.0103
	// 1 range    downside round 0 expected -0.0103
	// 2 bull     upside   round 1 expected +0.0143
	// 3 bear     downside round 1 expected -0.0040
	// 4 trader   return   round 0 expected +0.0170
	// decision from trader
}

func ExampleParseYAML() {
	file := `
name: quick
nodes:
  - {name: scout, question: upside, steps: 2}
  - {name: skeptic, question: downside}
  - {name: trader, question: return}
edges:
  - {from: scout, to: skeptic, handoff: [distribution, text]}
  - {from: skeptic, to: trader, handoff: text}
decision: trader
`
	g, err := graph.ParseYAML([]byte(file), graph.YAMLOptions{
		Thinkers:       map[string]thinker.Thinker{"trend": trend{}},
		DefaultThinker: "trend",
		Steps:          6,
		Rounds:         1,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	snap := &thinker.Snapshot{
		Symbol: "DEMO", Days: 1, Horizon: 5,
		FeatureNames: []string{"mom5"}, X: []float32{0}, Raw: [][]float64{{-0.01}},
		Latest: map[string]float64{"mom5": -0.01},
	}
	res, err := g.Run(context.Background(), snap, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, turn := range res.Turns {
		fmt.Printf("%s: %d steps, expected %+.4f\n", turn.Agent, turn.Thought.Steps, turn.Thought.Expected)
	}

	_, err = graph.ParseYAML([]byte("nodes:\n  - {name: a, question: sideways}\n"), graph.YAMLOptions{})
	fmt.Println(err)
	// Output:
	// scout: 2 steps, expected -0.0081
	// skeptic: 6 steps, expected +0.0103
	// trader: 6 steps, expected -0.0040
	// invalid graph file: line 2: node "a" has question "sideways"; use return, upside or downside
}
