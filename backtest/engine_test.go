package backtest

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/marketdata"
)

// constant returns the same target every day.
type constant float64

func (c constant) Name() string { return "constant" }

func (c constant) Decide(context.Context, marketdata.View) (float64, error) { return float64(c), nil }

// schedule returns the target listed for the view's date, and 0 for other dates.
type schedule map[string]float64

func (s schedule) Name() string { return "schedule" }

func (s schedule) Decide(_ context.Context, v marketdata.View) (float64, error) {
	return s[marketdata.FormatDate(v.Date())], nil
}

// day is one synthetic bar: date, open and close; high and low bound them.
type day struct {
	date        string
	open, close float64
}

func series(t *testing.T, symbol string, days ...day) *marketdata.Series {
	t.Helper()
	s := &marketdata.Series{Symbol: symbol}
	for _, d := range days {
		date, err := marketdata.ParseDate(d.date)
		require.NoError(t, err)
		s.Bars = append(s.Bars, marketdata.Bar{
			Date: date, Open: d.open, Close: d.close,
			High: max(d.open, d.close), Low: min(d.open, d.close), Volume: 1,
		})
	}
	return s
}

func window(t *testing.T, from, to string) Window {
	t.Helper()
	f, err := marketdata.ParseDate(from)
	require.NoError(t, err)
	l, err := marketdata.ParseDate(to)
	require.NoError(t, err)
	return Window{From: f, To: l}
}

func TestShortDoublesAgainstYou(t *testing.T) {
	s := series(t, "X",
		day{"2024-01-01", 100, 100}, // decision: short
		day{"2024-01-02", 100, 150},
		day{"2024-01-03", 150, 200},
		day{"2024-01-04", 210, 220},
	)
	cfg := Config{Capital: 1000, AllowShort: true}
	res, err := Run(context.Background(), s, constant(-1), window(t, "2024-01-02", "2024-01-04"), cfg)
	require.NoError(t, err)
	require.Len(t, res.Days, 3)

	// Short 1000/100 = 10 shares at 100: cash 1000 + 1000 = 2000.
	assert.InDelta(t, -10, res.Days[0].Shares, 1e-9)
	assert.InDelta(t, 2000, res.Days[0].Cash, 1e-9)
	// Close 150: 2000 − 10·150 = 500. Close 200 (the price doubled): 2000 − 2000 = 0.
	assert.InDelta(t, 500, res.Days[0].Equity, 1e-9)
	assert.InDelta(t, 0, res.Days[1].Equity, 1e-9)
	// Ruined: the short is bought back at the next open, 210, leaving 2000 − 2100 = −100.
	assert.InDelta(t, 0, res.Days[2].Shares, 1e-9)
	assert.InDelta(t, -100, res.Days[2].Equity, 1e-9)
	assert.True(t, res.Ruined)
	require.Len(t, res.Trades, 2)
	assert.Equal(t, Buy, res.Trades[1].Side)
	assert.InDelta(t, 2100, res.Trades[1].Value, 1e-9)
	assert.InDelta(t, -1.1, res.Metrics.CumulativeReturn, 1e-12)
	assert.InDelta(t, 1.1, res.Metrics.MaxDrawdown, 1e-12)
}

func TestShortNotAllowedIsFlat(t *testing.T) {
	s := series(t, "X", day{"2024-01-01", 100, 100}, day{"2024-01-02", 100, 150})
	res, err := Run(context.Background(), s, constant(-1), window(t, "2024-01-02", "2024-01-02"), Config{Capital: 1000})
	require.NoError(t, err)
	assert.Empty(t, res.Trades)
	assert.InDelta(t, 1000, res.Days[0].Equity, 1e-9)
	assert.Equal(t, 0.0, res.Days[0].Target)
}

func TestRoundTripCosts(t *testing.T) {
	s := series(t, "X",
		day{"2024-01-01", 100, 100}, // decision: long
		day{"2024-01-02", 100, 100}, // decision: flat
		day{"2024-01-03", 100, 100},
	)
	cfg := Config{Capital: 1000, CostBps: 10, SlippageBps: 5}
	strat := schedule{"2024-01-01": 1}
	res, err := Run(context.Background(), s, strat, window(t, "2024-01-02", "2024-01-03"), cfg)
	require.NoError(t, err)
	require.Len(t, res.Trades, 2)

	// Buy at 100·1.0005 = 100.05, commission 0.1 %: shares = 1000 / (100.05 · 1.001).
	shares := 1000 / (100.05 * 1.001)
	buy := res.Trades[0]
	assert.InDelta(t, 100.05, buy.Price, 1e-9)
	assert.InDelta(t, shares, buy.Shares, 1e-9)
	assert.InDelta(t, 0.001*shares*100.05, buy.Cost, 1e-9)
	assert.InDelta(t, shares*100*0.0005, buy.Slippage, 1e-9)
	assert.InDelta(t, 0, res.Days[0].Cash, 1e-9)
	// Sell at 100·0.9995 = 99.95 less 0.1 %: cash = shares · 99.95 · 0.999.
	sell := res.Trades[1]
	assert.InDelta(t, 99.95, sell.Price, 1e-9)
	assert.InDelta(t, -shares, sell.Shares, 1e-9)
	final := shares * 99.95 * 0.999
	assert.InDelta(t, final, res.Days[1].Equity, 1e-9)
	// The round trip on an unchanged price costs about 2·(10 + 5) bps.
	assert.InDelta(t, final/1000-1, res.Metrics.CumulativeReturn, 1e-12)
	assert.InDelta(t, -0.003, res.Metrics.CumulativeReturn, 2e-5)
	assert.InDelta(t, buy.Cost+sell.Cost, res.Metrics.Costs, 1e-12)
}

func TestGapThroughFillPrice(t *testing.T) {
	// The strategy decides at a close of 100; the next open gaps to 120, and the order fills
	// there, not at the close it saw.
	s := series(t, "X", day{"2024-01-01", 100, 100}, day{"2024-01-02", 120, 125})
	res, err := Run(context.Background(), s, constant(1), window(t, "2024-01-02", "2024-01-02"), Config{Capital: 1200})
	require.NoError(t, err)
	require.Len(t, res.Trades, 1)
	assert.InDelta(t, 120, res.Trades[0].Price, 1e-12)
	assert.InDelta(t, 10, res.Days[0].Shares, 1e-12)
	assert.InDelta(t, 1250, res.Days[0].Equity, 1e-9)
	assert.InDelta(t, 125.0/120-1, res.Metrics.CumulativeReturn, 1e-12)
}

func TestGapAgainstShort(t *testing.T) {
	// A short decided at 100 that gaps down to 80 before the fill earns only from 80 on.
	s := series(t, "X", day{"2024-01-01", 100, 100}, day{"2024-01-02", 80, 60})
	res, err := Run(context.Background(), s, constant(-1), window(t, "2024-01-02", "2024-01-02"), Config{Capital: 800, AllowShort: true})
	require.NoError(t, err)
	assert.InDelta(t, -10, res.Days[0].Shares, 1e-12)
	assert.InDelta(t, 800+800-600, res.Days[0].Equity, 1e-9)
}

func TestDayWithoutBar(t *testing.T) {
	tests := []struct {
		name     string
		days     []day
		fillDate string
		periods  int
		nDays    int
	}{
		{
			// Equities: no bars on Saturday 2024-01-06 and Sunday; Friday's order fills Monday.
			name:     "equity weekend",
			days:     []day{{"2024-01-04", 100, 100}, {"2024-01-05", 100, 100}, {"2024-01-08", 110, 120}},
			fillDate: "2024-01-08", periods: 252, nDays: 2,
		},
		{
			// Crypto: Saturday has a bar, so Friday's order fills at Saturday's open.
			name:     "crypto weekend",
			days:     []day{{"2024-01-04", 100, 100}, {"2024-01-05", 100, 100}, {"2024-01-06", 105, 110}, {"2024-01-07", 110, 110}, {"2024-01-08", 110, 120}},
			fillDate: "2024-01-06", periods: 365, nDays: 4,
		},
		{
			// Crypto with a missing Saturday: the order waits for Sunday's open.
			name:     "crypto missing day",
			days:     []day{{"2024-01-04", 100, 100}, {"2024-01-05", 100, 100}, {"2024-01-07", 110, 110}, {"2024-01-08", 110, 120}},
			fillDate: "2024-01-07", periods: 365, nDays: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := series(t, "X", tt.days...)
			strat := schedule{"2024-01-05": 1}
			strat["2024-01-06"], strat["2024-01-07"] = 1, 1
			res, err := Run(context.Background(), s, strat, window(t, "2024-01-05", "2024-01-08"), Config{Capital: 1000})
			require.NoError(t, err)
			assert.Len(t, res.Days, tt.nDays)
			assert.Equal(t, tt.periods, res.Metrics.PeriodsPerYear)
			wantAnnual := math.Pow(1+res.Metrics.CumulativeReturn, float64(tt.periods)/float64(tt.nDays)) - 1
			assert.InDelta(t, wantAnnual, res.Metrics.AnnualizedReturn, 1e-12)
			require.NotEmpty(t, res.Trades)
			assert.Equal(t, tt.fillDate, marketdata.FormatDate(res.Trades[0].Date))
			assert.Equal(t, "2024-01-05", marketdata.FormatDate(res.Trades[0].Decided))
			for _, d := range res.Days {
				wd := d.Date.Weekday()
				if tt.periods == 252 {
					assert.NotContains(t, []time.Weekday{time.Saturday, time.Sunday}, wd)
				}
			}
		})
	}
}

// peeker records what each view lets it read and tries to read one bar past the end.
type peeker struct {
	dates    []time.Time
	maxSeen  []time.Time
	panicked []bool
}

func (p *peeker) Name() string { return "peeker" }

func (p *peeker) Decide(_ context.Context, v marketdata.View) (float64, error) {
	p.dates = append(p.dates, v.Date())
	latest := time.Time{}
	for _, b := range v.Bars() {
		if b.Date.After(latest) {
			latest = b.Date
		}
	}
	p.maxSeen = append(p.maxSeen, latest)
	p.panicked = append(p.panicked, func() (panicked bool) {
		defer func() { panicked = recover() != nil }()
		_ = v.Bar(v.Len())
		return false
	}())
	return 1, nil
}

func TestStrategyCannotReadAhead(t *testing.T) {
	s := series(t, "X",
		day{"2024-01-01", 100, 100}, day{"2024-01-02", 101, 102}, day{"2024-01-03", 103, 104},
		day{"2024-01-04", 104, 105}, day{"2024-01-05", 106, 107},
	)
	p := &peeker{}
	res, err := Run(context.Background(), s, p, window(t, "2024-01-02", "2024-01-05"), Config{Capital: 1000})
	require.NoError(t, err)
	// Asked after the closes of 01-01 .. 01-04, never after the window's last close.
	require.Len(t, p.dates, 4)
	for i, d := range p.dates {
		assert.Equal(t, s.Bars[i].Date, d)
		assert.Equal(t, d, p.maxSeen[i], "view as of %s exposed a later bar", marketdata.FormatDate(d))
		assert.True(t, p.panicked[i], "reading past the view's end as of %s did not panic", marketdata.FormatDate(d))
	}
	assert.True(t, math.IsNaN(res.Days[len(res.Days)-1].Decision))
}

func TestRunRejects(t *testing.T) {
	s := series(t, "X", day{"2024-01-01", 100, 100}, day{"2024-01-02", 100, 100})
	tests := []struct {
		name   string
		strat  Strategy
		window Window
		cfg    Config
		want   error
	}{
		{"zero capital", constant(1), window(t, "2024-01-01", "2024-01-02"), Config{}, ErrInvalidConfig},
		{"negative cost", constant(1), window(t, "2024-01-01", "2024-01-02"), Config{Capital: 1, CostBps: -1}, ErrInvalidConfig},
		{"reversed window", constant(1), window(t, "2024-01-02", "2024-01-01"), Config{Capital: 1}, ErrInvalidWindow},
		{"empty window", constant(1), window(t, "2025-01-01", "2025-02-01"), Config{Capital: 1}, ErrInvalidWindow},
		{"target too large", constant(2), window(t, "2024-01-02", "2024-01-02"), Config{Capital: 1}, ErrInvalidTarget},
		{"target NaN", constant(math.NaN()), window(t, "2024-01-02", "2024-01-02"), Config{Capital: 1}, ErrInvalidTarget},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(context.Background(), s, tt.strat, tt.window, tt.cfg)
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

func TestRunCanceled(t *testing.T) {
	s := series(t, "X", day{"2024-01-01", 100, 100}, day{"2024-01-02", 100, 100})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, s, constant(1), window(t, "2024-01-01", "2024-01-02"), Config{Capital: 1})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestProgressCalledEachDay(t *testing.T) {
	s := series(t, "X", day{"2024-01-01", 100, 100}, day{"2024-01-02", 100, 100}, day{"2024-01-03", 100, 100})
	var calls [][2]int
	cfg := Config{Capital: 1, Progress: func(done, total int) { calls = append(calls, [2]int{done, total}) }}
	_, err := Run(context.Background(), s, constant(1), window(t, "2024-01-01", "2024-01-03"), cfg)
	require.NoError(t, err)
	assert.Equal(t, [][2]int{{1, 3}, {2, 3}, {3, 3}}, calls)
}
