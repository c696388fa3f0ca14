// Package manager runs a whole decision: it builds the market snapshot, lets the Bull and Bear
// researchers debate, asks the Trader, applies the decision rule and returns a [Report].
//
// [DeepTraderManager] holds the run's settings (thinker, steps per turn, rounds, hand-off,
// tolerance, seed and [DecisionRule]), the latent exit rule of each agent and, optionally, a
// [ComputePolicy] that sets each agent's step budget from the market's volatility. Its logger comes from the context (zerolog.Ctx). A Report
// renders as plain text, as Markdown and as a versioned JSON document ([Document], schema
// version "1", described in docs/output-json.md); the decision rule is described in
// docs/decision.md.
//
// The manager's flow is a graph of the graph package: [DeepTraderManager.Graph] returns it, and
// [GraphManager] runs any other compiled graph (more researchers, analysts in parallel, a risk
// reviewer) into the same Report. docs/graphs.md describes graphs.
package manager
