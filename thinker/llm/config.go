package llm

import (
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"
)

// Defaults of Config.
const (
	DefaultAPIKeyEnv     = "OPENAI_API_KEY"
	DefaultTimeout       = 2 * time.Minute
	DefaultMaxConcurrent = 4
	DefaultMaxRetries    = 4
	DefaultMaxIterations = 3
	DefaultMaxTokens     = 1024
	DefaultTolerance     = 1.0
)

// Config describes the endpoint and the limits of a Thinker. Build it with DefaultConfig and
// change the fields that differ. The API key itself is not part of the Config: it is read from
// the environment variable APIKeyEnv when the Thinker is built, so a Config can be printed and
// logged safely.
type Config struct {
	// BaseURL is the API root that ends before /chat/completions, for example
	// "https://api.openai.com/v1" or "http://127.0.0.1:11434/v1". Required.
	BaseURL string
	// Model is the model name the server knows, for example "gpt-4o-mini" or "llama3.1". Required.
	Model string
	// APIKeyEnv names the environment variable holding the API key. Default OPENAI_API_KEY. An
	// empty or unset variable sends no Authorization header, which local servers accept.
	APIKeyEnv string
	// Organization is sent as the OpenAI-Organization header when not empty.
	Organization string
	// Headers are extra HTTP headers sent with every request, for relays that need them.
	Headers map[string]string
	// Timeout bounds each HTTP attempt. Default 2 minutes.
	Timeout time.Duration
	// MaxConcurrent bounds the requests in flight at once. Default 4.
	MaxConcurrent int
	// MaxRetries is the number of retries after a failed attempt that may succeed later (429,
	// 500, 502, 503, 529 and timeouts). Default 4; negative means none.
	MaxRetries int
	// MinBackoff and MaxBackoff bound the exponential backoff between retries. Defaults 1 s and
	// 30 s. A longer Retry-After from the server is honoured up to MaxRetryAfter.
	MinBackoff, MaxBackoff time.Duration
	// MaxRetryAfter caps a server's Retry-After. Default 2 minutes.
	MaxRetryAfter time.Duration
	// MaxIterations caps the refinement rounds of one Think call below Request.Steps, so a step
	// budget meant for the latent model does not buy dozens of requests. Default 3; 0 means
	// Request.Steps alone.
	MaxIterations int
	// Tolerance is the largest difference, in percentage points, between two successive answers'
	// numbers (probability of a rise, expected move, percentiles) that still counts as agreement
	// and stops the refinement. Default 1.
	Tolerance float64
	// Temperature is the sampling temperature. Default 0, for answers that repeat.
	Temperature float32
	// MaxTokens caps the completion tokens of each request; 0 sends no cap. Default 1024.
	MaxTokens int
	// TokenBudget caps the prompt plus completion tokens of all requests of the Thinker; a
	// request that would exceed it is not sent. 0 means no budget.
	TokenBudget int
	// CacheDir holds cached responses; empty disables the cache.
	CacheDir string
}

// DefaultConfig returns a Config for model at baseURL with the documented defaults.
func DefaultConfig(baseURL, model string) Config {
	return Config{
		BaseURL:       baseURL,
		Model:         model,
		APIKeyEnv:     DefaultAPIKeyEnv,
		Timeout:       DefaultTimeout,
		MaxConcurrent: DefaultMaxConcurrent,
		MaxRetries:    DefaultMaxRetries,
		MinBackoff:    time.Second,
		MaxBackoff:    30 * time.Second,
		MaxRetryAfter: 2 * time.Minute,
		MaxIterations: DefaultMaxIterations,
		Tolerance:     DefaultTolerance,
		MaxTokens:     DefaultMaxTokens,
	}
}

// Validate checks that the Config names an endpoint and a model and that its limits make sense.
func (c Config) Validate() error {
	if c.BaseURL == "" {
		return fmt.Errorf("%w: base URL is empty; set it to the API root, such as http://127.0.0.1:11434/v1 for Ollama", ErrInvalidConfig)
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: base URL %q is not an http or https URL with a host", ErrInvalidConfig, c.BaseURL)
	}
	if u.User != nil {
		return fmt.Errorf("%w: base URL must not carry credentials; put the key in the environment variable named by the API key setting", ErrInvalidConfig)
	}
	if strings.TrimSpace(c.Model) == "" {
		return fmt.Errorf("%w: model is empty; set it to a model the server at %s serves", ErrInvalidConfig, c.BaseURL)
	}
	switch {
	case c.Timeout <= 0:
		return fmt.Errorf("%w: timeout %v must be positive", ErrInvalidConfig, c.Timeout)
	case c.MaxConcurrent < 1:
		return fmt.Errorf("%w: max concurrent requests %d must be at least 1", ErrInvalidConfig, c.MaxConcurrent)
	case c.MinBackoff < 0 || c.MaxBackoff < c.MinBackoff:
		return fmt.Errorf("%w: backoff bounds %v..%v must satisfy 0 <= min <= max", ErrInvalidConfig, c.MinBackoff, c.MaxBackoff)
	case c.MaxIterations < 0:
		return fmt.Errorf("%w: max iterations %d must not be negative", ErrInvalidConfig, c.MaxIterations)
	case c.Tolerance < 0:
		return fmt.Errorf("%w: tolerance %v must not be negative", ErrInvalidConfig, c.Tolerance)
	case c.MaxTokens < 0:
		return fmt.Errorf("%w: max tokens %d must not be negative", ErrInvalidConfig, c.MaxTokens)
	case c.TokenBudget < 0:
		return fmt.Errorf("%w: token budget %d must not be negative", ErrInvalidConfig, c.TokenBudget)
	}
	return nil
}

// String describes the Config for logs. It names the key's environment variable and whether
// it is set, never the key; header values are hidden, since relays put secrets in them.
func (c Config) String() string {
	key := "unset"
	if os.Getenv(c.keyEnv()) != "" {
		key = "set"
	}
	names := make([]string, 0, len(c.Headers))
	for name := range c.Headers {
		names = append(names, name+"=***")
	}
	sort.Strings(names)
	return fmt.Sprintf("llm.Config{BaseURL: %s, Model: %s, APIKeyEnv: %s (%s), Organization: %q, Headers: [%s], Timeout: %v, MaxConcurrent: %d, MaxRetries: %d, MaxIterations: %d, Tolerance: %v, Temperature: %v, MaxTokens: %d, TokenBudget: %d, CacheDir: %q}",
		c.BaseURL, c.Model, c.keyEnv(), key, c.Organization, strings.Join(names, " "), c.Timeout, c.MaxConcurrent,
		c.MaxRetries, c.MaxIterations, c.Tolerance, c.Temperature, c.MaxTokens, c.TokenBudget, c.CacheDir)
}

// GoString hides the key's details like String, for %#v.
func (c Config) GoString() string { return c.String() }

func (c Config) keyEnv() string {
	if c.APIKeyEnv == "" {
		return DefaultAPIKeyEnv
	}
	return c.APIKeyEnv
}

// getenv reads the environment; a variable so tests can see what is read.
var getenv = os.Getenv
