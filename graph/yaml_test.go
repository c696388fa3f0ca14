package graph

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

const debateYAML = `name: debate
nodes:
  - name: bull
    question: upside
  - name: bear
    question: downside
    steps: 3
  - name: trader
    question: return
edges:
  - {from: bull, to: bear}
  - {from: bear, to: bull, handoff: all}
  - {from: bear, to: trader, handoff: [state, distribution, text]}
loops:
  - name: debate
    nodes: [bull, bear]
    tolerance: 0
decision: trader
`

func yamlOptions(th thinker.Thinker) YAMLOptions {
	return YAMLOptions{Thinkers: map[string]thinker.Thinker{"fake": th, "text": plain(&fake{})}, DefaultThinker: "fake", Steps: 2, Rounds: 3, Tolerance: 0.5}
}

func TestParseYAML(t *testing.T) {
	th := &fake{}
	g, err := ParseYAML([]byte(debateYAML), yamlOptions(th))
	require.NoError(t, err)
	assert.Equal(t, "debate", g.Name())
	assert.Equal(t, "trader", g.Decision())
	assert.Equal(t, []Edge{{"bull", "bear", All}, {"bear", "bull", All}, {"bear", "trader", All}}, g.Edges())
	assert.Equal(t, []Loop{{Name: "debate", Nodes: []string{"bull", "bear"}, Rounds: 3, Tolerance: 0}}, g.Loops())
	var steps []int
	for _, n := range g.Nodes() {
		steps = append(steps, n.Steps)
		assert.Same(t, th, n.Thinker)
	}
	assert.Equal(t, []int{2, 3, 2}, steps, "steps default to the option")

	// The same graph built in Go gives the same result.
	fromGo := mustBuild(t,
		func(b *Builder) { b.AddNode(Node{Name: "bull", Question: latentmodel.Upside, Thinker: th, Steps: 2}) },
		func(b *Builder) { b.AddNode(Node{Name: "bear", Question: latentmodel.Downside, Thinker: th, Steps: 3}) },
		func(b *Builder) { b.AddNode(Node{Name: "trader", Question: latentmodel.Return, Thinker: th, Steps: 2}) },
		edge("bull", "bear", All), edge("bear", "bull", All), edge("bear", "trader", All),
		loop("debate", 3, "bull", "bear"), decide("trader"),
	)
	a, err := g.Run(t.Context(), snapshot(), 3)
	require.NoError(t, err)
	b, err := fromGo.Run(t.Context(), snapshot(), 3)
	require.NoError(t, err)
	assert.Equal(t, withoutDurations(b), withoutDurations(a))
}

func TestParseYAMLNoState(t *testing.T) {
	opt := yamlOptions(&fake{})
	opt.NoState = true
	g, err := ParseYAML([]byte(strings.Replace(debateYAML, "handoff: all", "handoff: state", 1)), opt)
	require.NoError(t, err)
	assert.Equal(t, []Edge{{"bull", "bear", Distribution | Text}, {"bear", "bull", Distribution}, {"bear", "trader", Distribution | Text}}, g.Edges())
}

func TestParseYAMLRejects(t *testing.T) {
	tests := []struct {
		name string
		old  string // replaced in debateYAML by new
		new  string
		want error
		line string
	}{
		{"unknown top key", "name: debate", "nmae: debate", ErrSyntax, "line 1:"},
		{"unknown node key", "    steps: 3", "    step: 3", ErrSyntax, "line 7:"},
		{"unknown edge key", "{from: bull, to: bear}", "{from: bull, to: bear, via: x}", ErrSyntax, "line 11:"},
		{"unknown loop key", "    tolerance: 0", "    tol: 0", ErrSyntax, "line 17:"},
		{"bad question", "question: downside", "question: sideways", ErrSyntax, "line 6:"},
		{"steps not a number", "steps: 3", "steps: many", ErrSyntax, "line 7:"},
		{"zero steps", "steps: 3", "steps: 0", ErrSyntax, "line 7:"},
		{"bad handoff", "handoff: all", "handoff: vibes", ErrSyntax, "line 12:"},
		{"empty handoff", "handoff: all", "handoff: []", ErrSyntax, "line 12:"},
		{"negative tolerance", "tolerance: 0", "tolerance: -1", ErrSyntax, "line 17:"},
		{"zero rounds", "    tolerance: 0", "    rounds: 0", ErrSyntax, "line 17:"},
		{"unknown thinker", "    steps: 3", "    thinker: oracle", ErrSyntax, "line 7:"},
		{"edge to unknown node", "{from: bull, to: bear}", "{from: bull, to: bare}", ErrUnknownNode, "line 11:"},
		{"loop with unknown node", "[bull, bear]", "[bull, boar]", ErrUnknownNode, "line 16:"},
		{"unknown decision", "decision: trader", "decision: judge", ErrUnknownNode, "line 18:"},
		{"duplicate node", "name: bear", "name: bull", ErrDuplicate, "line 5:"},
		{"duplicate key", "    steps: 3", "    question: upside", ErrSyntax, "line 7:"},
		{"decision not a string", "decision: trader", "decision: [trader]", ErrSyntax, "line 18:"},
		{"loop nodes not a list", "[bull, bear]", "bull", ErrSyntax, "line 16:"},
		{"malformed", "edges:", "edges: [", ErrSyntax, "line"},
		{"state into a text thinker", "    steps: 3", "    thinker: text", ErrIncompatibleHandoff, "bull → bear"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(debateYAML, tt.old, tt.new, 1)
			require.NotEqual(t, debateYAML, src, "the case must change the file")
			_, err := ParseYAML([]byte(src), yamlOptions(&fake{}))
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.line)
		})
	}
}

func TestParseYAMLEmpty(t *testing.T) {
	for _, src := range []string{"", "# only a comment\n", "nodes: []\ndecision: x\n", "decision: x\n", "nodes: bull\n", "- a\n"} {
		_, err := ParseYAML([]byte(src), yamlOptions(&fake{}))
		assert.ErrorIs(t, err, ErrSyntax, "%q", src)
	}
}

func FuzzParseYAML(f *testing.F) {
	f.Add([]byte(debateYAML))
	f.Add([]byte("nodes: [{name: t, question: return}]\ndecision: t\n"))
	f.Add([]byte("edges: [{from: a, to: b, handoff: [state]}]\n"))
	opt := yamlOptions(&fake{})
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ParseYAML(data, opt)
		if err != nil {
			assert.Nil(t, g)
			return
		}
		// Whatever parses is a valid graph that runs; large budgets are skipped to keep it quick.
		for _, n := range g.Nodes() {
			if n.Steps > 64 {
				return
			}
		}
		for _, l := range g.Loops() {
			if l.Rounds > 64 {
				return
			}
		}
		_, err = g.Run(t.Context(), snapshot(), 1)
		assert.NoError(t, err)
	})
}
