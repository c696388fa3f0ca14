// Package graph builds and runs custom graphs of thinking agents: researchers, analysts, risk
// reviewers and a trader, each a node with its own thinker, question and step budget.
//
// A [Builder] collects nodes ([Builder.AddNode]), edges that state what one node hands to the next
// ([Builder.AddEdge] with [State], [Distribution] and [Text]), loops that repeat a group of nodes
// for a number of rounds or until their distributions stop moving ([Builder.AddLoop]), and the
// terminal decision node ([Builder.SetDecision]). [Builder.Compile] validates the whole graph and
// returns a [Graph]; every error names the node, edge or loop at fault and wraps one of the
// package's sentinel errors.
//
// [Graph.Run] answers every node's question about one market snapshot. Nodes whose inputs are
// ready at the same time run concurrently; their turns are numbered, seeded and returned in
// declaration order, so the same snapshot, thinkers and seed give the same [Result]. Observers
// passed with [WithObserver] receive an [Event] when a node starts, for each step it spent, when
// it ends and when it fails.
//
// Graphs can also be read from YAML with [ParseYAML]; docs/graphs.md describes the format. The
// manager package builds its default Bull/Bear/Trader flow with this package and turns a graph's
// result into a decision.
package graph
