package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/backtest"
)

func backtestDocument(t *testing.T, text string) backtest.Document {
	t.Helper()
	var doc backtest.Document
	require.NoError(t, json.Unmarshal([]byte(text), &doc), "output is not a backtest document:\n%s", text)
	return doc
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	return rows
}

func TestBacktestBaselinesFiles(t *testing.T) {
	data := sharedDataDir(t)
	out := filepath.Join(t.TempDir(), "run")
	plot := filepath.Join(t.TempDir(), "equity.png")
	res := mustRunTrader(t, "backtest", "AAPL,GOOGL", "--from", "2024-01-01", "--to", "2024-03-29",
		"--strategy", "macd,sma", "--data", data, "--cost-bps", "5", "--slippage-bps", "2",
		"--format", "json", "--out", out, "--plot", plot)

	doc := backtestDocument(t, res.Stdout)
	assert.Equal(t, "buy-and-hold", doc.Benchmark)
	require.Len(t, doc.Results, 6) // buy-and-hold is added as the benchmark
	var names []string
	for _, r := range doc.Results {
		names = append(names, r.Symbol+" "+r.Strategy)
		assert.Equal(t, "2024-01-02", r.From)
		assert.Equal(t, "2024-03-28", r.To)
		assert.Equal(t, 252, r.Config.PeriodsPerYear)
		assert.Equal(t, 5.0, r.Config.CostBps)
	}
	assert.Equal(t, []string{"AAPL buy-and-hold", "AAPL macd", "AAPL sma", "GOOGL buy-and-hold", "GOOGL macd", "GOOGL sma"}, names)

	// metrics.json is what stdout printed.
	saved, err := os.ReadFile(filepath.Join(out, "metrics.json"))
	require.NoError(t, err)
	assert.Equal(t, res.Stdout, string(saved))

	// The cumulative return of each result is recomputable from equity.csv.
	rows := readCSV(t, filepath.Join(out, "equity.csv"))
	require.Equal(t, backtest.EquityCSVHeader, rows[0])
	last := map[string]float64{}
	for _, row := range rows[1:] {
		equity, err := strconv.ParseFloat(row[8], 64)
		require.NoError(t, err)
		last[row[0]+" "+row[1]] = equity
	}
	for _, r := range doc.Results {
		assert.InDelta(t, last[r.Symbol+" "+r.Strategy]/100000-1, r.Metrics.CumulativeReturn, 1e-12, r.Symbol+" "+r.Strategy)
	}

	trades := readCSV(t, filepath.Join(out, "trades.csv"))
	require.Equal(t, backtest.TradesCSVHeader, trades[0])
	assert.Greater(t, len(trades), 6)

	png, err := os.ReadFile(plot)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")), "the plot is not a PNG")
}

func TestBacktestReadableFormats(t *testing.T) {
	data := sharedDataDir(t)
	args := []string{"backtest", "AAPL", "--from", "2024-01-01", "--to", "2024-03-29", "--strategy", "zmr", "--data", data}
	text := mustRunTrader(t, append(args, "--format", "text")...).Stdout
	md := mustRunTrader(t, append(args, "--format", "markdown")...).Stdout
	for _, out := range []string{text, md} {
		assert.Contains(t, out, "window 2024-01-02..2024-03-28, capital 100000, cost 0 bps")
		assert.Contains(t, out, "buy-and-hold")
		assert.Contains(t, out, "zmr")
	}
	assert.Contains(t, md, "| symbol | strategy | cum % |")
	// AAPL fell from the open of 2024-01-02 to the close of 2024-03-28 (adjusted prices).
	assert.Regexp(t, `AAPL +buy-and-hold +-8\.26 `, text)
}

func TestBacktestAgentsCached(t *testing.T) {
	data := sharedDataDir(t)
	cache := t.TempDir()
	args := []string{"backtest", "AAPL", "--from", "2024-03-18", "--to", "2024-03-28", "--strategy", "agents",
		"--data", data, "--steps", "2", "--rounds", "1", "--allow-short", "--cache", cache, "--format", "json"}
	first := mustRunTrader(t, args...)
	doc := backtestDocument(t, first.Stdout)
	require.Len(t, doc.Results, 2)
	assert.Equal(t, "agents", doc.Results[1].Strategy)

	// One file of decisions for the configuration; the rerun reads it and prints the same.
	files, err := filepath.Glob(filepath.Join(cache, "*", "AAPL.json"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	var entries map[string]json.RawMessage
	raw, err := os.ReadFile(files[0])
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &entries))
	assert.Contains(t, entries, "2024-03-15") // the decision that fills at the window's first open
	assert.NotContains(t, entries, "2024-03-28")
	second := mustRunTrader(t, args...)
	assert.Equal(t, first.Stdout, second.Stdout)

	// Another configuration gets its own file.
	mustRunTrader(t, append(args, "--seed", "2")...)
	files, err = filepath.Glob(filepath.Join(cache, "*", "AAPL.json"))
	require.NoError(t, err)
	assert.Len(t, files, 2)
}

func TestBacktestInvalidRequest(t *testing.T) {
	data := sharedDataDir(t)
	base := []string{"backtest", "AAPL", "--data", data}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no dates", nil, "--from and --to are required"},
		{"bad date", []string{"--from", "2024-13-01", "--to", "2024-12-31"}, "invalid --from"},
		{"reversed", []string{"--from", "2024-03-01", "--to", "2024-01-01"}, "--to 2024-01-01 is before --from 2024-03-01"},
		{"strategy", []string{"--from", "2024-01-01", "--to", "2024-03-01", "--strategy", "momentum"}, `unknown strategy "momentum"`},
		{"capital", []string{"--from", "2024-01-01", "--to", "2024-03-01", "--capital", "0"}, "capital 0 must be positive"},
		{"cost", []string{"--from", "2024-01-01", "--to", "2024-03-01", "--cost-bps", "-1"}, "cost -1 bps"},
		{"format", []string{"--from", "2024-01-01", "--to", "2024-03-01", "--format", "xml"}, `invalid output format "xml"`},
		{"window outside data", []string{"--from", "2031-01-01", "--to", "2031-03-01"}, "no bar of AAPL in 2031-01-01..2031-03-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runTrader(t, append(slicesClone(base), tt.args...)...)
			require.Error(t, res.Err)
			assert.Contains(t, res.Err.Error(), tt.want)
		})
	}
	res := runTrader(t, "backtest", "NOPE", "--data", data, "--from", "2024-01-01", "--to", "2024-03-01")
	require.Error(t, res.Err)
	assert.True(t, strings.Contains(res.Err.Error(), "NOPE"), res.Err.Error())
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }

func TestFirstError(t *testing.T) {
	bad := errors.New("no bar of X")
	canceled := fmt.Errorf("run: %w", context.Canceled)
	tests := []struct {
		name string
		errs []error
		want error
	}{
		{"none", []error{nil, nil}, nil},
		{"cause after cancellation", []error{canceled, bad}, bad},
		{"only cancellations", []error{nil, canceled}, canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, firstError(tt.errs))
		})
	}
}

func TestBacktestHeadingSpans(t *testing.T) {
	data := sharedDataDir(t)
	res := mustRunTrader(t, "backtest", "AAPL,BTC-USD", "--from", "2014-09-01", "--to", "2014-12-31",
		"--strategy", "sma", "--data", data)
	// BTC-USD starts on 2014-09-17 and trades on weekends, so the two spans differ.
	assert.Contains(t, res.Stdout, "window 2014-09-01..2014-12-31 (AAPL 2014-09-02..2014-12-31, BTC-USD 2014-09-17..2014-12-31)")

	doc := backtestDocument(t, mustRunTrader(t, "backtest", "AAPL,BTC-USD", "--from", "2014-09-01", "--to", "2014-12-31",
		"--strategy", "sma", "--data", data, "--format", "json").Stdout)
	require.Len(t, doc.Results, 4)
	assert.Equal(t, 252, doc.Results[0].Config.PeriodsPerYear)
	assert.Equal(t, 365, doc.Results[2].Config.PeriodsPerYear)
}
