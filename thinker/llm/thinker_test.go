package llm

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

func TestThinkRefines(t *testing.T) {
	tests := []struct {
		name          string
		medians       []float64 // the server's answers in turn
		rounds        int
		wantSteps     int
		wantConverged bool
	}{
		{"agree at once", []float64{2, 2.3}, 3, 2, true},
		{"agree after a revision", []float64{2, 5, 5.4}, 3, 3, true},
		{"round cap", []float64{2, 5, 8}, 2, 2, false},
		{"single round", []float64{2}, 1, 1, false},
	}
	b := testBundle(t)
	snap := testSnapshot(t, b)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("TRADER_TEST_LLM_KEY", testKey)
			f := newFakeServer(t, func(n int, req openai.ChatCompletionRequest, w http.ResponseWriter) {
				writeChat(w, answerJSON(tt.medians[n-1]), 100, 20)
			})
			th, _ := newTestThinker(t, testConfig(f), b)
			got, err := th.Think(context.Background(), request(latentmodel.Return, snap, tt.rounds))
			require.NoError(t, err)
			require.NoError(t, got.Validate())
			assert.Equal(t, tt.wantSteps, got.Steps)
			assert.Len(t, got.Trace, tt.wantSteps)
			assert.Equal(t, tt.wantConverged, got.Converged)
			assert.Equal(t, thinker.Usage{PromptTokens: 100 * tt.wantSteps, CompletionTokens: 20 * tt.wantSteps, Requests: tt.wantSteps}, got.Usage)
			assert.Equal(t, 120, got.Trace[0].Tokens)
			assert.Equal(t, "llm:fake-model", got.Thinker)
			assert.Contains(t, got.Text, "Momentum is positive.\n- rsi14 is high")
			last := tt.medians[tt.wantSteps-1]
			assert.InDelta(t, toLog(latentmodel.Return, last), got.P50, 0.025, "the thought's median is the last answer's")
			assert.Equal(t, tt.wantSteps, f.count())

			first := f.request(0)
			require.NotNil(t, first.ResponseFormat)
			assert.Equal(t, openai.ChatCompletionResponseFormatTypeJSONSchema, first.ResponseFormat.Type)
			assert.Len(t, first.Messages, 2)
			assert.Equal(t, "Bearer "+testKey, f.headers[0].Get("Authorization"))
			if tt.wantSteps > 1 {
				second := f.request(1)
				require.Len(t, second.Messages, 4)
				assert.Equal(t, openai.ChatMessageRoleAssistant, second.Messages[2].Role)
				assert.Contains(t, second.Messages[3].Content, "Critique your previous answer")
			}
		})
	}
}

func TestThinkPrompt(t *testing.T) {
	b := testBundle(t)
	snap := testSnapshot(t, b)
	f := newFakeServer(t, func(n int, req openai.ChatCompletionRequest, w http.ResponseWriter) {
		writeChat(w, answerJSON(1), 10, 10)
	})
	cfg := testConfig(f)
	cfg.Organization = "org-7"
	cfg.Headers = map[string]string{"X-Relay-Route": "eu"}
	th, _ := newTestThinker(t, cfg, b, WithEvidence(thinker.NewLatent(b), 2))
	assert.Equal(t, "hybrid:fake-model", th.Name())
	req := request(latentmodel.Upside, snap, 1)
	req.Transcript = []thinker.Message{{Speaker: "bear", Question: latentmodel.Downside, Text: "The 200-day average is far below."}}
	_, err := th.Think(context.Background(), req)
	require.NoError(t, err)
	require.Equal(t, 1, f.count())
	sys, user := f.request(0).Messages[0].Content, f.request(0).Messages[1].Content
	assert.Contains(t, sys, "Bull researcher")
	assert.Contains(t, sys, "highest high over the next 5 trading days")
	assert.Contains(t, user, "Market snapshot of SYN as of "+snap.AsOf.Format("2006-01-02"))
	assert.Contains(t, user, "| rsi14 | Wilder RSI(14)")
	assert.Contains(t, user, "| t-4 |")
	assert.Contains(t, user, "- bear (downside question): The 200-day average is far below.")
	assert.Contains(t, user, "Evidence: the recurrent-depth model's forecast of the same target after 2 steps")
	assert.Equal(t, "org-7", f.headers[0].Get("OpenAI-Organization"))
	assert.Equal(t, "eu", f.headers[0].Get("X-Relay-Route"))
}

func TestFormatFallback(t *testing.T) {
	fenced := "Here is the forecast.\n```json\n" + answerJSON(1) + "\n```"
	tests := []struct {
		name     string
		rejected []openai.ChatCompletionResponseFormatType
		wantLast string // response format of the request that succeeded; "" for none
	}{
		{"schema", nil, "json_schema"},
		{"json mode", []openai.ChatCompletionResponseFormatType{"json_schema"}, "json_object"},
		{"text", []openai.ChatCompletionResponseFormatType{"json_schema", "json_object"}, ""},
	}
	b := testBundle(t)
	snap := testSnapshot(t, b)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, func(n int, req openai.ChatCompletionRequest, w http.ResponseWriter) {
				if req.ResponseFormat != nil {
					for _, r := range tt.rejected {
						if req.ResponseFormat.Type == r {
							writeError(w, http.StatusBadRequest, "response_format type "+string(r)+" is not supported")
							return
						}
					}
				}
				writeChat(w, fenced, 10, 10)
			})
			th, sl := newTestThinker(t, testConfig(f), b)
			for range 2 {
				_, err := th.Think(context.Background(), request(latentmodel.Return, snap, 1))
				require.NoError(t, err)
			}
			require.Equal(t, len(tt.rejected)+2, f.count(), "the fallback is remembered")
			last := f.request(f.count() - 1)
			if tt.wantLast == "" {
				assert.Nil(t, last.ResponseFormat)
			} else {
				require.NotNil(t, last.ResponseFormat)
				assert.Equal(t, tt.wantLast, string(last.ResponseFormat.Type))
			}
			assert.Empty(t, sl.waits, "a fallback does not back off")
		})
	}
}

func TestRepair(t *testing.T) {
	broken := `{"prob_above_zero": 0.6, "expected_pct": 1, "p10_pct": 3, "p50_pct": 2, "p90_pct": 4, "key_points": [], "rationale": "x"}`
	tests := []struct {
		name    string
		replies []string
		wantErr string
	}{
		{"repaired", []string{"{\"prob_above_zero\": 0.6,", answerJSON(2)}, ""},
		{"out of order twice", []string{broken, broken}, `percentiles out of order: p10_pct 3, p50_pct 2`},
		{"prose twice", []string{"It will rise.", "Up, surely."}, `no JSON object in the reply "Up, surely."`},
	}
	b := testBundle(t)
	snap := testSnapshot(t, b)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, func(n int, req openai.ChatCompletionRequest, w http.ResponseWriter) {
				writeChat(w, tt.replies[n-1], 10, 10)
			})
			th, _ := newTestThinker(t, testConfig(f), b)
			got, err := th.Think(context.Background(), request(latentmodel.Return, snap, 1))
			require.Equal(t, 2, f.count(), "one repair request")
			repair := f.request(1).Messages
			require.Len(t, repair, 4)
			assert.Equal(t, tt.replies[0], repair[2].Content)
			assert.Contains(t, repair[3].Content, "That reply cannot be used")
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, 40, got.Usage.Total(), "both requests count")
				return
			}
			require.ErrorIs(t, err, ErrInvalidAnswer)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Contains(t, err.Error(), "after a repair request")
		})
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name      string
		failures  []int  // statuses before success
		header    string // Retry-After of the failures
		wantWaits []time.Duration
	}{
		{"retry-after seconds", []int{429}, "7", []time.Duration{7 * time.Second}},
		{"retry-after below backoff", []int{429}, "0", []time.Duration{time.Second}},
		{"server errors", []int{500, 502, 503}, "", []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
		{"overloaded", []int{529}, "", []time.Duration{time.Second}},
	}
	b := testBundle(t)
	snap := testSnapshot(t, b)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, func(n int, req openai.ChatCompletionRequest, w http.ResponseWriter) {
				if n <= len(tt.failures) {
					if tt.header != "" {
						w.Header().Set("Retry-After", tt.header)
					}
					writeError(w, tt.failures[n-1], "try later")
					return
				}
				writeChat(w, answerJSON(1), 10, 10)
			})
			th, sl := newTestThinker(t, testConfig(f), b)
			_, err := th.Think(context.Background(), request(latentmodel.Return, snap, 1))
			require.NoError(t, err)
			assert.Equal(t, tt.wantWaits, sl.waits)
			st := th.Stats()
			assert.Equal(t, len(tt.failures), st.Retries)
			assert.Equal(t, len(tt.failures)+1, st.Requests)
		})
	}
}

func TestRetriesGiveUp(t *testing.T) {
	b := testBundle(t)
	snap := testSnapshot(t, b)
	f := newFakeServer(t, func(n int, req openai.ChatCompletionRequest, w http.ResponseWriter) {
		writeError(w, http.StatusServiceUnavailable, "overloaded")
	})
	cfg := testConfig(f)
	cfg.MaxRetries = 2
	th, sl := newTestThinker(t, cfg, b)
	_, err := th.Think(context.Background(), request(latentmodel.Return, snap, 1))
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.ErrorIs(t, err, ErrAPI)
	assert.Equal(t, 503, apiErr.Status)
	assert.Equal(t, 3, apiErr.Attempts)
	assert.Contains(t, err.Error(), "HTTP 503: overloaded (after 3 attempts)")
	assert.Len(t, sl.waits, 2)
}

func TestTimeout(t *testing.T) {
	b := testBundle(t)
	snap := testSnapshot(t, b)
	release := make(chan struct{})
	f := newFakeServer(t, func(n int, req openai.ChatCompletionRequest, w http.ResponseWriter) {
		if n <= 2 {
			<-release // hangs past the client's timeout
		}
		writeChat(w, answerJSON(1), 10, 10)
	})
	t.Cleanup(func() { close(release) })
	cfg := testConfig(f)
	cfg.Timeout = 50 * time.Millisecond
	cfg.MaxRetries = 1
	th, sl := newTestThinker(t, cfg, b)
	_, err := th.Think(context.Background(), request(latentmodel.Return, snap, 1))
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 0, apiErr.Status)
	assert.Equal(t, 2, apiErr.Attempts)
	assert.Contains(t, err.Error(), "no response: timed out after 50ms (after 2 attempts)")
	assert.Equal(t, []time.Duration{time.Second}, sl.waits, "a timeout is retried")
}

func TestNoRetry(t *testing.T) {
	tests := []struct {
		status int
		hint   string
	}{
		{http.StatusBadRequest, `check that model "fake-model" accepts chat completions`},
		{http.StatusUnauthorized, "set a valid key in the environment variable TRADER_TEST_LLM_KEY"},
		{http.StatusForbidden, `may not use model "fake-model"`},
		{http.StatusNotFound, `unknown model "fake-model" or wrong base URL`},
	}
	b := testBundle(t)
	snap := testSnapshot(t, b)
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			f := newFakeServer(t, func(n int, req openai.ChatCompletionRequest, w http.ResponseWriter) {
				writeError(w, tt.status, "refused")
			})
			th, sl := newTestThinker(t, testConfig(f), b)
			_, err := th.Think(context.Background(), request(latentmodel.Return, snap, 1))
			require.ErrorIs(t, err, ErrAPI)
			assert.Contains(t, err.Error(), tt.hint)
			assert.Contains(t, err.Error(), "(after 1 attempt)")
			assert.Equal(t, 1, f.count())
			assert.Empty(t, sl.waits)
		})
	}
}

func TestCancel(t *testing.T) {
	b := testBundle(t)
	snap := testSnapshot(t, b)
	f := newFakeServer(t, func(n int, req openai.ChatCompletionRequest, w http.ResponseWriter) {
		writeError(w, http.StatusTooManyRequests, "slow down")
	})
	th, err := New(testConfig(f), b)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	th.c.sleep = func(context.Context, time.Duration) error { cancel(); return ctx.Err() }
	_, err = th.Think(ctx, request(latentmodel.Return, snap, 1))
	assert.ErrorIs(t, err, context.Canceled)
}

func TestBudget(t *testing.T) {
	b := testBundle(t)
	snap := testSnapshot(t, b)
	f := newFakeServer(t, func(n int, req openai.ChatCompletionRequest, w http.ResponseWriter) {
		writeChat(w, answerJSON(float64(3*n)), 3000, 50) // answers never agree
	})
	cfg := testConfig(f)
	cfg.MaxTokens = 100
	cfg.TokenBudget = 7000
	th, _ := newTestThinker(t, cfg, b)
	first, err := th.Think(context.Background(), request(latentmodel.Upside, snap, 1))
	require.NoError(t, err)
	_, err = th.Think(context.Background(), request(latentmodel.Return, snap, 3))
	var be *BudgetError
	require.ErrorAs(t, err, &be)
	assert.ErrorIs(t, err, ErrBudgetExceeded)
	assert.Equal(t, 2, f.count(), "the request past the budget is not sent")
	assert.Equal(t, 6100, be.Stats.Usage.Total())
	require.Len(t, be.Finished, 2)
	assert.Equal(t, Call{Question: latentmodel.Upside, Iterations: 1, Requests: 1, Usage: first.Usage, Expected: first.Expected}, be.Finished[0])
	stopped := be.Finished[1]
	assert.Equal(t, latentmodel.Return, stopped.Question)
	assert.Equal(t, 1, stopped.Iterations)
	assert.True(t, stopped.Stopped)
	assert.Equal(t, 3050, stopped.Usage.Total())
	msg := err.Error()
	assert.Contains(t, msg, "llm token budget of 7000 would be exceeded: 6100 tokens used (6000 prompt, 100 completion) in 2 requests")
	assert.Contains(t, msg, "finished: upside (1 iterations, 3050 tokens")
	assert.Contains(t, msg, ", return (stopped after 1 iterations, 3050 tokens")
	assert.Contains(t, msg, "round 2")
}

func TestCache(t *testing.T) {
	b := testBundle(t)
	snap := testSnapshot(t, b)
	f := newFakeServer(t, func(n int, req openai.ChatCompletionRequest, w http.ResponseWriter) {
		writeChat(w, answerJSON(2+float64(n)/10), 100, 20)
	})
	cfg := testConfig(f)
	cfg.CacheDir = t.TempDir()
	run := func() (*thinker.Thought, Stats) {
		th, _ := newTestThinker(t, cfg, b)
		got, err := th.Think(context.Background(), request(latentmodel.Return, snap, 3))
		require.NoError(t, err)
		return got, th.Stats()
	}
	first, st := run()
	assert.Equal(t, 2, f.count())
	assert.Equal(t, 0, st.CacheHits)
	second, st := run()
	assert.Equal(t, 2, f.count(), "a rerun sends no request")
	assert.Equal(t, Stats{CacheHits: 2}, st)
	assert.Equal(t, first.Probs, second.Probs)
	assert.Equal(t, first.Text, second.Text)
	assert.Zero(t, second.Usage.Total(), "cached answers cost nothing")

	// Another model or question misses the cache.
	cfg.Model = "other-model"
	other, _ := newTestThinker(t, cfg, b)
	_, err := other.Think(context.Background(), request(latentmodel.Return, snap, 1))
	require.NoError(t, err)
	assert.Equal(t, 3, f.count())
}

func TestConfig(t *testing.T) {
	valid := DefaultConfig("http://127.0.0.1:11434/v1", "llama3.1")
	require.NoError(t, valid.Validate())
	tests := []struct {
		name    string
		change  func(*Config)
		wantErr string
	}{
		{"no url", func(c *Config) { c.BaseURL = "" }, "base URL is empty"},
		{"bad scheme", func(c *Config) { c.BaseURL = "ftp://host/v1" }, "not an http or https URL"},
		{"credentials", func(c *Config) { c.BaseURL = "http://user:pw@host/v1" }, "must not carry credentials"},
		{"no model", func(c *Config) { c.Model = " " }, "model is empty"},
		{"timeout", func(c *Config) { c.Timeout = 0 }, "timeout 0s must be positive"},
		{"concurrency", func(c *Config) { c.MaxConcurrent = 0 }, "max concurrent requests 0"},
		{"budget", func(c *Config) { c.TokenBudget = -1 }, "token budget -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid
			tt.change(&c)
			err := c.Validate()
			require.ErrorIs(t, err, ErrInvalidConfig)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestConfigStringHidesKey(t *testing.T) {
	t.Setenv("TRADER_TEST_LLM_KEY", testKey)
	cfg := DefaultConfig("http://127.0.0.1:1/v1", "m")
	cfg.APIKeyEnv = "TRADER_TEST_LLM_KEY"
	cfg.Headers = map[string]string{"X-Relay-Token": "relay-secret"}
	for _, s := range []string{cfg.String(), cfg.GoString()} {
		assert.Contains(t, s, "APIKeyEnv: TRADER_TEST_LLM_KEY (set)")
		assert.Contains(t, s, "X-Relay-Token=***")
		assert.NotContains(t, s, testKey)
		assert.NotContains(t, s, "relay-secret")
	}
	assert.True(t, strings.HasPrefix(cfg.String(), "llm.Config{"))
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 3, 28, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{"0.5", 500 * time.Millisecond},
		{"-1", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, parseRetryAfter(tt.in, now), tt.in)
	}
}
