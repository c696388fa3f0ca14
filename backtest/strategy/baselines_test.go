package strategy

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/backtest"
	"github.com/traderlab/trader/marketdata"
)

// testSeries returns testClose as daily bars with high = close + 1 and low = close − 1.
func testSeries() *marketdata.Series {
	s := &marketdata.Series{Symbol: "TEST"}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, c := range testClose {
		s.Bars = append(s.Bars, marketdata.Bar{
			Date: start.AddDate(0, 0, i), Open: c, High: c + 1, Low: c - 1, Close: c, Volume: 1,
		})
	}
	return s
}

// TestBaselineRules checks each rule's position after every bar of testClose, derived by hand
// from the indicator values in TestIndicators.
func TestBaselineRules(t *testing.T) {
	tests := []struct {
		name  string
		strat backtest.Strategy
		want  []float64 // position after bars 0..9
	}{
		{"buy-and-hold", BuyAndHold{}, []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		// sign(MACD − signal) once 4 bars exist: − − − + + + −.
		{"macd", MACDCross{Fast: 2, Slow: 4, Signal: 3, Lookback: 50}, []float64{0, 0, 0, -1, -1, -1, 1, 1, 1, -1}},
		// sign(SMA2 − SMA3) once 3 bars exist.
		{"sma", SMACross{Fast: 2, Slow: 3}, []float64{0, 0, 1, 1, -1, -1, -1, 1, 1, 1}},
		// Bar 3: death cross with RSI 66.7 > 30, short. Bar 5: RSI 29.6 ≤ 30 closes it.
		// Bar 6: golden cross with RSI 53.1 < 70, long. Bar 7: RSI 76.5 ≥ 70 closes it.
		{"kdj-rsi", KDJRSI{N: 3, M1: 3, M2: 3, RSIPeriod: 3, Overbought: 70, Oversold: 30, Lookback: 50}, []float64{0, 0, 0, -1, -1, 0, 1, 0, 0, 0}},
		// z: 1.22 short; −0.71 flat; −1.22 long; −1.22 long; 0.71 flat; 1.34 short; 1.07 short;
		// −0.71 flat.
		{"zmr", ZMR{Window: 3, Entry: 1, Exit: 0, Lookback: 50}, []float64{0, 0, -1, 0, 1, 1, 0, -1, -1, 0}},
	}
	s := testSeries()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, want := range tt.want {
				view, err := s.AsOf(s.Bars[i].Date)
				require.NoError(t, err)
				got, err := tt.strat.Decide(context.Background(), view)
				require.NoError(t, err)
				assert.Equal(t, want, got, "after bar %d", i)
			}
		})
	}
}

func TestBaselineParamsRejected(t *testing.T) {
	view, err := testSeries().AsOf(testSeries().Bars[9].Date)
	require.NoError(t, err)
	tests := []struct {
		name  string
		strat backtest.Strategy
	}{
		{"macd fast not below slow", MACDCross{Fast: 26, Slow: 12, Signal: 9, Lookback: 250}},
		{"macd lookback short", MACDCross{Fast: 12, Slow: 26, Signal: 9, Lookback: 10}},
		{"sma zero", SMACross{Fast: 0, Slow: 5}},
		{"kdj levels crossed", KDJRSI{N: 9, M1: 3, M2: 3, RSIPeriod: 14, Overbought: 30, Oversold: 70, Lookback: 250}},
		{"zmr exit above entry", ZMR{Window: 20, Entry: 1, Exit: 2, Lookback: 250}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.strat.Decide(context.Background(), view)
			assert.ErrorIs(t, err, ErrInvalidParams)
		})
	}
}

func TestNewBaseline(t *testing.T) {
	for _, name := range BaselineNames {
		s, err := NewBaseline(name)
		require.NoError(t, err)
		assert.Equal(t, name, s.Name())
	}
	_, err := NewBaseline("momentum")
	assert.ErrorIs(t, err, ErrInvalidParams)
}

func TestLookbackLimitsReads(t *testing.T) {
	// Bars before the lookback must not change the decision.
	s := testSeries()
	short := &marketdata.Series{Symbol: s.Symbol, Bars: s.Bars[4:]}
	strat := ZMR{Window: 3, Entry: 1, Exit: 0, Lookback: 6}
	full, err := s.AsOf(s.Bars[9].Date)
	require.NoError(t, err)
	cut, err := short.AsOf(s.Bars[9].Date)
	require.NoError(t, err)
	a, err := strat.Decide(context.Background(), full)
	require.NoError(t, err)
	b, err := strat.Decide(context.Background(), cut)
	require.NoError(t, err)
	assert.Equal(t, a, b)
}
