package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/rs/zerolog"
	openai "github.com/sashabaranov/go-openai"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

// Thinker answers questions by iterative self-refinement with a language model. Build it with
// New. It is safe for concurrent use; its token budget and Stats cover every call.
type Thinker struct {
	cfg           Config
	edges         [latentmodel.NumQuestions][]float64
	horizon       int
	evidence      thinker.Thinker
	evidenceSteps int
	c             *client
}

var _ thinker.Thinker = (*Thinker)(nil)

// Option changes how New builds a Thinker.
type Option func(*Thinker)

// WithEvidence makes a hybrid thinker: before each question it asks th (usually the latent
// thinker) the same question with steps steps and shows the answer to the language model.
func WithEvidence(th thinker.Thinker, steps int) Option {
	return func(t *Thinker) { t.evidence, t.evidenceSteps = th, steps }
}

// New returns a Thinker for cfg whose thoughts use the bin edges and horizon of bundle, so they
// read like the latent model's. The API key is read from the environment variable
// cfg.APIKeyEnv now.
func New(cfg Config, bundle *latentmodel.Bundle, opts ...Option) (*Thinker, error) {
	if bundle == nil {
		return nil, fmt.Errorf("%w: no model bundle to take the bin edges from", ErrInvalidConfig)
	}
	c, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	t := &Thinker{cfg: cfg, edges: bundle.BinEdges, horizon: bundle.Horizon, c: c}
	for _, o := range opts {
		o(t)
	}
	if t.evidence != nil && t.evidenceSteps < 1 {
		return nil, fmt.Errorf("%w: evidence steps %d must be at least 1", ErrInvalidConfig, t.evidenceSteps)
	}
	return t, nil
}

// Name returns "llm:" or, with evidence, "hybrid:" followed by the model name.
func (t *Thinker) Name() string {
	if t.evidence != nil {
		return "hybrid:" + t.cfg.Model
	}
	return "llm:" + t.cfg.Model
}

// Config returns the Thinker's configuration.
func (t *Thinker) Config() Config { return t.cfg }

// Stats returns the requests, retries, cache hits and tokens of every call so far.
func (t *Thinker) Stats() Stats {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	return t.c.stats
}

// Think refines an answer to req.Question for up to min(req.Steps, Config.MaxIterations)
// rounds: a draft, then rounds that each critique the previous answer and revise it. It stops
// after the first round whose answer agrees with the one before within Config.Tolerance. Every
// round is a step of the trace, with its distribution and its tokens. The thought's Text is the
// last rationale with its key points, for the next speaker.
//
// An invalid reply gets one repair request; a second invalid reply fails with an error wrapping
// ErrInvalidAnswer. A request that would exceed the token budget fails with a *BudgetError.
func (t *Thinker) Think(ctx context.Context, req thinker.Request) (*thinker.Thought, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	q := req.Question
	edges := t.edges[q]
	horizon := req.Snapshot.Horizon
	if horizon == 0 {
		horizon = t.horizon
	}
	var evidence *thinker.Thought
	if t.evidence != nil {
		ev, err := t.evidence.Think(ctx, thinker.Request{Question: q, Snapshot: req.Snapshot, Steps: t.evidenceSteps, Seed: req.Seed})
		if err != nil {
			return nil, fmt.Errorf("hybrid evidence from %s: %w", t.evidence.Name(), err)
		}
		evidence = ev
	}

	base := []openai.ChatCompletionMessage{
		{Role: openai.ChatMessageRoleSystem, Content: systemPrompt(q, horizon)},
		{Role: openai.ChatMessageRoleUser, Content: userPrompt(req, evidence)},
	}
	rounds := req.Steps
	if t.cfg.MaxIterations > 0 {
		rounds = min(rounds, t.cfg.MaxIterations)
	}

	var (
		trace     []thinker.Step
		usage     thinker.Usage
		requests  int
		prev      Answer
		prevProbs []float64
		probs     []float64
		converged bool
	)
	for i := 1; i <= rounds; i++ {
		msgs := base
		if i > 1 {
			msgs = append(append([]openai.ChatCompletionMessage(nil), base...),
				openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: mustJSON(prev)},
				openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: critiquePrompt})
		}
		a, u, n, err := t.ask(ctx, q, msgs, req.Seed+uint64(i-1))
		usage.PromptTokens += u.PromptTokens
		usage.CompletionTokens += u.CompletionTokens
		usage.Requests += u.Requests
		usage.CacheHits += u.CacheHits
		requests += n
		if err != nil {
			var be *BudgetError
			if errors.As(err, &be) && len(trace) > 0 {
				// The rounds this call finished are part of the report of what finished.
				be.Finished = append(be.Finished, Call{Question: q, Iterations: len(trace), Requests: requests, Usage: usage,
					Expected: expected(probs, edges), Stopped: true})
			}
			return nil, fmt.Errorf("llm %s, %s question, round %d: %w", t.cfg.Model, q, i, err)
		}
		if probs, err = Distribution(q, a, edges); err != nil {
			return nil, err
		}

		step := thinker.Step{Step: i, Probs: probs, Entropy: thinker.Entropy(probs), Tokens: u.Total()}
		if i > 1 {
			step.KL = thinker.KL(prevProbs, probs)
		}
		trace = append(trace, step)
		zerolog.Ctx(ctx).Debug().Str("question", q.String()).Int("round", i).Float64("p50_pct", a.P50Pct).
			Int("tokens", u.Total()).Msg("llm round")
		if i > 1 && agree(prev, a, t.cfg.Tolerance) {
			converged = true
			prev = a
			break
		}
		prev, prevProbs = a, probs
	}

	th, err := thinker.NewThought(q, probs, edges)
	if err != nil {
		return nil, err
	}
	th.Thinker = t.Name()
	th.Steps = len(trace)
	th.Converged = converged
	th.FinalKL = trace[len(trace)-1].KL
	th.Text = answerText(prev)
	th.Usage = usage
	th.Trace = trace
	t.c.mu.Lock()
	t.c.finished = append(t.c.finished, Call{Question: q, Iterations: len(trace), Requests: requests, Usage: usage, Expected: th.Expected})
	t.c.mu.Unlock()
	return th, nil
}

// ask sends msgs and parses the answer, asking once for a repair when it is invalid. It returns
// the usage of both attempts (tokens, requests answered by the server and by the cache) and the
// number of attempts.
func (t *Thinker) ask(ctx context.Context, q thinker.Question, msgs []openai.ChatCompletionMessage, seed uint64) (Answer, thinker.Usage, int, error) {
	r, err := t.c.complete(ctx, msgs, seed)
	if err != nil {
		return Answer{}, thinker.Usage{}, 0, err
	}
	usage := r.usage
	countReply(&usage, r)
	a, perr := ParseAnswer(q, r.content)
	if perr == nil {
		return a, usage, 1, nil
	}
	zerolog.Ctx(ctx).Warn().Str("question", q.String()).Str("problem", perr.Error()).Msg("llm answer invalid; asking for a repair")
	repair := append(append([]openai.ChatCompletionMessage(nil), msgs...),
		openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: r.content},
		openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: repairPrompt(perr)})
	r2, err := t.c.complete(ctx, repair, seed)
	if err != nil {
		return Answer{}, usage, 1, err
	}
	usage.PromptTokens += r2.usage.PromptTokens
	usage.CompletionTokens += r2.usage.CompletionTokens
	countReply(&usage, r2)
	a, err = ParseAnswer(q, r2.content)
	if err != nil {
		return Answer{}, usage, 2, fmt.Errorf("after a repair request: %w", err)
	}
	return a, usage, 2, nil
}

// countReply adds one request to u, as a cache hit when the reply came from the cache.
func countReply(u *thinker.Usage, r reply) {
	if r.cached {
		u.CacheHits++
	} else {
		u.Requests++
	}
}

// expected returns the mean of a distribution over bins, or 0 when it cannot be summarized.
func expected(probs, edges []float64) float64 {
	s, err := thinker.Summarize(probs, edges)
	if err != nil {
		return 0
	}
	return s.Expected
}

// answerText renders an answer's rationale and key points for the next speaker.
func answerText(a Answer) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(a.Rationale))
	for _, p := range a.KeyPoints {
		if p = strings.TrimSpace(p); p != "" {
			b.WriteString("\n- " + p)
		}
	}
	return b.String()
}

// mustJSON encodes an answer for the conversation; an Answer of finite numbers always encodes.
func mustJSON(a Answer) string {
	data, err := json.Marshal(a)
	if err != nil {
		panic(fmt.Sprintf("encode the answer for the conversation: %v", err))
	}
	return string(data)
}
