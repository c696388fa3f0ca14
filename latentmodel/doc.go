// Package latentmodel is a small recurrent-depth transformer over trading days, after "Scaling up
// Test-Time Compute with Latent Reasoning" (Geiping et al., 2025, arXiv 2502.05171): it spends a
// chosen number of latent steps r on a window before it predicts, so more compute can buy a
// better prediction without more weights.
//
// # Model
//
// Each trading day of a window is one token, x [days, features] standardized by the caller. A
// question (Return, Upside, Downside) selects a learned embedding and an output head.
//
//	tokens = sqrt(width/features)·x·W_in + sqrt(width)·questionEmb[q]
//	e      = Prelude(tokens)
//	s_0    = random (truncated normal, std sqrt(2/(5·width))·sqrt(width) ≈ 0.63) or given
//	s_i    = Core(adapter(concat(s_{i−1}, e)))           for i = 1..r
//	p      = softmax(head_q(n_f(Coda(n_f(s_r)))))         per day, over Bins bins
//
// The input projection is scaled by sqrt(width/features) rather than sqrt(width): a standardized
// input then gives tokens of std ≈ 0.63, the scale of s0 and of the scaled question embedding.
// The adapter is one bias-free matrix [2·width, width], state rows first; the core's blocks
// share one weight set across steps, and no step index is fed in. n_f is one final RMSNorm used
// twice, after the core and after the coda.
//
// Every block is a "sandwich" block with four RMSNorms (ε 1e-6, learned gains):
//
//	x̂ = n2(x + Attn(n1(x)));  out = n4(x̂ + MLP(n3(x̂)))
//
// Attention is causal over days, so day i sees days 0..i and training scores every day of a
// window at once. q and k get a learned per-head bias before rotary embeddings, which rotate the
// pairs (2j, 2j+1). The MLP is SwiGLU with one fused up matrix [width, 2·hidden] split into gate
// and up. Weight matrices are input-major ([in, out]), so a layer computes y = x·W.
//
// # Inference and training
//
// Think runs r steps on one window and traces, per step, the last day's distribution, the KL
// divergence from the previous step, the relative state change and the entropy; a callback can
// stop it early. A warm start passes another call's Output.State as InitState; it is used as it
// is, without normalization. Predict returns every day's distribution for evaluation.
//
// LossAndGrad runs r steps but differentiates only the last min(r, BackpropSteps): earlier steps
// keep no activations, so memory does not grow with r, and the prelude gets gradients through
// the injections of the differentiated steps only. Gradients go into a separate Grads, so
// goroutines can share one Model; the model never starts goroutines itself.
//
// # Kernels
//
// The layer code is generic over float32 and float64: the model runs in float32, and the tests
// run the same code in float64 to check every gradient against finite differences. On amd64 CPUs
// with AVX2 and FMA the float32 matrix products run assembly tiles; build with the purego tag to
// use the portable Go kernels. Both are tested against naive reference loops.
package latentmodel
