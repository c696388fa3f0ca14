package thinker

import (
	"fmt"
	"math"
)

// DefaultConvergenceKL is the KL divergence, in nats, between the last two steps' distributions
// below which a Thought counts as converged. It is the exit threshold of the recurrent-depth
// paper (Geiping et al., 2025, arXiv 2502.05171).
const DefaultConvergenceKL = 5e-4

// Thought is a thinker's answer to one question: a distribution over the target's bins, summary
// numbers derived from it, and a record of the work done.
//
// The distribution is read as piecewise uniform: Probs[k] is spread evenly over
// [BinEdges[k], BinEdges[k+1]]. The embedded Summary (expected value, standard deviation,
// quantiles, P(target > 0)) is computed from that density by Summarize.
type Thought struct {
	// Question is the question answered.
	Question Question
	// Thinker is the Name of the thinker that produced the thought.
	Thinker string

	// Probs is the probability of each bin, [Bins], non-negative and summing to 1.
	Probs []float64
	// BinEdges are the Bins+1 increasing bin edges in log-return units. The latent model places
	// its outer edges so that each tail bin's midpoint is the mean training target in that bin.
	BinEdges []float64
	Summary

	// Steps is the number of steps actually run.
	Steps int
	// Budget is the most steps the thinker was allowed (Request.Steps).
	Budget int
	// ExitReason is why thinking stopped, and it is empty for thinkers that do not report it.
	ExitReason ExitReason
	// Converged reports whether at least two steps ran and the KL divergence of the last step
	// from the one before it is below the thinker's tolerance (DefaultConvergenceKL unless
	// configured otherwise).
	Converged bool
	// FinalKL is KL(p_{n-1} ‖ p_n) of the last step n, in nats; 0 after a single step.
	FinalKL float64
	// WarmStarted reports whether the thinker started from Request.Handoff's latent state.
	WarmStarted bool

	// State is the final latent state, or nil for thinkers that have none.
	State *State
	// Text is free text the thinker produced with its distribution, such as a language
	// model's rationale. It is empty for the latent thinker.
	Text string
	// Usage counts the tokens a language-model thinker spent; zero for the latent thinker.
	Usage Usage
	// Trace has one entry per step, in order.
	Trace []Step
}

// State is a latent state that another call of the same model can start from.
type State struct {
	// Model is the SHA-256 hex digest of the weights that produced the state.
	Model string
	// Width is the model width: the size of each day's state vector.
	Width int
	// Days is the number of days (window positions) the state covers.
	Days int
	// Data is the state, [Days*Width], day-major.
	Data []float32
}

// Step records one step of thinking.
type Step struct {
	// Step is the 1-based step number.
	Step int
	// Probs is the distribution after this step, [Bins].
	Probs []float64
	// KL is KL(p_{step-1} ‖ p_step) in nats, 0 at step 1.
	KL float64
	// RelChange is ‖s_step − s_{step-1}‖ / ‖s_step‖ of the latent state, 0 at step 1 and for
	// thinkers without a latent state.
	RelChange float64
	// Entropy is the entropy of Probs in nats.
	Entropy float64
	// Tokens is the number of tokens spent on this step by a language-model thinker, else 0.
	Tokens int
}

// Usage counts what a language-model thinker spent on one thought.
type Usage struct {
	PromptTokens     int
	CompletionTokens int
	// Requests is the number of chat completions answered by the server, repairs included.
	Requests int
	// CacheHits is the number of chat completions answered from the response cache.
	CacheHits int
}

// Total returns the sum of prompt and completion tokens.
func (u Usage) Total() int { return u.PromptTokens + u.CompletionTokens }

// Summary holds the numbers that describe a binned distribution, all in the target's units
// except the probabilities and the entropy.
type Summary struct {
	// Expected is the mean, Σ_k p_k · (e_k + e_{k+1}) / 2.
	Expected float64
	// StdDev is the standard deviation of the piecewise-uniform density:
	// sqrt(Σ_k p_k · ((m_k − Expected)² + w_k²/12)) with midpoint m_k and width w_k.
	StdDev float64
	// P10, P50 and P90 are the 10th, 50th and 90th percentiles, interpolated linearly within
	// the bin that contains them.
	P10, P50, P90 float64
	// ProbPositive is P(target > 0).
	ProbPositive float64
	// Entropy is −Σ_k p_k ln p_k in nats.
	Entropy float64
}

// NewThought builds a Thought from a distribution and its bin edges: it checks them, copies them
// and fills in the Summary. probs may sum to any positive value within 1e-3 of 1 and is
// normalized to sum to 1, so float32 model outputs can be passed after conversion.
func NewThought(q Question, probs, edges []float64) (*Thought, error) {
	if err := checkDistribution(probs, edges, 1e-3); err != nil {
		return nil, err
	}
	p := normalize(probs)
	t := &Thought{
		Question: q,
		Probs:    p,
		BinEdges: append([]float64(nil), edges...),
		Summary:  summarize(p, edges),
	}
	return t, nil
}

// Summarize computes the Summary of a distribution over bins with the given edges. It returns an
// error wrapping ErrInvalidThought when the lengths disagree, the edges are not increasing, or
// the probabilities are negative or do not sum to 1 within 1e-6.
func Summarize(probs, edges []float64) (Summary, error) {
	if err := checkDistribution(probs, edges, 1e-6); err != nil {
		return Summary{}, err
	}
	return summarize(probs, edges), nil
}

func summarize(p, edges []float64) Summary {
	s := Summary{
		Expected:     mean(p, edges),
		P10:          quantile(p, edges, 0.1),
		P50:          quantile(p, edges, 0.5),
		P90:          quantile(p, edges, 0.9),
		ProbPositive: probAbove(p, edges, 0),
		Entropy:      Entropy(p),
	}
	variance := 0.0
	for k, pk := range p {
		lo, hi := edges[k], edges[k+1]
		mid, width := (lo+hi)/2, hi-lo
		variance += pk * ((mid-s.Expected)*(mid-s.Expected) + width*width/12)
	}
	s.StdDev = math.Sqrt(variance)
	return s
}

// Validate checks the invariants of t: matching lengths, increasing edges, non-negative
// probabilities summing to 1 within 1e-6, a positive step count, and a state whose data length
// is Days·Width.
func (t *Thought) Validate() error {
	if t == nil {
		return fmt.Errorf("%w: thought is nil", ErrInvalidThought)
	}
	if err := checkDistribution(t.Probs, t.BinEdges, 1e-6); err != nil {
		return fmt.Errorf("%s thought from %q: %w", t.Question, t.Thinker, err)
	}
	if t.Steps < 1 {
		return fmt.Errorf("%w: %s thought from %q reports %d steps, must be at least 1", ErrInvalidThought, t.Question, t.Thinker, t.Steps)
	}
	if s := t.State; s != nil && len(s.Data) != s.Days*s.Width {
		return fmt.Errorf("%w: %s thought from %q has a state of %d values, expected days %d × width %d",
			ErrInvalidThought, t.Question, t.Thinker, len(s.Data), s.Days, s.Width)
	}
	return nil
}

// Quantile returns the q-quantile (0 ≤ q ≤ 1) of the thought's piecewise-uniform density.
func (t *Thought) Quantile(q float64) float64 { return quantile(t.Probs, t.BinEdges, q) }

// ProbAbove returns P(target > x) under the thought's piecewise-uniform density.
func (t *Thought) ProbAbove(x float64) float64 { return probAbove(t.Probs, t.BinEdges, x) }

func checkDistribution(probs, edges []float64, tolerance float64) error {
	if len(probs) == 0 {
		return fmt.Errorf("%w: no probabilities", ErrInvalidThought)
	}
	if len(edges) != len(probs)+1 {
		return fmt.Errorf("%w: %d probabilities need %d bin edges, got %d", ErrInvalidThought, len(probs), len(probs)+1, len(edges))
	}
	for i, e := range edges {
		if math.IsNaN(e) || math.IsInf(e, 0) {
			return fmt.Errorf("%w: bin edge %d is %v", ErrInvalidThought, i, e)
		}
		if i > 0 && !(e > edges[i-1]) {
			return fmt.Errorf("%w: bin edges are not increasing at index %d (%v after %v)", ErrInvalidThought, i, e, edges[i-1])
		}
	}
	sum := 0.0
	for k, p := range probs {
		if !(p >= 0) || math.IsInf(p, 0) {
			return fmt.Errorf("%w: probability of bin %d is %v", ErrInvalidThought, k, p)
		}
		sum += p
	}
	if math.Abs(sum-1) > tolerance {
		return fmt.Errorf("%w: probabilities sum to %v, expected 1", ErrInvalidThought, sum)
	}
	return nil
}

func normalize(probs []float64) []float64 {
	sum := 0.0
	for _, p := range probs {
		sum += p
	}
	out := make([]float64, len(probs))
	for k, p := range probs {
		out[k] = p / sum
	}
	return out
}

func mean(p, edges []float64) float64 {
	m := 0.0
	for k, pk := range p {
		m += pk * (edges[k] + edges[k+1]) / 2
	}
	return m
}

// quantile inverts the piecewise-linear CDF. Bins with zero mass are skipped, so the result
// always lies inside a bin that carries mass.
func quantile(p, edges []float64, q float64) float64 {
	q = max(0, min(1, q))
	cum := 0.0
	last := 0
	for k, pk := range p {
		if pk <= 0 {
			continue
		}
		last = k
		if cum+pk >= q {
			frac := max(0, min(1, (q-cum)/pk))
			return edges[k] + frac*(edges[k+1]-edges[k])
		}
		cum += pk
	}
	// Rounding left q above the total mass: return the top of the last bin with mass.
	return edges[last+1]
}

func probAbove(p, edges []float64, x float64) float64 {
	total := 0.0
	for k, pk := range p {
		lo, hi := edges[k], edges[k+1]
		switch {
		case x <= lo:
			total += pk
		case x < hi:
			total += pk * (hi - x) / (hi - lo)
		}
	}
	return max(0, min(1, total))
}

// Entropy returns −Σ p ln p in nats, treating 0·ln 0 as 0.
func Entropy(p []float64) float64 {
	h := 0.0
	for _, pk := range p {
		if pk > 0 {
			h -= pk * math.Log(pk)
		}
	}
	return h
}

// KL returns the Kullback–Leibler divergence KL(p ‖ q) in nats. Bins where p is 0 contribute
// nothing; a bin where p > 0 and q is 0 makes the result +Inf. It panics when the lengths
// differ, since that is a programming error.
func KL(p, q []float64) float64 {
	if len(p) != len(q) {
		panic(fmt.Sprintf("thinker.KL: lengths %d and %d differ", len(p), len(q)))
	}
	d := 0.0
	for k, pk := range p {
		if pk <= 0 {
			continue
		}
		if q[k] <= 0 {
			return math.Inf(1)
		}
		d += pk * math.Log(pk/q[k])
	}
	return max(0, d)
}

// TotalVariation returns the total variation distance ½ Σ |p_k − q_k|, in [0, 1]. It panics
// when the lengths differ.
func TotalVariation(p, q []float64) float64 {
	if len(p) != len(q) {
		panic(fmt.Sprintf("thinker.TotalVariation: lengths %d and %d differ", len(p), len(q)))
	}
	d := 0.0
	for k := range p {
		d += math.Abs(p[k] - q[k])
	}
	return d / 2
}
