package graph

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/traderlab/trader/agents"
	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

// Sentinel errors of the package, for use with errors.Is. Compile wraps them with the name of
// the node, edge or loop at fault.
var (
	// ErrUnknownNode means an edge, loop or the decision names a node that was never added.
	ErrUnknownNode = errors.New("unknown node")
	// ErrDuplicate means two nodes or loops share a name, or two edges join the same nodes.
	ErrDuplicate = errors.New("duplicate name")
	// ErrCycle means edges form a cycle that no loop covers, so it has no stop condition.
	ErrCycle = errors.New("cycle without a stop condition")
	// ErrIncompatibleHandoff means an edge hands latent state between thinkers that cannot
	// share it: different models, or a thinker without a latent state.
	ErrIncompatibleHandoff = errors.New("incompatible latent hand-off")
	// ErrUnreachable means a node's output never reaches the decision node.
	ErrUnreachable = errors.New("unreachable node")
	// ErrInvalidGraph means a node, edge, loop or decision setting is out of range.
	ErrInvalidGraph = errors.New("invalid graph")
)

// Handoff is the set of parts an edge hands from its source node to its target. Combine
// values with |.
type Handoff uint8

// What an edge can hand over.
const (
	// State makes the target start from the source's final latent state. Both thinkers must
	// share a model (see Compile).
	State Handoff = 1 << iota
	// Distribution gives the target the source's thought to argue against (agents.Input's
	// Previous).
	Distribution
	// Text gives the target the source's argument and every argument the source was handed,
	// as the transcript.
	Text

	// All hands over state, distribution and text, as in the default debate.
	All = State | Distribution | Text
)

// String lists the parts, such as "state|distribution".
func (h Handoff) String() string {
	var parts []string
	for _, p := range []struct {
		h    Handoff
		name string
	}{{State, "state"}, {Distribution, "distribution"}, {Text, "text"}} {
		if h&p.h != 0 {
			parts = append(parts, p.name)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "|")
}

// Node is one agent of a graph.
type Node struct {
	// Name identifies the node in edges, loops, events and the result's turns. Required and
	// unique.
	Name string
	// Question is the question the node puts to its thinker.
	Question thinker.Question
	// Thinker answers the question. Required.
	Thinker thinker.Thinker
	// Steps is the compute budget of each of the node's turns, at least 1.
	Steps int
	// Agent speaks for the node. Nil means the built-in role for the question, thinking with
	// Thinker: the Bull for upside, the Bear for downside and the Trader for return. A custom
	// Agent must ask Question and should think with Thinker, which Compile checks hand-offs
	// against.
	Agent agents.Agent
}

// Edge is a directed connection between two nodes.
type Edge struct {
	// From and To name the source and target nodes.
	From, To string
	// Handoff is the set of parts the source hands to the target, at least one.
	Handoff Handoff
}

// String returns "from → to".
func (e Edge) String() string { return e.From + " → " + e.To }

// Loop repeats a group of nodes in rounds. Each round, every node of the loop takes one turn in
// the listed order. Edges between nodes of a loop may form cycles, and an edge from a later node
// to an earlier one carries the later node's turn into the next round.
type Loop struct {
	// Name identifies the loop in errors and in the result. Required and unique.
	Name string
	// Nodes lists the loop's nodes in speaking order. A node belongs to at most one loop.
	Nodes []string
	// Rounds is the maximum number of rounds, at least 1.
	Rounds int
	// Tolerance ends the loop after a round in which every node's distribution moved by less
	// than Tolerance in total variation distance from its distribution in the round before.
	// Zero plays every round.
	Tolerance float64
}

// Builder collects a graph's parts. Its methods return an error for a part that is malformed
// on its own; Compile checks the graph as a whole and also returns the first error of an
// earlier Add call. The zero Builder is ready to use; a Builder is not safe for concurrent use.
type Builder struct {
	name     string
	nodes    []Node
	edges    []Edge
	loops    []Loop
	decision string
	err      error
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder { return &Builder{} }

func (b *Builder) fail(err error) error {
	if b.err == nil {
		b.err = err
	}
	return err
}

// AddNode adds n. It returns an error wrapping ErrDuplicate when a node of that name exists and
// ErrInvalidGraph when n has no name, no thinker, an unknown question or fewer than 1 step.
func (b *Builder) AddNode(n Node) error {
	switch {
	case n.Name == "":
		return b.fail(fmt.Errorf("%w: a node has no name", ErrInvalidGraph))
	case n.Thinker == nil:
		return b.fail(fmt.Errorf("%w: node %q has no thinker", ErrInvalidGraph, n.Name))
	case n.Steps < 1:
		return b.fail(fmt.Errorf("%w: node %q has %d steps, must be at least 1", ErrInvalidGraph, n.Name, n.Steps))
	case n.Question < 0 || int(n.Question) >= latentmodel.NumQuestions:
		return b.fail(fmt.Errorf("%w: node %q has question %d; use return, upside or downside", ErrInvalidGraph, n.Name, int(n.Question)))
	case n.Agent != nil && n.Agent.Question() != n.Question:
		return b.fail(fmt.Errorf("%w: node %q asks %s but its agent %s asks %s", ErrInvalidGraph, n.Name, n.Question, n.Agent.Name(), n.Agent.Question()))
	}
	for _, m := range b.nodes {
		if m.Name == n.Name {
			return b.fail(fmt.Errorf("%w: node %q is added twice", ErrDuplicate, n.Name))
		}
	}
	if n.Agent == nil {
		n.Agent = roleAgent(n.Question, n.Thinker)
	}
	b.nodes = append(b.nodes, n)
	return nil
}

// roleAgent returns the built-in agent for question q.
func roleAgent(q thinker.Question, th thinker.Thinker) agents.Agent {
	switch q {
	case latentmodel.Upside:
		return agents.NewBull(th)
	case latentmodel.Downside:
		return agents.NewBear(th)
	default:
		return agents.NewTrader(th)
	}
}

// AddEdge adds an edge from one node to another that hands over h. The nodes may be added
// later; Compile checks that they exist. It returns an error wrapping ErrInvalidGraph for an
// empty hand-off and ErrDuplicate for a second edge between the same nodes.
func (b *Builder) AddEdge(from, to string, h Handoff) error {
	e := Edge{From: from, To: to, Handoff: h}
	if h == 0 || h&^All != 0 {
		return b.fail(fmt.Errorf("%w: edge %s hands over %d; use State, Distribution, Text or a combination", ErrInvalidGraph, e, h))
	}
	for _, d := range b.edges {
		if d.From == from && d.To == to {
			return b.fail(fmt.Errorf("%w: edge %s is added twice; combine the hand-offs in one edge", ErrDuplicate, e))
		}
	}
	b.edges = append(b.edges, e)
	return nil
}

// AddLoop adds l. It returns an error wrapping ErrDuplicate for a second loop of the same name
// or a node listed twice, and ErrInvalidGraph for a loop without name or nodes, with fewer than
// 1 round or with a negative or non-finite tolerance.
func (b *Builder) AddLoop(l Loop) error {
	switch {
	case l.Name == "":
		return b.fail(fmt.Errorf("%w: a loop has no name", ErrInvalidGraph))
	case len(l.Nodes) == 0:
		return b.fail(fmt.Errorf("%w: loop %q has no nodes", ErrInvalidGraph, l.Name))
	case l.Rounds < 1:
		return b.fail(fmt.Errorf("%w: loop %q has %d rounds, must be at least 1", ErrInvalidGraph, l.Name, l.Rounds))
	case !(l.Tolerance >= 0) || math.IsInf(l.Tolerance, 0):
		return b.fail(fmt.Errorf("%w: loop %q has tolerance %v, must be a finite number ≥ 0 (0 plays every round)", ErrInvalidGraph, l.Name, l.Tolerance))
	}
	seen := map[string]bool{}
	for _, n := range l.Nodes {
		if seen[n] {
			return b.fail(fmt.Errorf("%w: loop %q lists node %q twice", ErrDuplicate, l.Name, n))
		}
		seen[n] = true
	}
	for _, m := range b.loops {
		if m.Name == l.Name {
			return b.fail(fmt.Errorf("%w: loop %q is added twice", ErrDuplicate, l.Name))
		}
	}
	l.Nodes = append([]string(nil), l.Nodes...)
	b.loops = append(b.loops, l)
	return nil
}

// SetName names the graph for reports and errors.
func (b *Builder) SetName(name string) { b.name = name }

// SetDecision names the terminal node whose turn the decision is made from. It must have no
// outgoing edges and belong to no loop; Compile checks both.
func (b *Builder) SetDecision(name string) { b.decision = name }
