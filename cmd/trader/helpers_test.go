package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/internal/shareddata"
	"github.com/traderlab/trader/marketdata"
)

// embeddedWeightsPath is the file that latentmodel embeds, relative to this package.
const embeddedWeightsPath = "../../latentmodel/weights/default.safetensors"

// TestMain isolates every test from the caller's configuration. It removes the TRADER_*
// variables that set configuration keys and points TRADER_CONFIG at an empty file. A test that
// needs a setting from the environment or a config file sets it with t.Setenv or --config.
func TestMain(m *testing.M) {
	os.Exit(runIsolated(m))
}

func runIsolated(m *testing.M) int {
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		// The shared data location is not a configuration key, and tests need it.
		if strings.HasPrefix(name, "TRADER_") && name != shareddata.EnvDir {
			os.Unsetenv(name)
		}
	}
	dir, err := os.MkdirTemp("", "trader-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "create temporary config directory:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	empty := filepath.Join(dir, "empty.yaml")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "write empty config:", err)
		return 1
	}
	os.Setenv("TRADER_CONFIG", empty)
	return m.Run()
}

// cliResult is the outcome of one trader invocation.
type cliResult struct {
	Stdout, Stderr string
	Err            error
}

// runTrader runs a fresh root command with args and captures what it writes.
func runTrader(t *testing.T, args ...string) cliResult {
	t.Helper()
	root := newRootCommand()
	var stdout, stderr bytes.Buffer
	if len(args) > 0 && args[0] == "backtest" && !slices.Contains(args, "--out") {
		// Keep the default output directory out of the package directory.
		args = append(append([]string(nil), args...), "--out", t.TempDir())
	}
	root.SetArgs(args)
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	err := root.ExecuteContext(context.Background())
	return cliResult{Stdout: stdout.String(), Stderr: stderr.String(), Err: err}
}

// mustRunTrader runs trader with args and fails the test when the command fails.
func mustRunTrader(t *testing.T, args ...string) cliResult {
	t.Helper()
	res := runTrader(t, args...)
	require.NoError(t, res.Err, "trader %s\nstderr:\n%s", strings.Join(args, " "), res.Stderr)
	return res
}

// debateJSON runs `trader debate` with args and --format json and decodes the report.
func debateJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	res := mustRunTrader(t, append(append([]string{"debate"}, args...), "--format", "json")...)
	return decodeObject(t, res.Stdout)
}

// decodeObject decodes one JSON object, keeping numbers as float64.
func decodeObject(t *testing.T, text string) map[string]any {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(text), &doc), "output is not a JSON object:\n%s", text)
	return doc
}

// withoutTimings returns doc without its timings_ms, the only field that may change between
// runs with the same inputs.
func withoutTimings(doc map[string]any) map[string]any {
	out := make(map[string]any, len(doc))
	for k, v := range doc {
		if k != "timings_ms" {
			out[k] = v
		}
	}
	return out
}

// sharedDataDir returns the shared data folder after checking that it has AAPL.csv.
func sharedDataDir(t *testing.T) string {
	t.Helper()
	dir := shareddata.SharedDataDir(t)
	_, err := os.Stat(filepath.Join(dir, "AAPL.csv"))
	require.NoError(t, err, "the shared data folder %s has no AAPL.csv", dir)
	return dir
}

// writeRandomWalk writes DIR/SYMBOL.csv with one bar per weekday from first to last (inclusive)
// following a geometric random walk from seed. The bars are valid: positive prices, low <= open,
// close <= high.
func writeRandomWalk(t *testing.T, dir, symbol string, first, last time.Time, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 0x7261_6e64))
	var bars []marketdata.Bar
	price := 50 + 50*rng.Float64()
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			continue
		}
		open := price * math.Exp(0.003*rng.NormFloat64())
		price = open * math.Exp(0.015*rng.NormFloat64())
		high := max(open, price) * (1 + 0.01*rng.Float64())
		low := min(open, price) * (1 - 0.01*rng.Float64())
		bars = append(bars, marketdata.Bar{
			Date: d, Open: open, High: high, Low: low, Close: price, AdjClose: price,
			Volume: math.Round(1e6 * (1 + rng.Float64())),
		})
	}
	var buf bytes.Buffer
	require.NoError(t, marketdata.WriteCSV(&buf, bars))
	require.NoError(t, os.WriteFile(filepath.Join(dir, symbol+".csv"), buf.Bytes(), 0o600))
}

// syntheticDir returns a temporary data directory with a random walk for each symbol from
// 2015-01-01 to 2023-12-31, enough history for the embedded model and for the time splits of
// `model train`.
func syntheticDir(t *testing.T, symbols ...string) string {
	t.Helper()
	dir := t.TempDir()
	first := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	last := time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC)
	for i, s := range symbols {
		writeRandomWalk(t, dir, s, first, last, uint64(i+1))
	}
	return dir
}

// writeFile writes content to name in a new temporary directory and returns its path.
func writeFile(t *testing.T, name string, content []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, content, 0o600))
	return path
}

// dirNames returns the names of the entries of dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
