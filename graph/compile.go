package graph

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/traderlab/trader/thinker"
)

// StateModeler is implemented by thinkers that share latent state (thinker.StateSharer) and can
// name the model their states come from, so Compile can accept a State edge between two
// different thinker values of the same model. *thinker.Latent is recognized without it, by its
// bundle's digest.
type StateModeler interface {
	// StateModel returns an identifier of the model, such as the weights' SHA-256 digest.
	StateModel() string
}

// Graph is a validated graph, ready to run. It is immutable and safe for concurrent use when
// its nodes' thinkers and agents are.
type Graph struct {
	name     string
	nodes    []Node
	index    map[string]int
	edges    []Edge
	in       [][]int // per node, indices of incoming edges in declaration order
	loops    []Loop
	loopOf   []int // per node, the index of its loop or -1
	units    []unit
	decision int
}

// unit is the part the scheduler runs as one: a single node, or a loop with its nodes.
type unit struct {
	loop  int   // -1 for a single node
	nodes []int // node indices; a loop's in speaking order
	deps  []int // unit indices that must finish first
}

func (u unit) label(g *Graph) string {
	if u.loop >= 0 {
		return fmt.Sprintf("loop %q", g.loops[u.loop].Name)
	}
	return fmt.Sprintf("node %q", g.nodes[u.nodes[0]].Name)
}

// Compile validates the graph and returns it ready to run. Its error names the part at fault
// and wraps ErrUnknownNode, ErrDuplicate, ErrCycle, ErrIncompatibleHandoff, ErrUnreachable or
// ErrInvalidGraph. The Builder can be changed and compiled again afterwards; the Graph keeps
// its own copy.
func (b *Builder) Compile() (*Graph, error) {
	if b.err != nil {
		return nil, b.err
	}
	g := &Graph{
		name:  b.name,
		nodes: slices.Clone(b.nodes),
		index: make(map[string]int, len(b.nodes)),
		edges: slices.Clone(b.edges),
		loops: slices.Clone(b.loops),
	}
	for i, n := range g.nodes {
		g.index[n.Name] = i
	}
	if len(g.nodes) == 0 {
		return nil, fmt.Errorf("%w: the graph has no nodes", ErrInvalidGraph)
	}
	if b.decision == "" {
		return nil, fmt.Errorf("%w: no decision node; call SetDecision with the terminal node", ErrInvalidGraph)
	}
	d, ok := g.index[b.decision]
	if !ok {
		return nil, fmt.Errorf("%w: decision node %q was never added", ErrUnknownNode, b.decision)
	}
	g.decision = d
	g.in = make([][]int, len(g.nodes))
	for i, e := range g.edges {
		for _, name := range []string{e.From, e.To} {
			if _, ok := g.index[name]; !ok {
				return nil, fmt.Errorf("%w: edge %s names node %q, which was never added", ErrUnknownNode, e, name)
			}
		}
		if e.From == b.decision {
			return nil, fmt.Errorf("%w: edge %s leaves the decision node %q, which must be terminal", ErrInvalidGraph, e, e.From)
		}
		to := g.index[e.To]
		g.in[to] = append(g.in[to], i)
	}
	if err := g.assignLoops(); err != nil {
		return nil, err
	}
	if err := g.checkCycles(); err != nil {
		return nil, err
	}
	if err := g.buildUnits(); err != nil {
		return nil, err
	}
	if err := g.checkReachable(); err != nil {
		return nil, err
	}
	if err := g.checkHandoffs(); err != nil {
		return nil, err
	}
	return g, nil
}

func (g *Graph) assignLoops() error {
	g.loopOf = make([]int, len(g.nodes))
	for i := range g.loopOf {
		g.loopOf[i] = -1
	}
	for li, l := range g.loops {
		for _, name := range l.Nodes {
			n, ok := g.index[name]
			switch {
			case !ok:
				return fmt.Errorf("%w: loop %q lists node %q, which was never added", ErrUnknownNode, l.Name, name)
			case g.loopOf[n] >= 0:
				return fmt.Errorf("%w: node %q is in loops %q and %q; a node belongs to at most one loop", ErrDuplicate, name, g.loops[g.loopOf[n]].Name, l.Name)
			case n == g.decision:
				return fmt.Errorf("%w: loop %q contains the decision node %q, which must run once, last", ErrInvalidGraph, l.Name, name)
			}
			g.loopOf[n] = li
		}
	}
	return nil
}

// checkCycles finds the strongly connected components of the edges and requires every cycle to
// lie inside one loop.
func (g *Graph) checkCycles() error {
	for _, comp := range g.components() {
		self := false
		if len(comp) == 1 {
			n := comp[0]
			for _, ei := range g.in[n] {
				if g.index[g.edges[ei].From] == n {
					self = true
				}
			}
			if !self {
				continue
			}
		}
		loop := g.loopOf[comp[0]]
		same := loop >= 0
		for _, n := range comp {
			same = same && g.loopOf[n] == loop
		}
		if !same {
			names := make([]string, len(comp))
			for i, n := range comp {
				names[i] = fmt.Sprintf("%q", g.nodes[n].Name)
			}
			return fmt.Errorf("%w: edges between nodes %s form a cycle that no loop covers; list these nodes in one loop with its rounds, or remove an edge",
				ErrCycle, strings.Join(names, ", "))
		}
	}
	return nil
}

// components returns the strongly connected components (Tarjan), each sorted by node index.
func (g *Graph) components() [][]int {
	out := make([][]int, len(g.nodes))
	for _, e := range g.edges {
		from := g.index[e.From]
		out[from] = append(out[from], g.index[e.To])
	}
	index := make([]int, len(g.nodes))
	low := make([]int, len(g.nodes))
	onStack := make([]bool, len(g.nodes))
	for i := range index {
		index[i] = -1
	}
	var stack []int
	var comps [][]int
	next := 0
	var visit func(v int)
	visit = func(v int) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range out[v] {
			if index[w] < 0 {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			var comp []int
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				comp = append(comp, w)
				if w == v {
					break
				}
			}
			slices.Sort(comp)
			comps = append(comps, comp)
		}
	}
	for v := range g.nodes {
		if index[v] < 0 {
			visit(v)
		}
	}
	slices.SortFunc(comps, func(a, b []int) int { return a[0] - b[0] })
	return comps
}

// buildUnits groups each loop's nodes into one unit, orders units by their first node's
// declaration and checks that the units form no cycle through nodes outside the loops.
func (g *Graph) buildUnits() error {
	unitOf := make([]int, len(g.nodes))
	loopUnit := map[int]int{}
	for n := range g.nodes {
		l := g.loopOf[n]
		if l < 0 {
			unitOf[n] = len(g.units)
			g.units = append(g.units, unit{loop: -1, nodes: []int{n}})
			continue
		}
		if u, ok := loopUnit[l]; ok {
			unitOf[n] = u
			continue
		}
		u := unit{loop: l}
		for _, name := range g.loops[l].Nodes {
			u.nodes = append(u.nodes, g.index[name])
		}
		loopUnit[l] = len(g.units)
		unitOf[n] = len(g.units)
		g.units = append(g.units, u)
	}
	for _, e := range g.edges {
		from, to := unitOf[g.index[e.From]], unitOf[g.index[e.To]]
		if from != to && !slices.Contains(g.units[to].deps, from) {
			g.units[to].deps = append(g.units[to].deps, from)
		}
	}
	// Kahn's algorithm: whatever cannot be ordered lies on a cycle between units.
	done := make([]bool, len(g.units))
	for progress := true; progress; {
		progress = false
		for u := range g.units {
			if !done[u] && g.ready(u, done) {
				done[u], progress = true, true
			}
		}
	}
	var stuck []string
	for u, ok := range done {
		if !ok {
			stuck = append(stuck, g.units[u].label(g))
		}
	}
	if len(stuck) > 0 {
		return fmt.Errorf("%w: edges between %s form a cycle that leaves a loop; keep every node of the cycle in one loop",
			ErrCycle, strings.Join(stuck, ", "))
	}
	return nil
}

func (g *Graph) ready(u int, done []bool) bool {
	for _, d := range g.units[u].deps {
		if !done[d] {
			return false
		}
	}
	return true
}

// checkReachable requires a path of edges from every node to the decision node.
func (g *Graph) checkReachable() error {
	reached := make([]bool, len(g.nodes))
	reached[g.decision] = true
	queue := []int{g.decision}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, ei := range g.in[n] {
			from := g.index[g.edges[ei].From]
			if !reached[from] {
				reached[from] = true
				queue = append(queue, from)
			}
		}
	}
	for n, ok := range reached {
		if !ok {
			return fmt.Errorf("%w: node %q has no path of edges to the decision node %q, so its turn could not matter; connect it or remove it",
				ErrUnreachable, g.nodes[n].Name, g.nodes[g.decision].Name)
		}
	}
	return nil
}

// checkHandoffs requires both ends of every State edge to share a model.
func (g *Graph) checkHandoffs() error {
	for _, e := range g.edges {
		if e.Handoff&State == 0 {
			continue
		}
		from, to := g.nodes[g.index[e.From]].Thinker, g.nodes[g.index[e.To]].Thinker
		if err := shareState(from, to); err != nil {
			return fmt.Errorf("%w: edge %s: %s; drop state from the edge's hand-off or give both nodes thinkers of one model",
				ErrIncompatibleHandoff, e, err)
		}
	}
	return nil
}

// shareState returns nil when to can start from a latent state that from produced.
func shareState(from, to thinker.Thinker) error {
	mf, okf := stateModel(from)
	mt, okt := stateModel(to)
	switch {
	case !okf:
		return fmt.Errorf("thinker %s has no latent state to hand over", from.Name())
	case !okt:
		return fmt.Errorf("thinker %s cannot start from a latent state", to.Name())
	case sameThinker(from, to):
		return nil
	case mf == "" || mt == "":
		return fmt.Errorf("thinkers %s and %s are different values and do not name their models (implement StateModeler)", from.Name(), to.Name())
	case mf != mt:
		return fmt.Errorf("thinker %s (model %s) and thinker %s (model %s) use different models", from.Name(), short(mf), to.Name(), short(mt))
	}
	return nil
}

// stateModel reports whether th shares latent state and, when it can tell, the model's name.
func stateModel(th thinker.Thinker) (string, bool) {
	if _, ok := th.(thinker.StateSharer); !ok {
		return "", false
	}
	switch t := th.(type) {
	case *thinker.Latent:
		if t.Bundle == nil {
			return "", true
		}
		return t.Bundle.SHA256, true
	case StateModeler:
		return t.StateModel(), true
	}
	return "", true
}

func sameThinker(a, b thinker.Thinker) bool {
	ta := reflect.TypeOf(a)
	return ta == reflect.TypeOf(b) && ta.Comparable() && a == b
}

func short(digest string) string {
	if len(digest) > 12 {
		return digest[:12]
	}
	return digest
}

// Nodes returns the graph's nodes in declaration order.
func (g *Graph) Nodes() []Node { return slices.Clone(g.nodes) }

// Edges returns the graph's edges in declaration order.
func (g *Graph) Edges() []Edge { return slices.Clone(g.edges) }

// Loops returns the graph's loops in declaration order.
func (g *Graph) Loops() []Loop {
	out := slices.Clone(g.loops)
	for i := range out {
		out[i].Nodes = slices.Clone(out[i].Nodes)
	}
	return out
}

// Name returns the name given to SetName, or empty.
func (g *Graph) Name() string { return g.name }

// Decision returns the name of the decision node.
func (g *Graph) Decision() string { return g.nodes[g.decision].Name }
