package strategy

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/backtest"
	"github.com/traderlab/trader/internal/shareddata"
	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/marketdata"
)

func loadAdjusted(t *testing.T, symbol string) *marketdata.Series {
	t.Helper()
	s, err := marketdata.CSVDir{Dir: shareddata.SharedDataDir(t)}.Load(context.Background(), symbol)
	require.NoError(t, err)
	return s.Adjusted()
}

func date(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := marketdata.ParseDate(s)
	require.NoError(t, err)
	return d
}

// assertNoLookAhead runs strat over window on the whole series. Then, for every few days t, it
// runs it again with every bar after t removed and checks that the decisions and the account
// up to t are unchanged.
func assertNoLookAhead(t *testing.T, series *marketdata.Series, strat backtest.Strategy, window backtest.Window, every int) {
	t.Helper()
	ctx := context.Background()
	cfg := backtest.Config{Capital: 10000, CostBps: 5, SlippageBps: 2, AllowShort: true}
	full, err := backtest.Run(ctx, series, strat, window, cfg)
	require.NoError(t, err)
	cuts := 0
	for k := 0; k < len(full.Days); k += every {
		cut := full.Days[k].Date
		n := 0
		for n < len(series.Bars) && !series.Bars[n].Date.After(cut) {
			n++
		}
		truncated := &marketdata.Series{Symbol: series.Symbol, Bars: series.Bars[:n:n]}
		part, err := backtest.Run(ctx, truncated, strat, backtest.Window{From: window.From, To: cut}, cfg)
		require.NoError(t, err)
		require.Len(t, part.Days, k+1)
		for i := 0; i < k; i++ {
			assert.Equal(t, full.Days[i].Decision, part.Days[i].Decision, "%s decision on %s with bars cut after %s",
				strat.Name(), marketdata.FormatDate(full.Days[i].Date), marketdata.FormatDate(cut))
			assert.Equal(t, full.Days[i].Equity, part.Days[i].Equity)
		}
		assert.Equal(t, full.Days[k].Equity, part.Days[k].Equity)

		// The decision after the cut date's close, which the truncated run does not ask for.
		view, err := truncated.AsOf(cut)
		require.NoError(t, err)
		got, err := strat.Decide(ctx, view)
		require.NoError(t, err)
		if k < len(full.Days)-1 {
			assert.Equal(t, full.Days[k].Decision, got, "%s decision on %s", strat.Name(), marketdata.FormatDate(cut))
		}
		cuts++
	}
	assert.Greater(t, cuts, 5)
}

func TestBaselinesNoLookAhead(t *testing.T) {
	series := loadAdjusted(t, "AAPL")
	window := backtest.Window{From: date(t, "2023-06-01"), To: date(t, "2024-06-28")}
	for _, name := range BaselineNames {
		t.Run(name, func(t *testing.T) {
			strat, err := NewBaseline(name)
			require.NoError(t, err)
			assertNoLookAhead(t, series, strat, window, 7)
		})
	}
}

func TestBaselinesNoLookAheadCrypto(t *testing.T) {
	series := loadAdjusted(t, "BTC-USD")
	window := backtest.Window{From: date(t, "2024-01-01"), To: date(t, "2024-03-31")}
	for _, name := range BaselineNames {
		t.Run(name, func(t *testing.T) {
			strat, err := NewBaseline(name)
			require.NoError(t, err)
			assertNoLookAhead(t, series, strat, window, 5)
		})
	}
}

func TestAgentsNoLookAhead(t *testing.T) {
	bundle, err := latentmodel.Default()
	require.NoError(t, err)
	strat := NewAgents(bundle)
	strat.Steps, strat.Rounds = 2, 1
	series := loadAdjusted(t, "AAPL")
	window := backtest.Window{From: date(t, "2024-03-01"), To: date(t, "2024-03-28")}
	assertNoLookAhead(t, series, strat, window, 3)
}
