package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/manager"
)

// Fields that docs/output-json.md requires, by object.
var (
	documentFields = []string{"schema_version", "ticker", "as_of", "horizon_bars", "decision", "settings", "debate", "turns", "model", "timings_ms"}
	decisionFields = []string{"action", "position", "confidence", "edge", "risk"}
	settingsFields = []string{"thinker", "steps", "rounds", "handoff", "tolerance", "seed"}
	debateFields   = []string{"rounds_played", "stop_reason", "round_changes"}
	turnFields     = []string{"agent", "question", "round", "steps", "converged", "warm_start", "probabilities", "bin_edges", "expected", "std_dev", "quantiles", "p_up", "argument"}
	modelFields    = []string{"name", "parameters", "sha256"}
	timingFields   = []string{"snapshot", "debate", "trader", "total"}
)

func TestDebateJSONContract(t *testing.T) {
	data := sharedDataDir(t)
	res := mustRunTrader(t, "debate", "AAPL", "--data", data, "--as-of", "2024-03-28", "--format", "json")

	raw := decodeObject(t, res.Stdout)
	assertFields(t, "document", raw, documentFields)
	assertFields(t, "decision", raw["decision"], decisionFields)
	assertFields(t, "settings", raw["settings"], settingsFields)
	assertFields(t, "debate", raw["debate"], debateFields)
	assertFields(t, "model", raw["model"], modelFields)
	assertFields(t, "timings_ms", raw["timings_ms"], timingFields)
	turns, ok := raw["turns"].([]any)
	require.True(t, ok, "turns is %T, expected an array", raw["turns"])
	for i, turn := range turns {
		assertFields(t, fmt.Sprintf("turn %d", i+1), turn, turnFields)
	}

	var doc manager.Document
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &doc))
	assert.Equal(t, "1", doc.SchemaVersion)
	assert.Equal(t, "AAPL", doc.Ticker)
	// AAPL.csv runs past 2024-03-28, so this checks that --as-of cut it.
	assert.Equal(t, "2024-03-28", doc.AsOf)
	assert.Positive(t, doc.HorizonBars)

	checkDecision(t, doc)
	checkDebate(t, doc)
	for i, turn := range doc.Turns {
		checkTurn(t, i, turn, doc.Settings)
	}

	weights, err := os.ReadFile(embeddedWeightsPath)
	require.NoError(t, err)
	sum := sha256.Sum256(weights)
	assert.Equal(t, "embedded", doc.Model.Name)
	assert.Positive(t, doc.Model.Parameters)
	assert.Equal(t, hex.EncodeToString(sum[:]), doc.Model.SHA256)

	for phase, ms := range doc.TimingsMS {
		assert.GreaterOrEqual(t, ms, 0.0, "timings_ms.%s", phase)
	}
	assert.GreaterOrEqual(t, doc.TimingsMS["total"], doc.TimingsMS["debate"])
}

// assertFields checks that obj, called label in messages, is a JSON object with every field in names.
func assertFields(t *testing.T, label string, obj any, names []string) {
	t.Helper()
	m, ok := obj.(map[string]any)
	if !assert.True(t, ok, "%s is %T, expected an object", label, obj) {
		return
	}
	for _, name := range names {
		assert.Contains(t, m, name, "%s has no field %q", label, name)
	}
}

func checkDecision(t *testing.T, doc manager.Document) {
	t.Helper()
	d := doc.Decision
	assert.Contains(t, []string{"BUY", "SELL", "HOLD"}, string(d.Action))
	assert.GreaterOrEqual(t, d.Position, -1.0)
	assert.LessOrEqual(t, d.Position, 1.0)
	assert.GreaterOrEqual(t, d.Confidence, 0.0)
	assert.LessOrEqual(t, d.Confidence, 1.0)
	switch d.Action {
	case "BUY":
		assert.Positive(t, d.Position, "BUY needs a positive position")
	case "SELL":
		assert.Negative(t, d.Position, "SELL needs a negative position")
	case "HOLD":
		assert.Zero(t, d.Position, "HOLD needs position 0")
	}

	// The edge is the trader's expected return, and the risk is the mean of the last bull's
	// and bear's expected moves unless the rule's floor lifts it.
	require.NotEmpty(t, doc.Turns)
	last := doc.Turns[len(doc.Turns)-1]
	require.Equal(t, "trader", last.Agent)
	assert.InDelta(t, last.Expected, d.Edge, 1e-12)
	var upside, downside float64
	for _, turn := range doc.Turns {
		switch turn.Agent {
		case "bull":
			upside = turn.Expected
		case "bear":
			downside = turn.Expected
		}
	}
	assert.Positive(t, d.Risk)
	assert.GreaterOrEqual(t, d.Risk, (upside+downside)/2-1e-12)
}

func checkDebate(t *testing.T, doc manager.Document) {
	t.Helper()
	s, d := doc.Settings, doc.Debate
	assert.Equal(t, "latent:embedded", s.Thinker)
	assert.Equal(t, 32, s.Steps, "default --steps")
	assert.Equal(t, 2, s.Rounds, "default --rounds")
	assert.True(t, s.Handoff, "default --handoff")
	assert.Equal(t, uint64(1), s.Seed, "default --seed")

	assert.GreaterOrEqual(t, d.RoundsPlayed, 1)
	assert.LessOrEqual(t, d.RoundsPlayed, s.Rounds)
	assert.Contains(t, []string{"rounds", "converged"}, d.StopReason)
	if d.StopReason == "rounds" {
		assert.Equal(t, s.Rounds, d.RoundsPlayed)
	}
	assert.Len(t, d.RoundChanges, d.RoundsPlayed-1)

	// Speaking order: bull and bear once per round, then the trader.
	require.Len(t, doc.Turns, 2*d.RoundsPlayed+1)
	for i, turn := range doc.Turns {
		want := []string{"bull", "upside"}
		round := i/2 + 1
		switch {
		case i == len(doc.Turns)-1:
			want, round = []string{"trader", "return"}, 0
		case i%2 == 1:
			want = []string{"bear", "downside"}
		}
		assert.Equal(t, want, []string{turn.Agent, turn.Question}, "turn %d", i+1)
		assert.Equal(t, round, turn.Round, "turn %d", i+1)
		// With hand-off on, every turn after the first starts from the previous state.
		assert.Equal(t, i > 0, turn.WarmStart, "turn %d warm_start", i+1)
	}
}

func checkTurn(t *testing.T, i int, turn manager.DocumentTurn, s manager.Settings) {
	t.Helper()
	probs, edges := turn.Probabilities, turn.BinEdges
	assert.GreaterOrEqual(t, turn.Steps, 1, "turn %d steps", i+1)
	assert.LessOrEqual(t, turn.Steps, s.Steps, "turn %d steps", i+1)
	require.NotEmpty(t, probs, "turn %d probabilities", i+1)
	require.Len(t, edges, len(probs)+1, "turn %d bin_edges", i+1)

	var total, expected float64
	for k, p := range probs {
		assert.GreaterOrEqual(t, p, 0.0, "turn %d probability %d", i+1, k)
		total += p
		expected += p * (edges[k] + edges[k+1]) / 2
	}
	assert.InDelta(t, 1.0, total, 1e-9, "turn %d probabilities sum", i+1)
	for k := 1; k < len(edges); k++ {
		assert.Greater(t, edges[k], edges[k-1], "turn %d bin_edges at %d", i+1, k)
	}
	assert.InDelta(t, expected, turn.Expected, 1e-9, "turn %d expected", i+1)

	lo, hi := edges[0], edges[len(edges)-1]
	q := turn.Quantiles
	assert.LessOrEqual(t, lo, q.P10, "turn %d p10", i+1)
	assert.LessOrEqual(t, q.P10, q.P50, "turn %d p10 <= p50", i+1)
	assert.LessOrEqual(t, q.P50, q.P90, "turn %d p50 <= p90", i+1)
	assert.LessOrEqual(t, q.P90, hi, "turn %d p90", i+1)
	assert.GreaterOrEqual(t, turn.StdDev, 0.0, "turn %d std_dev", i+1)
	assert.GreaterOrEqual(t, turn.PUp, 0.0, "turn %d p_up", i+1)
	assert.LessOrEqual(t, turn.PUp, 1.0, "turn %d p_up", i+1)
	assert.False(t, math.IsNaN(turn.Expected), "turn %d expected", i+1)
	assert.NotEmpty(t, strings.TrimSpace(turn.Argument), "turn %d argument", i+1)
}

func TestDebateReadableFormats(t *testing.T) {
	data := sharedDataDir(t)
	args := []string{"debate", "AAPL", "--data", data, "--as-of", "2024-03-28", "--steps", "4", "--rounds", "1"}
	doc := debateJSON(t, args[1:]...)
	action, ok := doc["decision"].(map[string]any)["action"].(string)
	require.True(t, ok)

	tests := []struct {
		format string
		want   []string
	}{
		{"text", []string{"AAPL", "2024-03-28", action}},
		{"markdown", []string{"# AAPL", "2024-03-28", action, "| bull |", "| trader |"}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			res := mustRunTrader(t, append(args, "--format", tt.format)...)
			for _, want := range tt.want {
				assert.Contains(t, res.Stdout, want)
			}
			assert.False(t, json.Valid([]byte(res.Stdout)), "%s output is JSON", tt.format)
		})
	}
}

func TestDebateSameSeedSameReport(t *testing.T) {
	data := sharedDataDir(t)
	args := []string{"AAPL", "--data", data, "--as-of", "2024-03-28", "--steps", "4", "--rounds", "1"}

	first := debateJSON(t, append(args, "--seed", "7")...)
	second := debateJSON(t, append(args, "--seed", "7")...)
	assert.Equal(t, withoutTimings(first), withoutTimings(second))

	// Another seed starts every turn from other random states. A model whose recurrence
	// contracts to one fixed point may still give the same numbers, so only the seed is
	// checked here.
	other := debateJSON(t, append(args, "--seed", "8")...)
	assert.Equal(t, 8.0, other["settings"].(map[string]any)["seed"])
	assert.Equal(t, first["as_of"], other["as_of"])
	if slices.EqualFunc(first["turns"].([]any), other["turns"].([]any), func(a, b any) bool { return assert.ObjectsAreEqual(a, b) }) {
		t.Log("seeds 7 and 8 gave the same turns")
	}
}

func TestDebateHandoffOff(t *testing.T) {
	data := syntheticDir(t, "SYN")
	doc := debateJSON(t, "SYN", "--data", data, "--steps", "4", "--rounds", "2", "--handoff=false")

	assert.Equal(t, false, doc["settings"].(map[string]any)["handoff"])
	turns := doc["turns"].([]any)
	require.NotEmpty(t, turns)
	for i, turn := range turns {
		assert.Equal(t, false, turn.(map[string]any)["warm_start"], "turn %d", i+1)
	}
}

func TestDebatePointInTime(t *testing.T) {
	data := sharedDataDir(t)
	cut := t.TempDir()
	copyRowsThrough(t, filepath.Join(data, "AAPL.csv"), filepath.Join(cut, "AAPL.csv"), "2024-03-28")
	args := []string{"--as-of", "2024-03-28", "--steps", "4", "--rounds", "1"}

	full := debateJSON(t, append([]string{"AAPL", "--data", data}, args...)...)
	truncated := debateJSON(t, append([]string{"AAPL", "--data", cut}, args...)...)
	assert.Equal(t, "2024-03-28", full["as_of"])
	// Bars after the as-of date must not change anything.
	assert.Equal(t, withoutTimings(full), withoutTimings(truncated))

	// Without --as-of the last bar of the cut file is the decision date.
	latest := debateJSON(t, "AAPL", "--data", cut, "--steps", "4", "--rounds", "1")
	assert.Equal(t, withoutTimings(full), withoutTimings(latest))

	// 2024-03-30 is a Saturday and 2024-03-29 was Good Friday, so the last bar is 2024-03-28.
	weekend := debateJSON(t, "AAPL", "--data", data, "--as-of", "2024-03-30", "--steps", "4", "--rounds", "1")
	assert.Equal(t, "2024-03-28", weekend["as_of"])
	assert.Equal(t, withoutTimings(full), withoutTimings(weekend))
}

// copyRowsThrough copies the header and the rows dated on or before last from src to dst.
func copyRowsThrough(t *testing.T, src, dst, last string) {
	t.Helper()
	in, err := os.Open(src)
	require.NoError(t, err)
	defer in.Close()

	var out strings.Builder
	scanner := bufio.NewScanner(in)
	require.True(t, scanner.Scan(), "%s is empty", src)
	out.WriteString(scanner.Text() + "\n")
	rows, later := 0, 0
	for scanner.Scan() {
		line := scanner.Text()
		date, _, _ := strings.Cut(line, ",")
		// Dates are YYYY-MM-DD, so text order is date order.
		if date > last {
			later++
			continue
		}
		out.WriteString(line + "\n")
		rows++
	}
	require.NoError(t, scanner.Err())
	require.Positive(t, rows, "%s has no rows through %s", src, last)
	require.Positive(t, later, "%s has no rows after %s, so the cut proves nothing", src, last)
	require.NoError(t, os.WriteFile(dst, []byte(out.String()), 0o600))
}

func TestDebateOutFile(t *testing.T) {
	data := syntheticDir(t, "SYN")
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	// A longer old file shows that the report replaces it instead of overwriting its start.
	require.NoError(t, os.WriteFile(path, []byte(strings.Repeat("old report\n", 10000)), 0o600))
	args := []string{"debate", "SYN", "--data", data, "--steps", "4", "--rounds", "1", "--format", "json"}

	res := mustRunTrader(t, append(args, "--out", path)...)
	assert.Empty(t, res.Stdout)
	written, err := os.ReadFile(path)
	require.NoError(t, err)
	stdout := mustRunTrader(t, args...).Stdout
	assert.Equal(t, withoutTimings(decodeObject(t, stdout)), withoutTimings(decodeObject(t, string(written))))
	assert.Equal(t, []string{"report.json"}, dirNames(t, dir), "temporary files left behind")
}

func TestDebateOutFileErrors(t *testing.T) {
	data := syntheticDir(t, "SYN")
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "taken"), 0o700))
	tests := []struct {
		name string
		out  string
	}{
		{"missing-directory", filepath.Join(dir, "missing", "report.json")},
		// The rename onto a directory fails after the temporary file was written.
		{"directory-in-the-way", filepath.Join(dir, "taken")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runTrader(t, "debate", "SYN", "--data", data, "--steps", "4", "--rounds", "1", "--out", tt.out)

			require.Error(t, res.Err)
			assert.Contains(t, res.Err.Error(), tt.out)
			assert.Empty(t, res.Stdout)
			assert.Equal(t, []string{"taken"}, dirNames(t, dir), "temporary files left behind")
			assert.Empty(t, dirNames(t, filepath.Join(dir, "taken")))
		})
	}
}
