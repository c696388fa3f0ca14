package llm

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors of the package, for use with errors.Is.
var (
	// ErrInvalidConfig means a Config cannot be used as given.
	ErrInvalidConfig = errors.New("invalid llm config")
	// ErrInvalidAnswer means a model's answer is not the JSON object asked for, or breaks its
	// rules, even after the repair request.
	ErrInvalidAnswer = errors.New("invalid llm answer")
	// ErrBudgetExceeded means the next request would take the Thinker past its token budget.
	ErrBudgetExceeded = errors.New("llm token budget exceeded")
	// ErrAPI means the server refused a request or kept failing after every retry.
	ErrAPI = errors.New("llm api request failed")
)

// APIError is a failed request: the HTTP status (0 for a timeout or a connection error), the
// server's message, the attempts made and what to change. It unwraps to ErrAPI and to the
// underlying go-openai or network error.
type APIError struct {
	// Status is the HTTP status code, 0 when no response arrived.
	Status int
	// Message is the server's error message, or the network error's text.
	Message string
	// Attempts is the number of attempts made, retries included.
	Attempts int
	// Hint names what to change, empty when a later retry may succeed by itself.
	Hint string
	// Err is the last underlying error.
	Err error
}

// Error describes the failure and what to do about it.
func (e *APIError) Error() string {
	var b strings.Builder
	if e.Status > 0 {
		fmt.Fprintf(&b, "llm api: HTTP %d", e.Status)
	} else {
		b.WriteString("llm api: no response")
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	fmt.Fprintf(&b, " (after %d attempt", e.Attempts)
	if e.Attempts != 1 {
		b.WriteString("s")
	}
	b.WriteString(")")
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	}
	return b.String()
}

// Unwrap returns ErrAPI and the underlying error.
func (e *APIError) Unwrap() []error { return []error{ErrAPI, e.Err} }

// hintFor returns what to fix for a status that retrying cannot help.
func hintFor(status int, cfg Config) string {
	switch status {
	case 400:
		return fmt.Sprintf("the server rejected the request; check that model %q accepts chat completions with these parameters", cfg.Model)
	case 401:
		return fmt.Sprintf("the API key was refused; set a valid key in the environment variable %s", cfg.keyEnv())
	case 403:
		return fmt.Sprintf("the key in %s may not use model %q or this endpoint; check the account's access", cfg.keyEnv(), cfg.Model)
	case 404:
		return fmt.Sprintf("unknown model %q or wrong base URL %s; the base URL must end before /chat/completions (usually in /v1)", cfg.Model, cfg.BaseURL)
	}
	return ""
}

// quote returns s shortened to at most n bytes for an error message.
func quote(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = s[:n] + "…"
	}
	return fmt.Sprintf("%q", s)
}
