package manager

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/traderlab/trader/internal/shareddata"
	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/marketdata"
	"github.com/traderlab/trader/thinker"
)

// testdata/debate-aapl-2024-03-28.json is the output of
// `trader debate AAPL --data ../shared/data --as-of 2024-03-28 --format json` without its
// timings. It was first written by the manager before it ran on the graph package, which
// reproduced it exactly; regenerate it with that command when the embedded weights change.
const debateGolden = "testdata/debate-aapl-2024-03-28.json"

// TestGoldenDebate runs the manager with the CLI's settings (32 steps, 2 rounds, hand-off,
// seed 1) and compares the JSON with the golden file.
func TestGoldenDebate(t *testing.T) {
	dir := shareddata.SharedDataDir(t)
	bundle, err := latentmodel.Default()
	require.NoError(t, err)
	series, err := marketdata.CSVDir{Dir: dir}.Load(t.Context(), "AAPL")
	require.NoError(t, err)
	date, err := marketdata.ParseDate("2024-03-28")
	require.NoError(t, err)
	view, err := series.Adjusted().AsOf(date)
	require.NoError(t, err)

	m := New(thinker.NewLatent(bundle))
	m.Steps = 32
	report, err := m.Run(t.Context(), view, bundle)
	require.NoError(t, err)
	got, err := json.Marshal(report)
	require.NoError(t, err)

	want, err := os.ReadFile(debateGolden)
	require.NoError(t, err)
	assert.Equal(t, decodeWithoutTimings(t, want), decodeWithoutTimings(t, got))
}

func decodeWithoutTimings(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	delete(doc, "timings_ms")
	return doc
}
