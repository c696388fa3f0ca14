package graph

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

// ErrSyntax means a YAML graph file cannot be read: malformed YAML, an unknown key, or a value
// of the wrong type or out of range. Its messages start with the line number.
var ErrSyntax = errors.New("invalid graph file")

// YAMLOptions supplies what a graph file names or leaves out.
type YAMLOptions struct {
	// Thinkers maps the names a file may use in a node's thinker key to thinkers. Required.
	Thinkers map[string]thinker.Thinker
	// DefaultThinker is the name of the thinker of nodes without a thinker key.
	DefaultThinker string
	// Steps is the step budget of nodes without a steps key, at least 1.
	Steps int
	// Rounds is the round limit of loops without a rounds key, at least 1.
	Rounds int
	// Tolerance is the tolerance of loops without a tolerance key.
	Tolerance float64
	// NoState removes State from every edge, for runs with latent hand-off turned off.
	NoState bool
}

// Keys of a graph file, per level.
var (
	fileKeys = []string{"name", "description", "nodes", "edges", "loops", "decision"}
	nodeKeys = []string{"name", "question", "thinker", "steps"}
	edgeKeys = []string{"from", "to", "handoff"}
	loopKeys = []string{"name", "nodes", "rounds", "tolerance"}
)

// ParseYAML reads a graph file (format in docs/graphs.md) and compiles it. Unknown keys and bad
// values give errors wrapping ErrSyntax that start with "line N:". Errors of a part, such as a
// duplicate name, also carry the part's line. Errors about the graph as a whole are Compile's.
func ParseYAML(data []byte, opt YAMLOptions) (*Graph, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSyntax, err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%w: the file is empty; it needs nodes, edges and a decision", ErrSyntax)
	}
	top, err := mapping(doc.Content[0], "the graph", fileKeys)
	if err != nil {
		return nil, err
	}
	b := NewBuilder()
	lines := map[string]int{} // node name → line
	nodes, err := sequence(top["nodes"], "nodes", true)
	if err != nil {
		return nil, err
	}
	for _, n := range nodes {
		node, err := parseNode(n, opt)
		if err != nil {
			return nil, err
		}
		if err := b.AddNode(node); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		lines[node.Name] = n.Line
	}
	edges, err := sequence(top["edges"], "edges", false)
	if err != nil {
		return nil, err
	}
	for _, e := range edges {
		from, to, h, err := parseEdge(e, lines, opt)
		if err != nil {
			return nil, err
		}
		if err := b.AddEdge(from, to, h); err != nil {
			return nil, fmt.Errorf("line %d: %w", e.Line, err)
		}
	}
	loops, err := sequence(top["loops"], "loops", false)
	if err != nil {
		return nil, err
	}
	for _, l := range loops {
		loop, err := parseLoop(l, lines, opt)
		if err != nil {
			return nil, err
		}
		if err := b.AddLoop(loop); err != nil {
			return nil, fmt.Errorf("line %d: %w", l.Line, err)
		}
	}
	if top["decision"] == nil {
		return nil, fmt.Errorf("%w: line %d: the graph has no decision key; name the terminal node", ErrSyntax, doc.Content[0].Line)
	}
	decision, err := nodeRef(top["decision"], "decision", lines)
	if err != nil {
		return nil, err
	}
	b.SetDecision(decision)
	for _, key := range []string{"name", "description"} {
		if n := top[key]; n != nil {
			s, err := text(n, key)
			if err != nil {
				return nil, err
			}
			if key == "name" {
				b.SetName(s)
			}
		}
	}
	return b.Compile()
}

func parseNode(n *yaml.Node, opt YAMLOptions) (Node, error) {
	m, err := mapping(n, "a node", nodeKeys)
	if err != nil {
		return Node{}, err
	}
	var node Node
	if node.Name, err = required(m, n, "name", "a node"); err != nil {
		return Node{}, err
	}
	label := fmt.Sprintf("node %q", node.Name)
	q, err := required(m, n, "question", label)
	if err != nil {
		return Node{}, err
	}
	if node.Question, err = latentmodel.ParseQuestion(q); err != nil {
		return Node{}, syntax(m["question"], "%s has question %q; use return, upside or downside", label, q)
	}
	name := opt.DefaultThinker
	if v := m["thinker"]; v != nil {
		if name, err = text(v, "thinker"); err != nil {
			return Node{}, err
		}
	}
	node.Thinker = opt.Thinkers[name]
	if node.Thinker == nil {
		at := n
		if m["thinker"] != nil {
			at = m["thinker"]
		}
		return Node{}, syntax(at, "%s uses thinker %q; known thinkers: %s", label, name, strings.Join(sortedKeys(opt.Thinkers), ", "))
	}
	node.Steps = opt.Steps
	if v := m["steps"]; v != nil {
		if node.Steps, err = integer(v, "steps"); err != nil {
			return Node{}, err
		}
		if node.Steps < 1 {
			return Node{}, syntax(v, "%s has %d steps, must be at least 1", label, node.Steps)
		}
	}
	return node, nil
}

func parseEdge(n *yaml.Node, lines map[string]int, opt YAMLOptions) (from, to string, h Handoff, err error) {
	m, err := mapping(n, "an edge", edgeKeys)
	if err != nil {
		return "", "", 0, err
	}
	for _, key := range []string{"from", "to"} {
		if m[key] == nil {
			return "", "", 0, syntax(n, "an edge has no %s key", key)
		}
	}
	if from, err = nodeRef(m["from"], "from", lines); err != nil {
		return "", "", 0, err
	}
	if to, err = nodeRef(m["to"], "to", lines); err != nil {
		return "", "", 0, err
	}
	h = All
	if v := m["handoff"]; v != nil {
		if h, err = parseHandoff(v); err != nil {
			return "", "", 0, err
		}
	}
	if opt.NoState {
		h &^= State
		if h == 0 {
			h = Distribution
		}
	}
	return from, to, h, nil
}

// parseHandoff reads "all", one part, or a list of parts.
func parseHandoff(n *yaml.Node) (Handoff, error) {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
		if len(items) == 0 {
			return 0, syntax(n, "handoff is empty; use all or a list of state, distribution, text")
		}
	}
	var h Handoff
	for _, item := range items {
		s, err := text(item, "handoff")
		if err != nil {
			return 0, err
		}
		switch s {
		case "all":
			h |= All
		case "state":
			h |= State
		case "distribution":
			h |= Distribution
		case "text":
			h |= Text
		default:
			return 0, syntax(item, "handoff %q is unknown; use all, state, distribution or text", s)
		}
	}
	return h, nil
}

func parseLoop(n *yaml.Node, lines map[string]int, opt YAMLOptions) (Loop, error) {
	m, err := mapping(n, "a loop", loopKeys)
	if err != nil {
		return Loop{}, err
	}
	var l Loop
	if l.Name, err = required(m, n, "name", "a loop"); err != nil {
		return Loop{}, err
	}
	label := fmt.Sprintf("loop %q", l.Name)
	members, err := sequence(m["nodes"], label+" nodes", true)
	if err != nil {
		return Loop{}, err
	}
	for _, member := range members {
		name, err := nodeRef(member, "nodes", lines)
		if err != nil {
			return Loop{}, err
		}
		l.Nodes = append(l.Nodes, name)
	}
	l.Rounds, l.Tolerance = opt.Rounds, opt.Tolerance
	if v := m["rounds"]; v != nil {
		if l.Rounds, err = integer(v, "rounds"); err != nil {
			return Loop{}, err
		}
		if l.Rounds < 1 {
			return Loop{}, syntax(v, "%s has %d rounds, must be at least 1", label, l.Rounds)
		}
	}
	if v := m["tolerance"]; v != nil {
		if l.Tolerance, err = number(v, "tolerance"); err != nil {
			return Loop{}, err
		}
		if !(l.Tolerance >= 0) || math.IsInf(l.Tolerance, 0) {
			return Loop{}, syntax(v, "%s has tolerance %v, must be a finite number ≥ 0", label, l.Tolerance)
		}
	}
	return l, nil
}

// syntax returns an ErrSyntax error at n's line.
func syntax(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("%w: line %d: %s", ErrSyntax, n.Line, fmt.Sprintf(format, args...))
}

// mapping checks that n is a mapping with only known keys and returns its values by key.
func mapping(n *yaml.Node, label string, known []string) (map[string]*yaml.Node, error) {
	if n.Kind != yaml.MappingNode {
		return nil, syntax(n, "%s must be a mapping of keys %s", label, strings.Join(known, ", "))
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || !slices.Contains(known, k.Value) {
			return nil, syntax(k, "unknown key %q in %s; known keys: %s", k.Value, label, strings.Join(known, ", "))
		}
		if out[k.Value] != nil {
			return nil, syntax(k, "key %q appears twice in %s", k.Value, label)
		}
		out[k.Value] = v
	}
	return out, nil
}

// sequence returns n's items; a missing n is an empty list unless it is required.
func sequence(n *yaml.Node, label string, needed bool) ([]*yaml.Node, error) {
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		if needed {
			line := 0
			if n != nil {
				line = n.Line
			}
			return nil, fmt.Errorf("%w: line %d: %s must list at least one item", ErrSyntax, line, label)
		}
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, syntax(n, "%s must be a list", label)
	}
	if needed && len(n.Content) == 0 {
		return nil, syntax(n, "%s must list at least one item", label)
	}
	return n.Content, nil
}

func text(n *yaml.Node, key string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return "", syntax(n, "%s must be a string, not %s", key, describe(n))
	}
	return n.Value, nil
}

func required(m map[string]*yaml.Node, parent *yaml.Node, key, label string) (string, error) {
	v := m[key]
	if v == nil {
		return "", syntax(parent, "%s has no %s key", label, key)
	}
	s, err := text(v, key)
	if err == nil && s == "" {
		err = syntax(v, "%s has an empty %s", label, key)
	}
	return s, err
}

// nodeRef reads a node name that must have been declared under nodes.
func nodeRef(n *yaml.Node, key string, lines map[string]int) (string, error) {
	s, err := text(n, key)
	if err != nil {
		return "", err
	}
	if _, ok := lines[s]; !ok {
		return "", fmt.Errorf("%w: line %d: %s names node %q, which is not declared under nodes", ErrUnknownNode, n.Line, key, s)
	}
	return s, nil
}

func integer(n *yaml.Node, key string) (int, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		if v, err := strconv.ParseInt(n.Value, 0, 32); err == nil {
			return int(v), nil
		}
	}
	return 0, syntax(n, "%s must be a whole number, not %s", key, describe(n))
}

func number(n *yaml.Node, key string) (float64, error) {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float") {
		if v, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return v, nil
		}
	}
	return 0, syntax(n, "%s must be a number, not %s", key, describe(n))
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}

func sortedKeys(m map[string]thinker.Thinker) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
