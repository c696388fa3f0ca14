package graph

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

// part adds one piece to a builder; the first error is kept by the builder for Compile.
type part func(b *Builder)

func node(name string, q thinker.Question, th thinker.Thinker) part {
	return func(b *Builder) { b.AddNode(Node{Name: name, Question: q, Thinker: th, Steps: 2}) }
}

func edge(from, to string, h Handoff) part {
	return func(b *Builder) { b.AddEdge(from, to, h) }
}

func loop(name string, rounds int, nodes ...string) part {
	return func(b *Builder) { b.AddLoop(Loop{Name: name, Nodes: nodes, Rounds: rounds}) }
}

func decide(name string) part { return func(b *Builder) { b.SetDecision(name) } }

func build(parts ...part) (*Graph, error) {
	b := NewBuilder()
	for _, p := range parts {
		p(b)
	}
	return b.Compile()
}

// debateParts is the default debate: bull ⇄ bear for two rounds, then the trader.
func debateParts(th thinker.Thinker) []part {
	return []part{
		node("bull", latentmodel.Upside, th),
		node("bear", latentmodel.Downside, th),
		node("trader", latentmodel.Return, th),
		edge("bull", "bear", All),
		edge("bear", "bull", All),
		edge("bear", "trader", All),
		loop("debate", 2, "bull", "bear"),
		decide("trader"),
	}
}

func TestCompileRejects(t *testing.T) {
	th := &fake{}
	other := &fake{name: "other"}
	tests := []struct {
		name  string
		parts []part
		want  error
		names []string // words the message must contain
	}{
		{"edge to unknown node", append(debateParts(th), edge("bull", "risk", Text)), ErrUnknownNode, []string{"bull → risk", `"risk"`}},
		{"unknown decision", append(debateParts(th), decide("judge")), ErrUnknownNode, []string{`"judge"`}},
		{"loop with unknown node", append(debateParts(th), loop("second", 1, "skeptic")), ErrUnknownNode, []string{`"second"`, `"skeptic"`}},
		{"duplicate node", append(debateParts(th), node("bear", latentmodel.Downside, th)), ErrDuplicate, []string{`"bear"`}},
		{"duplicate edge", append(debateParts(th), edge("bull", "bear", Text)), ErrDuplicate, []string{"bull → bear"}},
		{"duplicate loop", append(debateParts(th), loop("debate", 1, "trader")), ErrDuplicate, []string{`"debate"`}},
		{"node in two loops", append(debateParts(th), node("x", latentmodel.Upside, th), edge("x", "trader", Text), loop("other", 1, "bull")), ErrDuplicate, []string{`"bull"`, `"other"`}},
		{"cycle without loop", []part{
			node("a", latentmodel.Upside, th), node("b", latentmodel.Downside, th), node("t", latentmodel.Return, th),
			edge("a", "b", Text), edge("b", "a", Text), edge("b", "t", Text), decide("t"),
		}, ErrCycle, []string{`"a"`, `"b"`}},
		{"self edge", []part{
			node("a", latentmodel.Upside, th), node("t", latentmodel.Return, th),
			edge("a", "a", Text), edge("a", "t", Text), decide("t"),
		}, ErrCycle, []string{`"a"`}},
		{"cycle leaving the loop", append(debateParts(th),
			node("risk", latentmodel.Downside, th), edge("bear", "risk", Text), edge("risk", "bull", Text), edge("risk", "trader", Text),
		), ErrCycle, []string{`"risk"`, `"bull"`}},
		{"state from a text thinker", []part{
			node("a", latentmodel.Upside, plain(th)), node("t", latentmodel.Return, th),
			edge("a", "t", State), decide("t"),
		}, ErrIncompatibleHandoff, []string{"a → t", "text"}},
		{"state into a text thinker", []part{
			node("a", latentmodel.Upside, th), node("t", latentmodel.Return, plain(th)),
			edge("a", "t", State|Text), decide("t"),
		}, ErrIncompatibleHandoff, []string{"a → t"}},
		{"state between models", []part{
			node("a", latentmodel.Upside, th), node("t", latentmodel.Return, &latentmodelFake{model: "other"}),
			edge("a", "t", All), decide("t"),
		}, ErrIncompatibleHandoff, []string{"a → t", "different models"}},
		{"unreachable node", append(debateParts(th), node("lonely", latentmodel.Upside, th)), ErrUnreachable, []string{`"lonely"`, `"trader"`}},
		{"dead end", append(debateParts(th), node("sink", latentmodel.Upside, th), edge("bull", "sink", Text)), ErrUnreachable, []string{`"sink"`}},
		{"edge out of the decision", append(debateParts(th), edge("trader", "bull", Text)), ErrInvalidGraph, []string{"trader → bull", "terminal"}},
		{"decision in a loop", []part{
			node("a", latentmodel.Upside, th), node("t", latentmodel.Return, th),
			edge("a", "t", Text), edge("t", "a", Text), loop("l", 2, "a", "t"), decide("t"),
		}, ErrInvalidGraph, []string{`"t"`}},
		{"no decision", debateParts(th)[:7], ErrInvalidGraph, []string{"SetDecision"}},
		{"no nodes", nil, ErrInvalidGraph, []string{"no nodes"}},
		{"zero steps", []part{func(b *Builder) { b.AddNode(Node{Name: "a", Thinker: th}) }}, ErrInvalidGraph, []string{`"a"`, "steps"}},
		{"no thinker", []part{func(b *Builder) { b.AddNode(Node{Name: "a", Steps: 1}) }}, ErrInvalidGraph, []string{`"a"`, "thinker"}},
		{"empty hand-off", append(debateParts(th), edge("bull", "trader", 0)), ErrInvalidGraph, []string{"bull → trader"}},
		{"zero rounds", append(debateParts(other), loop("second", 0, "trader")), ErrInvalidGraph, []string{`"second"`, "rounds"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := build(tt.parts...)
			require.Error(t, err)
			assert.Nil(t, g)
			assert.ErrorIs(t, err, tt.want)
			for _, w := range tt.names {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

// latentmodelFake is a fake that names a model other than "fake".
type latentmodelFake struct {
	fake
	model string
}

func (l *latentmodelFake) StateModel() string { return l.model }

func TestCompileAccepts(t *testing.T) {
	th := &fake{}
	tests := []struct {
		name  string
		parts []part
	}{
		{"default debate", debateParts(th)},
		{"state between values of one model", []part{
			node("a", latentmodel.Upside, th), node("t", latentmodel.Return, &fake{name: "twin"}),
			edge("a", "t", All), decide("t"),
		}},
		{"text from a text thinker", []part{
			node("a", latentmodel.Upside, plain(th)), node("t", latentmodel.Return, th),
			edge("a", "t", Distribution|Text), decide("t"),
		}},
		{"decision alone", []part{node("t", latentmodel.Return, th), decide("t")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := build(tt.parts...)
			require.NoError(t, err)
			assert.NotEmpty(t, g.Nodes())
		})
	}
}

func TestHandoffString(t *testing.T) {
	assert.Equal(t, "state|distribution|text", All.String())
	assert.Equal(t, "text", Text.String())
	assert.Equal(t, "none", Handoff(0).String())
}
