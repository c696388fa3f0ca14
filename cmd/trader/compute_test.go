package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/manager"
)

func debateDocument(t *testing.T, args ...string) manager.Document {
	t.Helper()
	res := mustRunTrader(t, append(append([]string{"debate"}, args...), "--format", "json")...)
	var doc manager.Document
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &doc))
	return doc
}

func TestDebateStepsAuto(t *testing.T) {
	data := sharedDataDir(t)
	doc := debateDocument(t, "AAPL", "--data", data, "--as-of", "2024-03-28", "--steps", "auto")

	require.NotNil(t, doc.Compute)
	assert.Equal(t, "rv20", doc.Compute.Feature)
	assert.InDelta(t, 0.5, doc.Compute.Percentile, 0.5)
	require.Len(t, doc.Compute.Agents, 3)
	assert.Equal(t, "auto", doc.Settings.Compute)
	assert.Equal(t, "kl:0.0005", doc.Settings.Exit)
	assert.Equal(t, 32, doc.Settings.Steps, "settings.steps is the largest budget")
	for i, turn := range doc.Turns {
		budget := doc.Compute.Budget(turn.Agent)
		assert.Equal(t, budget, turn.Budget, "turn %d", i+1)
		assert.GreaterOrEqual(t, turn.Budget, 8, "turn %d", i+1)
		assert.LessOrEqual(t, turn.Budget, 32, "turn %d", i+1)
		assert.LessOrEqual(t, turn.Steps, turn.Budget, "turn %d", i+1)
		assert.GreaterOrEqual(t, turn.Steps, 2, "turn %d", i+1)
		if turn.Steps < turn.Budget {
			assert.Equal(t, "kl", turn.ExitReason, "turn %d", i+1)
		} else {
			assert.Contains(t, []string{"kl", "max_steps"}, turn.ExitReason, "turn %d", i+1)
		}
	}
}

func TestDebateExitFlag(t *testing.T) {
	data := syntheticDir(t, "SYN")
	tests := []struct {
		name   string
		args   []string
		steps  int
		reason string
	}{
		{"fixed", nil, 6, "fixed"},
		{"kl fires at once", []string{"--exit", "kl:10"}, 2, "kl"},
		{"kl waits for min", []string{"--exit", "kl:10,min:4"}, 4, "kl"},
		{"kl never fires", []string{"--exit", "kl:1e-300"}, 6, "max_steps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := debateDocument(t, append([]string{"SYN", "--data", data, "--steps", "6", "--rounds", "1"}, tt.args...)...)
			assert.Nil(t, doc.Compute)
			for i, turn := range doc.Turns {
				assert.Equal(t, 6, turn.Budget, "turn %d", i+1)
				assert.Equal(t, tt.steps, turn.Steps, "turn %d", i+1)
				assert.Equal(t, tt.reason, turn.ExitReason, "turn %d", i+1)
			}
		})
	}
}

func TestDebateComputeConfig(t *testing.T) {
	data := syntheticDir(t, "SYN")
	config := writeFile(t, "trader.yaml", []byte("compute:\n  policy: auto\n  min_steps: 5\n  max_steps: 5\n  exit: kl:10\n  exit_trader: fixed\n"))
	doc := debateDocument(t, "SYN", "--data", data, "--rounds", "1", "--config", config)
	require.NotNil(t, doc.Compute)
	require.NotEmpty(t, doc.Turns)
	for i, turn := range doc.Turns {
		assert.Equal(t, 5, turn.Budget, "turn %d", i+1)
		if turn.Agent == "trader" {
			assert.Equal(t, "fixed", turn.ExitReason)
			assert.Equal(t, 5, turn.Steps)
		} else {
			assert.Equal(t, "kl", turn.ExitReason, "turn %d", i+1)
			assert.Equal(t, 2, turn.Steps, "turn %d", i+1)
		}
	}
	assert.Equal(t, "bull=kl:10 bear=kl:10 trader=fixed", doc.Settings.Exit)

	// --steps N overrides the policy of the config file.
	doc = debateDocument(t, "SYN", "--data", data, "--rounds", "1", "--config", config, "--steps", "3")
	assert.Nil(t, doc.Compute)
	assert.Equal(t, 3, doc.Turns[0].Budget)
}

func TestDebateComputeErrors(t *testing.T) {
	data := syntheticDir(t, "SYN")
	badPolicy := writeFile(t, "policy.yaml", []byte("compute:\n  policy: sometimes\n"))
	badRange := writeFile(t, "range.yaml", []byte("compute:\n  min_steps: 9\n  max_steps: 4\n"))
	badAgent := writeFile(t, "agent.yaml", []byte("compute:\n  exit_bear: entropy:1\n"))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"steps word", []string{"--steps", "lots"}, "invalid --steps"},
		{"exit", []string{"--exit", "kl"}, "--exit"},
		{"policy", []string{"--config", badPolicy}, "compute policy"},
		{"range", []string{"--config", badRange, "--steps", "auto"}, "max steps 4"},
		{"agent exit", []string{"--config", badAgent}, "compute.exit_bear"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runTrader(t, append([]string{"debate", "SYN", "--data", data}, tt.args...)...)
			require.Error(t, res.Err)
			assert.Contains(t, res.Err.Error(), tt.want)
		})
	}
}
