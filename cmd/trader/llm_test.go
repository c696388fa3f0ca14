package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// llmTestKey is the API key the tests set and then look for in everything a run writes.
const llmTestKey = "sk-cli-test-9d8c7b6a5f4e3d2c1b0a"

// fakeLLM is an OpenAI-compatible chat server on loopback that answers every request with a
// valid forecast and records the system prompts it was sent.
type fakeLLM struct {
	*httptest.Server
	mu      sync.Mutex
	systems []string
	users   []string
	auth    []string
}

func newFakeLLM(t *testing.T) *fakeLLM {
	t.Helper()
	f := &fakeLLM{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Messages []struct{ Content string } `json:"messages"`
		}
		if r.URL.Path != "/v1/chat/completions" || json.NewDecoder(r.Body).Decode(&req) != nil || len(req.Messages) == 0 {
			http.Error(w, `{"error": {"message": "bad request"}}`, http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.systems = append(f.systems, req.Messages[0].Content)
		if len(req.Messages) > 1 {
			f.users = append(f.users, req.Messages[1].Content)
		}
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		f.mu.Unlock()
		answer := `{"prob_above_zero": 0.6, "expected_pct": 1.2, "p10_pct": -2.5, "p50_pct": 1, "p90_pct": 4.5, "key_points": ["RSI is neutral"], "rationale": "A modest rise is likely.", "critique": ""}`
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": "c1", "object": "chat.completion", "model": "M",
			"choices": []map[string]any{{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": answer}}},
			"usage":   map[string]any{"prompt_tokens": 900, "completion_tokens": 60, "total_tokens": 960},
		})
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeLLM) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.systems)
}

// llmArgs returns the arguments of an LLM debate on AAPL against f.
func llmArgs(t *testing.T, f *fakeLLM, extra ...string) []string {
	return append([]string{"debate", "AAPL", "--data", sharedDataDir(t), "--as-of", "2024-03-28",
		"--thinker", "llm", "--llm-base-url", f.URL + "/v1", "--llm-model", "M"}, extra...)
}

func TestDebateLLM(t *testing.T) {
	f := newFakeLLM(t)
	cache := t.TempDir()
	t.Setenv("OPENAI_API_KEY", llmTestKey)
	t.Setenv("TRADER_LLM_CACHE_DIR", cache)

	first := mustRunTrader(t, llmArgs(t, f, "--format", "json")...)
	doc := decodeObject(t, first.Stdout)
	assert.Equal(t, "llm:M", doc["settings"].(map[string]any)["thinker"])
	turns := doc["turns"].([]any)
	require.Len(t, turns, 5, "two rounds of bull and bear, then the trader")
	for _, turn := range turns {
		tm := turn.(map[string]any)
		assert.Equal(t, 2.0, tm["steps"], "the answers agree in the second round")
		assert.Equal(t, true, tm["converged"])
	}
	assert.Equal(t, 10, f.count(), "two requests per turn")
	assert.Equal(t, "Bearer "+llmTestKey, f.auth[0])
	assert.Contains(t, first.Stderr, `"requests":10`)
	assert.Contains(t, first.Stderr, `"prompt_tokens":9000`)
	assert.Equal(t, map[string]any{"prompt_tokens": 9000.0, "completion_tokens": 600.0, "total_tokens": 9600.0,
		"requests": 10.0, "cache_hits": 0.0}, doc["usage"], "run totals in the JSON")
	assert.Equal(t, 2.0, turns[0].(map[string]any)["usage"].(map[string]any)["requests"], "per-turn usage in the JSON")

	second := mustRunTrader(t, llmArgs(t, f, "--format", "json")...)
	assert.Equal(t, 10, f.count(), "a rerun is answered from the cache")
	rerun := decodeObject(t, second.Stdout)
	assert.Equal(t, map[string]any{"prompt_tokens": 0.0, "completion_tokens": 0.0, "total_tokens": 0.0,
		"requests": 0.0, "cache_hits": 10.0}, rerun["usage"], "a cached rerun costs nothing")
	assert.Equal(t, withoutUsage(withoutTimings(doc)), withoutUsage(withoutTimings(rerun)))
	assert.Contains(t, second.Stderr, `"cache_hits":10`)

	text := mustRunTrader(t, llmArgs(t, f, "--no-cache")...)
	assert.Equal(t, 20, f.count(), "--no-cache sends every request")
	assert.Contains(t, text.Stdout, "Language model: 10 requests (0 retries), 0 cached answers, 9600 tokens (9000 prompt, 600 completion)")

	// The key is in no output and no cache file.
	written := first.Stdout + first.Stderr + second.Stdout + second.Stderr + text.Stdout + text.Stderr
	files, err := filepath.Glob(filepath.Join(cache, "*"))
	require.NoError(t, err)
	require.Len(t, files, 10)
	for _, p := range files {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		written += string(data)
	}
	assert.Contains(t, written, "A modest rise is likely.", "the checked text holds the answers")
	assert.NotContains(t, written, llmTestKey)
}

// withoutUsage returns a copy of a report document without its usage counts, at the top level and
// in every turn.
func withoutUsage(doc map[string]any) map[string]any {
	out := make(map[string]any, len(doc))
	for k, v := range doc {
		if k == "usage" {
			continue
		}
		if k == "turns" {
			var turns []any
			for _, turn := range v.([]any) {
				copied := map[string]any{}
				for tk, tv := range turn.(map[string]any) {
					if tk != "usage" {
						copied[tk] = tv
					}
				}
				turns = append(turns, copied)
			}
			v = turns
		}
		out[k] = v
	}
	return out
}

func TestDebatePerAgentThinker(t *testing.T) {
	f := newFakeLLM(t)
	dir := t.TempDir()
	config := filepath.Join(dir, "trader.yaml")
	require.NoError(t, os.WriteFile(config, []byte("thinker:\n  kind: latent\n  trader: llm\nllm:\n  no_cache: true\n"), 0o600))
	args := []string{"debate", "AAPL", "--data", sharedDataDir(t), "--as-of", "2024-03-28", "--config", config,
		"--llm-base-url", f.URL + "/v1", "--llm-model", "M", "--steps", "4", "--format", "json"}
	doc := decodeObject(t, mustRunTrader(t, args...).Stdout)
	assert.Equal(t, "bull=latent:embedded,bear=latent:embedded,trader=llm:M", doc["settings"].(map[string]any)["thinker"])
	require.Positive(t, f.count())
	for _, s := range f.systems {
		assert.True(t, strings.HasPrefix(s, "You are the Trader"), "only the trader asks the language model")
	}
}

func TestDebateHybrid(t *testing.T) {
	f := newFakeLLM(t)
	doc := decodeObject(t, mustRunTrader(t, llmArgs(t, f, "--thinker", "hybrid", "--no-cache", "--steps", "4", "--format", "json")...).Stdout)
	assert.Equal(t, "hybrid:M", doc["settings"].(map[string]any)["thinker"])
	assert.Equal(t, false, doc["settings"].(map[string]any)["handoff"], "a language model has no latent state to hand over")
	require.NotEmpty(t, f.users)
	for _, u := range f.users {
		assert.Contains(t, u, "Evidence: the recurrent-depth model's forecast of the same target after 4 steps")
	}
	// Researchers hear each other's arguments as text.
	assert.Contains(t, f.users[2], "The debate so far")
	assert.Contains(t, f.users[2], "- bull (upside question): ")
}

func TestDebateLLMErrors(t *testing.T) {
	f := newFakeLLM(t)
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{"unknown kind", []string{"--thinker", "oracle"}, nil, `invalid thinker "oracle" (--thinker, TRADER_THINKER_KIND or the config file): use latent, llm or hybrid`},
		{"no model", []string{"--llm-model", ""}, nil, "no language model named (--llm-model"},
		{"bad timeout", nil, map[string]string{"TRADER_LLM_TIMEOUT": "soon"}, "invalid llm timeout"},
		{"budget", []string{"--no-cache"}, map[string]string{"TRADER_LLM_TOKEN_BUDGET": "3000"}, "llm token budget of 3000 would be exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			res := runTrader(t, llmArgs(t, f, tt.args...)...)
			require.Error(t, res.Err)
			assert.Contains(t, res.Err.Error(), tt.wantErr)
		})
	}
}
