package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/viper"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
	"github.com/traderlab/trader/thinker/llm"
)

// Thinker kinds of --thinker and the thinker.* keys.
const (
	kindLatent = "latent"
	kindLLM    = "llm"
	kindHybrid = "hybrid"
)

// thinkers builds the thinkers of a debate from the configuration: thinker.kind for every agent,
// overridden per agent by thinker.bull, thinker.bear and thinker.trader. It returns the thinker
// to give the manager and the language-model thinkers built, whose stats the report adds.
// A language model has no latent state, so when any agent uses one thinkers turns *handoff off.
func thinkers(v *viper.Viper, bundle *latentmodel.Bundle, steps int, handoff *bool, log *zerolog.Logger) (thinker.Thinker, []*llm.Thinker, error) {
	kinds := map[string]thinker.Question{keyThinkerBull: latentmodel.Upside, keyThinkerBear: latentmodel.Downside, keyThinkerTrader: latentmodel.Return}
	def := strings.ToLower(strings.TrimSpace(v.GetString(keyThinker)))
	if err := checkKind(def, keyThinker); err != nil {
		return nil, nil, err
	}
	latent := thinker.NewLatent(bundle)
	built := map[string]thinker.Thinker{kindLatent: latent}
	var lms []*llm.Thinker
	var route questionRouter
	for _, key := range []string{keyThinkerBull, keyThinkerBear, keyThinkerTrader} {
		kind := strings.ToLower(strings.TrimSpace(v.GetString(key)))
		if kind == "" {
			kind = def
		}
		if err := checkKind(kind, key); err != nil {
			return nil, nil, err
		}
		th, ok := built[kind]
		if !ok {
			cfg, err := llmConfig(v)
			if err != nil {
				return nil, nil, err
			}
			var opts []llm.Option
			if kind == kindHybrid {
				opts = append(opts, llm.WithEvidence(latent, steps))
			}
			lm, err := llm.New(cfg, bundle, opts...)
			if err != nil {
				return nil, nil, fmt.Errorf("%w (set by the llm.* settings, --llm-base-url and --llm-model)", err)
			}
			log.Info().Stringer("config", cfg).Str("kind", kind).Msg("language-model thinker")
			th = lm
			built[kind] = lm
			lms = append(lms, lm)
		}
		route[kinds[key]] = th
	}
	if len(lms) > 0 && *handoff {
		*handoff = false
		log.Info().Msg("latent hand-off is off because an agent thinks with a language model; agents hand over text")
	}
	if route[0] == route[1] && route[1] == route[2] {
		return route[0], lms, nil
	}
	return &route, lms, nil
}

func checkKind(kind, key string) error {
	switch kind {
	case kindLatent, kindLLM, kindHybrid:
		return nil
	}
	return fmt.Errorf("invalid thinker %q (%s): use latent, llm or hybrid", kind, settingSources(key))
}

// llmConfig reads the llm.* settings.
func llmConfig(v *viper.Viper) (llm.Config, error) {
	cfg := llm.DefaultConfig(v.GetString(keyLLMBaseURL), v.GetString(keyLLMModel))
	if cfg.Model == "" {
		return cfg, fmt.Errorf("no language model named (%s): name one the server at %s serves, such as gpt-4o-mini or llama3.1", settingSources(keyLLMModel), cfg.BaseURL)
	}
	cfg.APIKeyEnv = v.GetString(keyLLMAPIKeyEnv)
	cfg.Organization = v.GetString(keyLLMOrganization)
	timeout, err := time.ParseDuration(v.GetString(keyLLMTimeout))
	if err != nil || timeout <= 0 {
		return cfg, fmt.Errorf("invalid llm timeout %q (%s): use a positive duration such as 90s or 2m", v.GetString(keyLLMTimeout), settingSources(keyLLMTimeout))
	}
	cfg.Timeout = timeout

	cfg.MaxConcurrent, _ = toInt(v.Get(keyLLMMaxConcurrent))
	cfg.MaxIterations, _ = toInt(v.Get(keyLLMMaxIterations))
	cfg.TokenBudget, _ = toInt(v.Get(keyLLMTokenBudget))
	if cfg.Headers, err = parseHeaders(v.GetString(keyLLMHeaders)); err != nil {
		return cfg, fmt.Errorf("invalid llm headers (%s): %w", settingSources(keyLLMHeaders), err)
	}

	if noCache, _ := toBool(v.Get(keyLLMNoCache)); !noCache {
		cfg.CacheDir = v.GetString(keyLLMCacheDir)
		if cfg.CacheDir == "" {
			base, err := os.UserCacheDir()
			if err != nil {
				return cfg, fmt.Errorf("no user cache directory for llm responses (%v); set %s or use --no-cache", err, settingSources(keyLLMCacheDir))
			}
			cfg.CacheDir = filepath.Join(base, "trader", "llm")
		}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("%w (%s, %s)", err, settingSources(keyLLMBaseURL), settingSources(keyLLMModel))
	}
	return cfg, nil
}

// parseHeaders reads "Name=value,Name2=value2".
func parseHeaders(s string) (map[string]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	out := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		name, value, ok := strings.Cut(part, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " :\t") {
			return nil, fmt.Errorf("%q is not Name=value; separate headers with commas", strings.TrimSpace(name))
		}
		out[name] = strings.TrimSpace(value)
	}
	return out, nil
}

// llmSummary sums the stats of the language-model thinkers of a run.
func llmSummary(lms []*llm.Thinker) llm.Stats {
	var sum llm.Stats
	for _, lm := range lms {
		s := lm.Stats()
		sum.Requests += s.Requests
		sum.Retries += s.Retries
		sum.CacheHits += s.CacheHits
		sum.Usage.PromptTokens += s.Usage.PromptTokens
		sum.Usage.CompletionTokens += s.Usage.CompletionTokens
	}
	return sum
}

// logLLMUsage logs the requests and tokens of the language-model thinkers of a run, if any.
func logLLMUsage(log *zerolog.Logger, lms []*llm.Thinker) {
	if len(lms) == 0 {
		return
	}
	s := llmSummary(lms)
	log.Info().Int("requests", s.Requests).Int("retries", s.Retries).Int("cache_hits", s.CacheHits).
		Int("prompt_tokens", s.Usage.PromptTokens).Int("completion_tokens", s.Usage.CompletionTokens).Msg("language-model usage")
}

// usageLine describes llm stats for the end of a text report.
func usageLine(s llm.Stats) string {
	return fmt.Sprintf("Language model: %d requests (%d retries), %d cached answers, %d tokens (%d prompt, %d completion)\n",
		s.Requests, s.Retries, s.CacheHits, s.Usage.Total(), s.Usage.PromptTokens, s.Usage.CompletionTokens)
}

// questionRouter sends each question to its own thinker, so the researchers and the trader can
// think differently: the bull asks the upside question, the bear the downside, the trader the
// return.
type questionRouter [latentmodel.NumQuestions]thinker.Thinker

// Name lists the thinker of each agent.
func (r *questionRouter) Name() string {
	return fmt.Sprintf("bull=%s,bear=%s,trader=%s", r[latentmodel.Upside].Name(), r[latentmodel.Downside].Name(), r[latentmodel.Return].Name())
}

// Think passes req to the thinker of req.Question.
func (r *questionRouter) Think(ctx context.Context, req thinker.Request) (*thinker.Thought, error) {
	if req.Question < 0 || int(req.Question) >= len(r) {
		return nil, fmt.Errorf("%w: unknown question %d", thinker.ErrInvalidRequest, int(req.Question))
	}
	return r[req.Question].Think(ctx, req)
}
