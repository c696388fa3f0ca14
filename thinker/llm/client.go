package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	openai "github.com/sashabaranov/go-openai"

	"github.com/traderlab/trader/thinker"
)

// format is the way a request requests JSON. A server that rejects one format gets the next.
type format int32

const (
	formatSchema format = iota // response_format json_schema
	formatJSON                 // response_format json_object
	formatText                 // no response_format; the JSON is extracted from the text
)

func (f format) String() string {
	switch f {
	case formatSchema:
		return "json_schema"
	case formatJSON:
		return "json_object"
	}
	return "text"
}

// Stats counts the work of a Thinker since it was built.
type Stats struct {
	// Requests is the number of HTTP requests answered by the server, retries included.
	Requests int `json:"requests"`
	// Retries is the number of attempts repeated after a rate limit, server error or timeout.
	Retries int `json:"retries"`
	// CacheHits is the number of responses read from the cache instead of the server.
	CacheHits int `json:"cache_hits"`
	// Usage is the tokens the server reported for the answered requests; cached responses cost
	// nothing and are not counted.
	Usage thinker.Usage `json:"usage"`
}

// client sends chat completions with retries, a response cache and a token budget.
type client struct {
	cfg    Config
	api    *openai.Client
	host   string
	sem    chan struct{}
	mode   atomic.Int32
	cache  *cache
	sleep  func(ctx context.Context, d time.Duration) error
	jitter func() float64

	mu       sync.Mutex
	stats    Stats
	finished []Call
}

func newClient(cfg Config) (*client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	u, _ := url.Parse(cfg.BaseURL)
	oc := openai.DefaultConfig(strings.TrimSpace(getenv(cfg.keyEnv())))
	oc.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	oc.OrgID = cfg.Organization
	oc.HTTPClient = &http.Client{Transport: &transport{base: http.DefaultTransport, headers: cfg.Headers}}
	c := &client{
		cfg:    cfg,
		api:    openai.NewClientWithConfig(oc),
		host:   u.Host,
		sem:    make(chan struct{}, cfg.MaxConcurrent),
		sleep:  sleepCtx,
		jitter: rand.Float64,
	}
	if cfg.CacheDir != "" {
		c.cache = &cache{dir: cfg.CacheDir}
	}
	return c, nil
}

// reply is one completed chat request.
type reply struct {
	content string
	usage   thinker.Usage
	cached  bool
}

// complete sends msgs and returns the first choice's content. It falls back to a weaker JSON
// format when the server rejects the current one, and remembers the fallback.
func (c *client) complete(ctx context.Context, msgs []openai.ChatCompletionMessage, seed uint64) (reply, error) {
	for {
		mode := format(c.mode.Load())
		r, err := c.completeAs(ctx, msgs, seed, mode)
		var apiErr *APIError
		if mode < formatText && errors.As(err, &apiErr) && formatRejected(apiErr) {
			c.mode.CompareAndSwap(int32(mode), int32(mode+1))
			zerolog.Ctx(ctx).Warn().Str("format", mode.String()).Str("next", (mode + 1).String()).
				Msg("llm server rejected the response format; falling back")
			continue
		}
		return r, err
	}
}

// formatRejected reports whether a 400 or 422 blames the response format.
func formatRejected(e *APIError) bool {
	if e.Status != http.StatusBadRequest && e.Status != http.StatusUnprocessableEntity {
		return false
	}
	m := strings.ToLower(e.Message)
	return strings.Contains(m, "response_format") || strings.Contains(m, "json_schema") ||
		strings.Contains(m, "schema") || strings.Contains(m, "json_object") || strings.Contains(m, "response format")
}

func (c *client) request(msgs []openai.ChatCompletionMessage, seed uint64, mode format) openai.ChatCompletionRequest {
	s := int(seed % (1 << 31))
	req := openai.ChatCompletionRequest{
		Model:       c.cfg.Model,
		Messages:    msgs,
		Temperature: c.cfg.Temperature,
		MaxTokens:   c.cfg.MaxTokens,
		Seed:        &s,
	}
	switch mode {
	case formatSchema:
		req.ResponseFormat = &openai.ChatCompletionResponseFormat{
			Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: "forecast", Schema: answerSchema, Strict: true},
		}
	case formatJSON:
		req.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
	}
	return req
}

func (c *client) completeAs(ctx context.Context, msgs []openai.ChatCompletionMessage, seed uint64, mode format) (reply, error) {
	req := c.request(msgs, seed, mode)

	var key string
	if c.cache != nil {
		var err error
		if key, err = cacheKey(c.host, req); err != nil {
			return reply{}, err
		}
		if content, usage, ok := c.cache.get(ctx, key); ok {
			c.mu.Lock()
			c.stats.CacheHits++
			c.mu.Unlock()
			_ = usage // cached responses cost nothing now
			return reply{content: content, cached: true}, nil
		}
	}
	if err := c.reserve(msgs); err != nil {
		return reply{}, err
	}

	resp, err := c.send(ctx, req)
	if err != nil {
		return reply{}, err
	}
	if len(resp.Choices) == 0 {
		return reply{}, fmt.Errorf("%w: the server returned no choices for model %q", ErrInvalidAnswer, c.cfg.Model)
	}
	r := reply{
		content: resp.Choices[0].Message.Content,
		usage:   thinker.Usage{PromptTokens: resp.Usage.PromptTokens, CompletionTokens: resp.Usage.CompletionTokens},
	}
	c.mu.Lock()
	c.stats.Usage.PromptTokens += r.usage.PromptTokens
	c.stats.Usage.CompletionTokens += r.usage.CompletionTokens
	c.mu.Unlock()

	if c.cache != nil {
		if err := c.cache.put(key, c.cfg.Model, r.content, r.usage); err != nil {
			zerolog.Ctx(ctx).Warn().Err(err).Msg("llm response not cached")
		}
	}
	return r, nil
}

// reserve refuses a request whose estimated cost would take the run past the token budget: the
// tokens used so far, plus about a token per four characters of the messages, plus MaxTokens
// (1024 when uncapped) for the completion.
func (c *client) reserve(msgs []openai.ChatCompletionMessage) error {
	if c.cfg.TokenBudget <= 0 {
		return nil
	}
	chars := 0
	for _, m := range msgs {
		chars += len(m.Content) + 16
	}
	completion := c.cfg.MaxTokens
	if completion == 0 {
		completion = DefaultMaxTokens
	}
	estimate := chars/4 + completion
	c.mu.Lock()
	defer c.mu.Unlock()
	if used := c.stats.Usage.Total(); used+estimate > c.cfg.TokenBudget {
		return &BudgetError{Budget: c.cfg.TokenBudget, Estimate: estimate, Stats: c.stats, Finished: append([]Call(nil), c.finished...)}
	}
	return nil
}

// retryable lists the HTTP statuses worth another attempt.
var retryable = map[int]bool{429: true, 500: true, 502: true, 503: true, 504: true, 529: true}

// send makes the request, retrying rate limits, server errors and timeouts.
func (c *client) send(ctx context.Context, req openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error) {
	for attempt := 1; ; attempt++ {
		resp, wait, err := c.attempt(ctx, req)
		if err == nil {
			return resp, nil
		}
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Hint != "" || attempt > max(c.cfg.MaxRetries, 0) {
			if apiErr != nil {
				apiErr.Attempts = attempt
			}
			return resp, err
		}
		d := c.backoff(attempt, wait)
		zerolog.Ctx(ctx).Warn().Int("status", apiErr.Status).Int("attempt", attempt).Dur("wait", d).
			Msg("llm request failed; retrying")
		c.mu.Lock()
		c.stats.Retries++
		c.mu.Unlock()
		if err := c.sleep(ctx, d); err != nil {
			return resp, err
		}
	}
}

// attempt makes one HTTP request under the per-attempt timeout. It returns the server's
// Retry-After, and an *APIError with a Hint for failures that retrying cannot fix.
func (c *client) attempt(ctx context.Context, req openai.ChatCompletionRequest) (openai.ChatCompletionResponse, time.Duration, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return openai.ChatCompletionResponse{}, 0, ctx.Err()
	}
	defer func() { <-c.sem }()

	hdr := &responseHeader{}
	actx, cancel := context.WithTimeout(context.WithValue(ctx, responseHeaderKey{}, hdr), c.cfg.Timeout)
	defer cancel()
	resp, err := c.api.CreateChatCompletion(actx, req)
	if hdr.status.Load() != 0 {
		c.mu.Lock()
		c.stats.Requests++
		c.mu.Unlock()
	}
	if err == nil {
		return resp, 0, nil
	}
	if ctx.Err() != nil {
		return resp, 0, ctx.Err()
	}

	wait := parseRetryAfter(hdr.retryAfter(), time.Now())
	var oe *openai.APIError
	var re *openai.RequestError
	switch {
	case errors.As(err, &oe):
		oe.Message = c.redact(oe.Message) // the wrapped error must not carry a quoted key either
		return resp, wait, &APIError{Status: oe.HTTPStatusCode, Message: oe.Message, Hint: statusHint(oe.HTTPStatusCode, c.cfg), Err: err}
	case errors.As(err, &re):
		msg := c.redact(strings.TrimSpace(string(re.Body)))
		re.Body = []byte(msg)
		if len(msg) > 200 {
			msg = msg[:200] + "…"
		}
		return resp, wait, &APIError{Status: re.HTTPStatusCode, Message: msg, Hint: statusHint(re.HTTPStatusCode, c.cfg), Err: err}
	case actx.Err() != nil:
		return resp, 0, &APIError{Message: fmt.Sprintf("timed out after %v", c.cfg.Timeout), Err: err}
	}
	return resp, 0, &APIError{Message: err.Error(), Err: err,
		Hint: fmt.Sprintf("check that an OpenAI-compatible server is listening at %s", c.cfg.BaseURL)}
}

// keyPattern matches strings shaped like API keys, which some servers quote, partly masked, in
// their error messages.
var keyPattern = regexp.MustCompile(`\b(sk|pk|rk)-[A-Za-z0-9_*.\-]{6,}`)

// redact removes the configured API key and anything shaped like a key from a server message.
func (c *client) redact(msg string) string {
	if key := strings.TrimSpace(getenv(c.cfg.keyEnv())); key != "" {
		msg = strings.ReplaceAll(msg, key, "[redacted]")
	}
	return keyPattern.ReplaceAllString(msg, "$1-[redacted]")
}

// statusHint returns what to fix for a status that will not pass on retry, or "" for one that may.
func statusHint(status int, cfg Config) string {
	if retryable[status] {
		return ""
	}
	if h := hintFor(status, cfg); h != "" {
		return h
	}
	return "the server refused the request; see its message"
}

// backoff returns the wait before retry number attempt: MinBackoff·2^(attempt−1) capped at
// MaxBackoff, scaled by a random factor in [0.5, 1), and at least the server's Retry-After
// (capped at MaxRetryAfter).
func (c *client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	d := float64(c.cfg.MinBackoff) * math.Pow(2, float64(attempt-1))
	d = math.Min(d, float64(c.cfg.MaxBackoff)) * (0.5 + 0.5*c.jitter())
	wait := time.Duration(d)
	if retryAfter > 0 {
		wait = max(wait, min(retryAfter, c.cfg.MaxRetryAfter))
	}
	return wait
}

// parseRetryAfter reads a Retry-After value in seconds or as an HTTP date; 0 when absent or bad.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 && !math.IsInf(s, 0) {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// responseHeaderKey is the context key of the responseHeader an attempt fills in.
type responseHeaderKey struct{}

// responseHeader keeps what an attempt needs from the HTTP response that go-openai hides.
type responseHeader struct {
	status atomic.Int32
	mu     sync.Mutex
	after  string
}

func (h *responseHeader) retryAfter() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.after
}

// transport adds the configured headers and records the status and Retry-After of responses.
type transport struct {
	base    http.RoundTripper
	headers map[string]string
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if len(t.headers) > 0 {
		req = req.Clone(req.Context())
		for k, v := range t.headers {
			req.Header.Set(k, v)
		}
	}
	resp, err := t.base.RoundTrip(req)
	if h, ok := req.Context().Value(responseHeaderKey{}).(*responseHeader); ok && resp != nil {
		h.status.Store(int32(resp.StatusCode))
		h.mu.Lock()
		h.after = resp.Header.Get("Retry-After")
		h.mu.Unlock()
	}
	return resp, err
}

// answerSchema is the JSON schema of an Answer, strict in the sense of OpenAI's structured
// outputs: every property required, no others allowed.
var answerSchema = rawSchema(`{
  "type": "object",
  "properties": {
    "prob_above_zero": {"type": "number", "minimum": 0, "maximum": 1},
    "expected_pct": {"type": "number"},
    "p10_pct": {"type": "number"},
    "p50_pct": {"type": "number"},
    "p90_pct": {"type": "number"},
    "key_points": {"type": "array", "items": {"type": "string"}},
    "rationale": {"type": "string"},
    "critique": {"type": "string"}
  },
  "required": ["prob_above_zero", "expected_pct", "p10_pct", "p50_pct", "p90_pct", "key_points", "rationale", "critique"],
  "additionalProperties": false
}`)

// rawSchema is a JSON schema kept as text.
type rawSchema string

// MarshalJSON returns the schema text.
func (s rawSchema) MarshalJSON() ([]byte, error) { return json.RawMessage(s), nil }
