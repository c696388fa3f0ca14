// Package agents provides the roles of a trading debate: the Bull researcher, who asks how far
// the price can rise, the Bear researcher, who asks how far it can fall, and the Trader, who asks
// where it will end.
//
// An [Agent] turns a market snapshot, plus the thought of the previous speaker, into its own
// [thinker.Thought] and a short argument in English. The argument is rendered deterministically
// from the thought's numbers and from the snapshot's features that stand out (see [Observe]), so
// the same thought and snapshot always give the same words.
//
// Thoughts are in log-return units; arguments show simple percentages (e^x − 1).
package agents
