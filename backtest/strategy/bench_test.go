package strategy

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/backtest"
	"github.com/traderlab/trader/internal/shareddata"
	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/marketdata"
)

// BenchmarkBaselinesAllHistory runs every baseline over the whole history of every symbol in
// the shared data folder; one iteration is the full set.
func BenchmarkBaselinesAllHistory(b *testing.B) {
	dir := shareddata.SharedDataDir(b)
	paths, err := filepath.Glob(filepath.Join(dir, "*.csv"))
	require.NoError(b, err)
	var all []*marketdata.Series
	bars := 0
	for _, p := range paths {
		s, err := marketdata.CSVDir{Dir: dir}.Load(context.Background(), strings.TrimSuffix(filepath.Base(p), ".csv"))
		require.NoError(b, err)
		all = append(all, s.Adjusted())
		bars += len(s.Bars)
	}
	cfg := backtest.Config{Capital: 100000, CostBps: 5}
	b.ResetTimer()
	for b.Loop() {
		for _, s := range all {
			window := backtest.Window{From: s.Bars[0].Date, To: s.Bars[len(s.Bars)-1].Date}
			for _, name := range BaselineNames {
				strat, err := NewBaseline(name)
				require.NoError(b, err)
				if _, err := backtest.Run(context.Background(), s, strat, window, cfg); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.ReportMetric(float64(len(all)), "symbols")
	b.ReportMetric(float64(bars), "bars")
}

// BenchmarkAgentsYear runs the agents strategy at r = 32 with two debate rounds over one
// year of AAPL, without the decision cache. One iteration takes tens of seconds.
func BenchmarkAgentsYear(b *testing.B) {
	if os.Getenv("TRADER_BENCH_AGENTS") == "" {
		b.Skip("set TRADER_BENCH_AGENTS=1 to run the one-year agents benchmark (about a minute)")
	}
	bundle, err := latentmodel.Default()
	require.NoError(b, err)
	s, err := marketdata.CSVDir{Dir: shareddata.SharedDataDir(b)}.Load(context.Background(), "AAPL")
	require.NoError(b, err)
	series := s.Adjusted()
	from, err := marketdata.ParseDate("2024-01-01")
	require.NoError(b, err)
	to, err := marketdata.ParseDate("2024-12-31")
	require.NoError(b, err)
	strat := NewAgents(bundle)
	strat.Steps, strat.Rounds = 32, 2
	days := 0
	b.ResetTimer()
	for b.Loop() {
		res, err := backtest.Run(context.Background(), series, strat, backtest.Window{From: from, To: to}, backtest.Config{Capital: 100000})
		if err != nil {
			b.Fatal(err)
		}
		days = len(res.Days)
	}
	b.ReportMetric(float64(days), "days")
}
