package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	openai "github.com/sashabaranov/go-openai"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/agents"
	"github.com/traderlab/trader/debate"
)

// debateServer answers every role with a valid forecast whose rationale names the role, so a
// test can follow each side's text into the other side's prompts.
func debateServer(t *testing.T) *fakeServer {
	return newFakeServer(t, func(n int, req openai.ChatCompletionRequest, w http.ResponseWriter) {
		mark := "TRADER-SAYS"
		switch sys := req.Messages[0].Content; {
		case strings.Contains(sys, "Bull researcher"):
			mark = "BULL-SAYS"
		case strings.Contains(sys, "Bear researcher"):
			mark = "BEAR-SAYS"
		}
		a := strings.Replace(answerJSON(2), "Momentum is positive.", fmt.Sprintf("%s reason %d.", mark, n), 1)
		writeChat(w, a, 200, 40)
	})
}

// requestsOf returns the user prompts of the requests whose system prompt contains role.
func requestsOf(f *fakeServer, role string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.requests {
		if strings.Contains(r.Messages[0].Content, role) && len(r.Messages) == 2 {
			out = append(out, r.Messages[1].Content)
		}
	}
	return out
}

func TestDebateTextsReachEachOther(t *testing.T) {
	b := testBundle(t)
	snap := testSnapshot(t, b)
	f := debateServer(t)
	th, _ := newTestThinker(t, testConfig(f), b)
	cfg := debate.DefaultConfig()
	cfg.Rounds, cfg.Tolerance, cfg.Steps = 2, 0, 2
	co, err := debate.NewCoordinator(cfg, agents.NewBull(th), agents.NewBear(th))
	require.NoError(t, err)
	tr, err := co.Run(context.Background(), snap, 1)
	require.NoError(t, err)
	require.Len(t, tr.Turns, 4)

	bull, bear := requestsOf(f, "Bull researcher"), requestsOf(f, "Bear researcher")
	require.Len(t, bull, 2, "one draft per bull turn")
	require.Len(t, bear, 2)
	assert.NotContains(t, bull[0], "debate so far", "the first speaker has no transcript")
	// The bear reads the bull's argument and the bull's model rationale.
	assert.Contains(t, bear[0], "- bull (upside question): "+tr.Turns[0].Argument)
	assert.Contains(t, bear[0], "BULL-SAYS")
	// In round 2 the bull reads the bear's.
	assert.Contains(t, bull[1], "- bear (downside question): "+tr.Turns[1].Argument)
	assert.Contains(t, bull[1], "BEAR-SAYS")
	for _, turn := range tr.Turns {
		assert.Positive(t, turn.Thought.Usage.Total())
		assert.True(t, strings.HasPrefix(turn.Thought.Text, map[string]string{"bull": "BULL-SAYS", "bear": "BEAR-SAYS"}[turn.Agent]))
	}
}

func TestKeyNeverWritten(t *testing.T) {
	t.Setenv("TRADER_TEST_LLM_KEY", testKey)
	b := testBundle(t)
	snap := testSnapshot(t, b)
	f := debateServer(t)
	cfg := testConfig(f)
	cfg.CacheDir = t.TempDir()
	var logs bytes.Buffer
	ctx := zerolog.New(&logs).Level(zerolog.DebugLevel).WithContext(context.Background())
	th, _ := newTestThinker(t, cfg, b)
	zerolog.Ctx(ctx).Info().Stringer("config", cfg).Msg("llm thinker")
	co, err := debate.NewCoordinator(debate.DefaultConfig(), agents.NewBull(th), agents.NewBear(th))
	require.NoError(t, err)
	tr, err := co.Run(ctx, snap, 1)
	require.NoError(t, err)
	require.Equal(t, "Bearer "+testKey, f.headers[0].Get("Authorization"), "the key is sent")

	// A refused key: its error and its logs.
	rejecting := newFakeServer(t, func(n int, req openai.ChatCompletionRequest, w http.ResponseWriter) {
		writeError(w, http.StatusUnauthorized, "Incorrect API key provided: "+testKey+" or "+testKey[:10]+"****"+testKey[30:])
	})
	bad, _ := newTestThinker(t, testConfig(rejecting), b)
	_, thinkErr := bad.Think(ctx, request(0, snap, 1))
	require.Error(t, thinkErr)
	assert.Contains(t, thinkErr.Error(), "Incorrect API key provided: [redacted] or sk-[redacted]")

	var written bytes.Buffer
	written.Write(logs.Bytes())
	written.WriteString(thinkErr.Error())
	var apiErr *APIError
	require.ErrorAs(t, thinkErr, &apiErr)
	written.WriteString(apiErr.Err.Error())
	fmt.Fprintf(&written, "%v %+v %#v %s", cfg, cfg, cfg, cfg)
	doc, err := json.Marshal(tr)
	require.NoError(t, err)
	written.Write(doc)
	files, err := filepath.Glob(filepath.Join(cfg.CacheDir, "*"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, p := range files {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		written.Write(data)
	}
	require.Contains(t, written.String(), "BULL-SAYS", "the checked text holds the run's output")
	assert.NotContains(t, written.String(), testKey)
	assert.NotContains(t, written.String(), testKey[8:20], "no part of the key either")
}
