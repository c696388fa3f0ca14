package strategy

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/manager"
	"github.com/traderlab/trader/marketdata"
)

func smallAgents(t *testing.T) *Agents {
	t.Helper()
	bundle, err := latentmodel.Default()
	require.NoError(t, err)
	a := NewAgents(bundle)
	a.Steps, a.Rounds = 2, 1
	return a
}

func TestAgentsMatchesManager(t *testing.T) {
	a := smallAgents(t)
	series := loadAdjusted(t, "AAPL")
	view, err := series.AsOf(date(t, "2024-03-28"))
	require.NoError(t, err)
	got, err := a.Decide(context.Background(), view)
	require.NoError(t, err)

	report, err := a.manager().Run(context.Background(), view, a.Bundle)
	require.NoError(t, err)
	assert.Equal(t, report.Decision.Position, got)
}

func TestAgentsCacheReused(t *testing.T) {
	a := smallAgents(t)
	a.Cache = NewCache(t.TempDir())
	series := loadAdjusted(t, "AAPL")
	view, err := series.AsOf(date(t, "2024-03-28"))
	require.NoError(t, err)
	first, err := a.Decide(context.Background(), view)
	require.NoError(t, err)

	key, err := a.ConfigKey()
	require.NoError(t, err)
	path := filepath.Join(a.Cache.Dir, key, "AAPL.json")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var entries map[string]manager.Decision
	require.NoError(t, json.Unmarshal(data, &entries))
	require.Contains(t, entries, "2024-03-28")
	assert.Equal(t, first, entries["2024-03-28"].Position)

	// A planted value proves that a second run, in a new process, reads the file instead of
	// thinking again.
	entries["2024-03-28"] = manager.Decision{Action: manager.Buy, Position: 0.123}
	data, err = json.Marshal(entries)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	b := smallAgents(t)
	b.Cache = NewCache(a.Cache.Dir)
	got, err := b.Decide(context.Background(), view)
	require.NoError(t, err)
	assert.Equal(t, 0.123, got)
}

func TestAgentsConfigKey(t *testing.T) {
	base := smallAgents(t)
	baseKey, err := base.ConfigKey()
	require.NoError(t, err)
	tests := []struct {
		name   string
		change func(a *Agents)
	}{
		{"steps", func(a *Agents) { a.Steps = 3 }},
		{"rounds", func(a *Agents) { a.Rounds = 2 }},
		{"handoff", func(a *Agents) { a.Handoff = !a.Handoff }},
		{"seed", func(a *Agents) { a.Seed = 7 }},
		{"model", func(a *Agents) {
			b := *a.Bundle
			b.SHA256 = "0000"
			a.Bundle = &b
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := smallAgents(t)
			tt.change(a)
			key, err := a.ConfigKey()
			require.NoError(t, err)
			assert.NotEqual(t, baseKey, key)
		})
	}
	again, err := smallAgents(t).ConfigKey()
	require.NoError(t, err)
	assert.Equal(t, baseKey, again)
}

func TestCacheCorruptFile(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "k"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "k", "AAPL.json"), []byte("{"), 0o600))
	_, _, err := NewCache(dir).Get("k", "AAPL", date(t, "2024-01-02"))
	assert.ErrorContains(t, err, "delete it to recompute")
}

func TestAgentsWithoutBundle(t *testing.T) {
	_, err := (&Agents{}).Decide(context.Background(), marketdata.View{})
	assert.ErrorIs(t, err, ErrNoBundle)
}

func TestAgentsConfigKeyIgnoresWeightsName(t *testing.T) {
	a := smallAgents(t)
	renamed := *a.Bundle
	renamed.Name = "copy.safetensors"
	b := smallAgents(t)
	b.Bundle = &renamed
	keyA, err := a.ConfigKey()
	require.NoError(t, err)
	keyB, err := b.ConfigKey()
	require.NoError(t, err)
	assert.Equal(t, keyA, keyB)
}
