package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/marketdata"
	"github.com/traderlab/trader/thinker"
)

// testKey is the API key the tests put in the environment and then look for everywhere.
const testKey = "sk-test-4f9a1c0e7b2d4e6f8a0b1c2d3e4f5a6b"

// testBundle returns an untrained tiny model with unit statistics and 8 bins over ±10%.
func testBundle(t testing.TB) *latentmodel.Bundle {
	t.Helper()
	cfg := latentmodel.Config{
		Features: marketdata.NumFeatures, Width: 16, Heads: 2, MLPHidden: 32,
		PreludeBlocks: 1, CoreBlocks: 1, CodaBlocks: 1, Window: 16, Bins: 8,
		MeanSteps: 4, BackpropSteps: 2, RopeBase: 10000,
	}
	model, err := latentmodel.New(cfg, 3)
	require.NoError(t, err)
	b := &latentmodel.Bundle{
		Model:        model,
		FeatureNames: append([]string(nil), marketdata.FeatureNames[:]...),
		FeatureMean:  make([]float64, cfg.Features),
		FeatureStd:   make([]float64, cfg.Features),
		Horizon:      5,
		Name:         "tiny",
		SHA256:       "feed",
	}
	for j := range b.FeatureStd {
		b.FeatureStd[j] = 0.01
	}
	for q := range b.BinEdges {
		edges := make([]float64, cfg.Bins+1)
		for k := range edges {
			edges[k] = -0.1 + 0.2*float64(k)/float64(cfg.Bins)
		}
		b.BinEdges[q] = edges
	}
	return b
}

// testSnapshot returns the snapshot of a seeded random walk for b.
func testSnapshot(t testing.TB, b *latentmodel.Bundle) *thinker.Snapshot {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 11))
	var bars []marketdata.Bar
	d := time.Date(2015, 1, 5, 0, 0, 0, 0, time.UTC)
	c := 100.0
	for len(bars) < 300 {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			open := c * math.Exp(0.004*rng.NormFloat64())
			c = open * math.Exp(0.012*rng.NormFloat64())
			high := math.Max(open, c) * math.Exp(0.006*math.Abs(rng.NormFloat64()))
			low := math.Min(open, c) * math.Exp(-0.006*math.Abs(rng.NormFloat64()))
			bars = append(bars, marketdata.Bar{Date: d, Open: open, High: high, Low: low, Close: c, Volume: 1e6 * math.Exp(0.3*rng.NormFloat64())})
		}
		d = d.AddDate(0, 0, 1)
	}
	s := &marketdata.Series{Symbol: "SYN", Bars: bars}
	v, err := s.AsOf(bars[len(bars)-1].Date)
	require.NoError(t, err)
	snap, err := thinker.NewSnapshot(v, b)
	require.NoError(t, err)
	return snap
}

// answerJSON returns a valid answer with median p50 (percent) as JSON.
func answerJSON(p50 float64) string {
	lo, hi := zeroCDFRange(Answer{P10Pct: p50 - 3, P50Pct: p50, P90Pct: p50 + 3})
	prob := math.Round(100*(1-(lo+hi)/2)) / 100
	return fmt.Sprintf(`{"prob_above_zero": %g, "expected_pct": %g, "p10_pct": %g, "p50_pct": %g, "p90_pct": %g, "key_points": ["rsi14 is high"], "rationale": "Momentum is positive.", "critique": ""}`,
		prob, p50, p50-3, p50, p50+3)
}

// fakeServer speaks the Chat Completions wire format. Each request goes to reply with its
// 1-based number; reply writes the response.
type fakeServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []openai.ChatCompletionRequest
	headers  []http.Header
	reply    func(n int, req openai.ChatCompletionRequest, w http.ResponseWriter)
}

func newFakeServer(t testing.TB, reply func(n int, req openai.ChatCompletionRequest, w http.ResponseWriter)) *fakeServer {
	t.Helper()
	f := &fakeServer{reply: reply}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" || r.Method != http.MethodPost {
			writeError(w, http.StatusNotFound, "no route "+r.URL.Path)
			return
		}
		var req openai.ChatCompletionRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		f.mu.Lock()
		f.requests = append(f.requests, req)
		f.headers = append(f.headers, r.Header.Clone())
		n := len(f.requests)
		f.mu.Unlock()
		f.reply(n, req, w)
	}))
	t.Cleanup(f.Close)
	return f
}

// count returns the number of requests received.
func (f *fakeServer) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

// request returns the i-th request (0-based).
func (f *fakeServer) request(i int) openai.ChatCompletionRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[i]
}

// writeChat writes a successful completion with content and usage.
func writeChat(w http.ResponseWriter, content string, prompt, completion int) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "fake",
		"choices": []map[string]any{{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": content}}},
		"usage":   map[string]any{"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
	})
}

// writeError writes an OpenAI-style error body.
func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "invalid_request_error"}})
}

// testConfig returns a config for the fake server with a short timeout and no cache.
func testConfig(f *fakeServer) Config {
	cfg := DefaultConfig(f.URL+"/v1", "fake-model")
	cfg.APIKeyEnv = "TRADER_TEST_LLM_KEY"
	cfg.Timeout = 2 * time.Second
	return cfg
}

// sleeps records the waits of a thinker's backoff instead of sleeping.
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return ctx.Err()
}

// newTestThinker builds a thinker for cfg whose backoff records its waits, with jitter 1.
func newTestThinker(t testing.TB, cfg Config, b *latentmodel.Bundle, opts ...Option) (*Thinker, *sleeps) {
	t.Helper()
	th, err := New(cfg, b, opts...)
	require.NoError(t, err)
	s := &sleeps{}
	th.c.sleep = s.sleep
	th.c.jitter = func() float64 { return 1 }
	return th, s
}

// request returns a request for q about snap with the given rounds.
func request(q thinker.Question, snap *thinker.Snapshot, rounds int) thinker.Request {
	return thinker.Request{Question: q, Snapshot: snap, Steps: rounds, Seed: 1}
}
