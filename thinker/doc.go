// Package thinker defines how an agent spends test-time compute on a question about the market,
// and provides the latent thinker that does so with the embedded recurrent-depth model.
//
// A [Thinker] receives a [Request]: a question (return, upside or downside), a [Snapshot] of the
// market as of one date, a step budget and, optionally, the [Thought] of the previous speaker. It
// returns a [Thought]: a probability distribution over the question's target bins together with
// summary numbers, the number of steps used, whether the answer converged, a per-step trace and,
// for thinkers that have one, the final latent state.
//
// [Latent] runs the model of package latentmodel for up to Request.Steps recurrent core steps,
// and stops earlier when its [ExitRule] fires: when the KL divergence between two successive
// steps' distributions, or the relative change of the latent state, falls below a threshold.
// [Thought.ExitReason] records why it stopped. It implements [StateSharer], so a debate can warm-start one agent from another agent's final latent
// state. Thinkers without a latent state, such as one that refines a JSON response from a
// language model, leave [Thought.State] nil, hand off text through [Thought.Text] and
// [Request.Transcript], count one step per refinement round and report token counts in
// [Thought.Usage].
//
// Targets are log returns over the model's horizon, so every value in a Thought (bin edges,
// expected value, quantiles) is in log-return units.
package thinker
