package backtest

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/internal/shareddata"
	"github.com/traderlab/trader/marketdata"
)

// TestBuyAndHoldByHand checks every metric of a fully long position in AAPL over the five
// exchange days 2024-01-02 .. 2024-01-08 against arithmetic done by hand on the raw prices
// of AAPL.csv (Run trades the series it is given; here it is not adjusted):
//
//	date        open                 close
//	2023-12-29                       192.52999877929688  (decision: long)
//	2024-01-02  187.14999389648438   185.63999938964844
//	2024-01-03                       184.25
//	2024-01-04                       181.91000366210938
//	2024-01-05                       181.17999267578125
//	2024-01-08                       185.55999755859375
func TestBuyAndHoldByHand(t *testing.T) {
	series, err := marketdata.CSVDir{Dir: shareddata.SharedDataDir(t)}.Load(context.Background(), "AAPL")
	require.NoError(t, err)
	cfg := Config{Capital: 10000, CostBps: 10}
	res, err := Run(context.Background(), series, constant(1), window(t, "2024-01-01", "2024-01-08"), cfg)
	require.NoError(t, err)
	require.Len(t, res.Days, 5)

	// Fill at the open of 2024-01-02 with 0.1 % commission, so that cash ends at zero:
	// shares = 10000 / (187.14999389648438 · 1.001) = 53.3794...
	open := 187.14999389648438
	shares := 10000 / (open * 1.001)
	require.Len(t, res.Trades, 1)
	assert.InDelta(t, shares, res.Trades[0].Shares, 1e-9)
	assert.InDelta(t, 53.379, shares, 1e-3)
	assert.InDelta(t, 0, res.Days[0].Cash, 1e-9)
	assert.InDelta(t, shares*open*0.001, res.Metrics.Costs, 1e-9) // 9.99001

	// Equity at each close: E_0 = 10000, E_i = shares · close_i.
	closes := []float64{185.63999938964844, 184.25, 181.91000366210938, 181.17999267578125, 185.55999755859375}
	equity := []float64{10000}
	for i, c := range closes {
		equity = append(equity, shares*c)
		assert.InDelta(t, shares*c, res.Days[i].Equity, 1e-9)
		assert.InDelta(t, 1, res.Days[i].Exposure, 1e-12)
	}

	// Daily returns r_i = E_i / E_{i−1} − 1:
	//	r_1 = 185.64 / (187.15 · 1.001) − 1 = −0.0090593
	//	r_2 = 184.25 / 185.64 − 1          = −0.0074876
	//	r_3 = 181.91 / 184.25 − 1          = −0.0127001
	//	r_4 = 181.18 / 181.91 − 1          = −0.0040130
	//	r_5 = 185.56 / 181.18 − 1          = +0.0241749
	r := []float64{
		closes[0]/(open*1.001) - 1, closes[1]/closes[0] - 1, closes[2]/closes[1] - 1,
		closes[3]/closes[2] - 1, closes[4]/closes[3] - 1,
	}
	want := []float64{-0.009059305941620965, -0.007487607165581167, -0.012700115809447188, -0.004013033761925966, 0.024174881663950876}
	for i := range r {
		assert.InDelta(t, want[i], r[i], 1e-15)
	}
	mean := (r[0] + r[1] + r[2] + r[3] + r[4]) / 5
	var ss, down float64
	for _, x := range r {
		ss += (x - mean) * (x - mean)
		down += math.Min(0, x) * math.Min(0, x)
	}
	sd := math.Sqrt(ss / 4)     // sample standard deviation, n − 1 = 4
	dd := math.Sqrt(down / 5)   // downside deviation over all 5 days, risk-free 0
	root252 := math.Sqrt(252.0) // exchange days a year

	m := res.Metrics
	assert.Equal(t, 5, m.Days)
	assert.Equal(t, 252, m.PeriodsPerYear)
	// Cumulative: 185.56 / (187.15 · 1.001) − 1 = −0.94864 %.
	assert.InDelta(t, closes[4]/(open*1.001)-1, m.CumulativeReturn, 1e-12)
	assert.InDelta(t, -0.0094863532926871, m.CumulativeReturn, 1e-12)
	// Annualized: (1 − 0.0094864)^(252/5) − 1 = −38.146 %.
	assert.InDelta(t, math.Pow(1+m.CumulativeReturn, 252.0/5)-1, m.AnnualizedReturn, 1e-12)
	assert.InDelta(t, -0.3814606214411791, m.AnnualizedReturn, 1e-10)
	assert.InDelta(t, sd*root252, m.Volatility, 1e-12) // 0.235918
	assert.InDelta(t, 0.23591802908389725, m.Volatility, 1e-10)
	assert.InDelta(t, mean/sd*root252, m.Sharpe, 1e-12) // −1.94090
	assert.InDelta(t, -1.940899239092211, m.Sharpe, 1e-9)
	assert.InDelta(t, mean/dd*root252, m.Sortino, 1e-12) // −3.63100
	assert.InDelta(t, -3.6310036788695346, m.Sortino, 1e-9)
	// The peak is E_0 and the trough E_4: 1 − 181.18 / (187.15 · 1.001) = 3.2867 %.
	assert.InDelta(t, 1-equity[4]/equity[0], m.MaxDrawdown, 1e-12)
	assert.InDelta(t, 0.032866686695097846, m.MaxDrawdown, 1e-12)
	assert.InDelta(t, m.AnnualizedReturn/m.MaxDrawdown, m.Calmar, 1e-9) // −11.6063
	// Only r_5 is positive out of 5 days in the market.
	assert.InDelta(t, 0.2, m.WinRate, 1e-15)
	assert.Equal(t, 1, m.Trades)
	// Turnover: traded value 10000 / 1.001 over the mean of E_1..E_5.
	meanEquity := (equity[1] + equity[2] + equity[3] + equity[4] + equity[5]) / 5
	assert.InDelta(t, 10000/1.001/meanEquity, m.Turnover, 1e-12) // 1.01874
	assert.InDelta(t, 1, m.Exposure, 1e-12)
}

func TestRiskFreeLowersSharpe(t *testing.T) {
	s := series(t, "X",
		day{"2024-01-01", 100, 100}, day{"2024-01-02", 100, 101}, day{"2024-01-03", 101, 100},
		day{"2024-01-04", 100, 103},
	)
	res, err := Run(context.Background(), s, constant(1), window(t, "2024-01-02", "2024-01-04"), Config{Capital: 100, RiskFree: 0.0252})
	require.NoError(t, err)
	r := []float64{0.01, 100.0/101 - 1, 0.03}
	mean, sd := meanStd(r)
	rf := 0.0252 / 252 // 0.0001 a day
	assert.InDelta(t, (mean-rf)/sd*math.Sqrt(252), res.Metrics.Sharpe, 1e-12)
}

func TestMaxDrawdown(t *testing.T) {
	tests := []struct {
		name   string
		equity []float64
		want   float64
	}{
		{"rising", []float64{1, 2, 3}, 0},
		{"single dip", []float64{100, 120, 90, 130}, 0.25},
		{"second dip deeper", []float64{100, 90, 200, 100}, 0.5},
		{"ruin", []float64{100, 0}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.InDelta(t, tt.want, MaxDrawdown(tt.equity), 1e-12)
		})
	}
}

func TestMetricsUndefinedAreNull(t *testing.T) {
	s := series(t, "X", day{"2024-01-01", 100, 100}, day{"2024-01-02", 100, 100})
	res, err := Run(context.Background(), s, constant(0), window(t, "2024-01-02", "2024-01-02"), Config{Capital: 100})
	require.NoError(t, err)
	assert.True(t, math.IsNaN(res.Metrics.Sharpe))
	assert.True(t, math.IsNaN(res.Metrics.WinRate))
	data, err := res.Metrics.MarshalJSON()
	require.NoError(t, err)
	assert.Contains(t, string(data), `"sharpe":null`)
	assert.Contains(t, string(data), `"cumulative_return":0`)
}
