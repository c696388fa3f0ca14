//go:build live

package llm

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/latentmodel"
)

// TestLive asks a real server, named by TRADER_LLM_LIVE_BASE_URL and TRADER_LLM_LIVE_MODEL, one
// question with two refinement rounds. It runs only with `go test -tags live`, and skips when the
// variables are unset. The key comes from OPENAI_API_KEY, or from the variable named by
// TRADER_LLM_LIVE_KEY_ENV.
func TestLive(t *testing.T) {
	base, model := os.Getenv("TRADER_LLM_LIVE_BASE_URL"), os.Getenv("TRADER_LLM_LIVE_MODEL")
	if base == "" || model == "" {
		t.Skip("set TRADER_LLM_LIVE_BASE_URL and TRADER_LLM_LIVE_MODEL to run the live test")
	}
	cfg := DefaultConfig(base, model)
	if env := os.Getenv("TRADER_LLM_LIVE_KEY_ENV"); env != "" {
		cfg.APIKeyEnv = env
	}
	cfg.TokenBudget = 20000
	b := testBundle(t)
	th, err := New(cfg, b)
	require.NoError(t, err)
	got, err := th.Think(context.Background(), request(latentmodel.Return, testSnapshot(t, b), 2))
	require.NoError(t, err)
	require.NoError(t, got.Validate())
	assert.NotEmpty(t, got.Text)
	assert.Positive(t, th.Stats().Requests)
	t.Logf("%d rounds, converged %v, expected %+.4f, %d tokens", got.Steps, got.Converged, got.Expected, got.Usage.Total())
}
