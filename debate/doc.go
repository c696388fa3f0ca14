// Package debate runs the researchers' debate. In each round every speaker (the Bull, then the
// Bear) thinks about the same snapshot, optionally starting from the previous speaker's final
// latent state. The debate ends after a fixed number of rounds or when the distributions stop
// changing.
//
// A [Coordinator] is built from a [Config] and the speakers in order; [Coordinator.Run] returns a
// [Transcript] of every turn and the reason the debate stopped. Every turn's random seed is
// derived from the run seed by [TurnSeed], so the same snapshot, thinker and seed give the same
// transcript.
package debate
