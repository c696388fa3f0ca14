package strategy

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/traderlab/trader/backtest"
	"github.com/traderlab/trader/marketdata"
)

// ErrInvalidParams means a strategy parameter is out of range.
var ErrInvalidParams = errors.New("invalid strategy parameters")

// DefaultLookback is the number of latest bars a baseline reads from its view.
const DefaultLookback = 250

// Strategy names, as accepted by New and printed in tables.
const (
	NameBuyAndHold = "buy-and-hold"
	NameMACD       = "macd"
	NameKDJRSI     = "kdj-rsi"
	NameZMR        = "zmr"
	NameSMA        = "sma"
	NameAgents     = "agents"
)

// BaselineNames lists the baselines in table order.
var BaselineNames = []string{NameBuyAndHold, NameMACD, NameKDJRSI, NameZMR, NameSMA}

// NewBaseline returns the baseline called name with its default parameters.
func NewBaseline(name string) (backtest.Strategy, error) {
	switch name {
	case NameBuyAndHold:
		return BuyAndHold{}, nil
	case NameMACD:
		return DefaultMACDCross(), nil
	case NameKDJRSI:
		return DefaultKDJRSI(), nil
	case NameZMR:
		return DefaultZMR(), nil
	case NameSMA:
		return DefaultSMACross(), nil
	}
	return nil, fmt.Errorf("unknown baseline %q; use one of %v: %w", name, BaselineNames, ErrInvalidParams)
}

// BuyAndHold is fully long from the first open to the end.
type BuyAndHold struct{}

// Name returns "buy-and-hold".
func (BuyAndHold) Name() string { return NameBuyAndHold }

// Decide returns 1.
func (BuyAndHold) Decide(context.Context, marketdata.View) (float64, error) { return 1, nil }

// MACDCross is long while the MACD line is above its signal line and short (or flat) while it
// is below. Equal lines mean flat.
type MACDCross struct {
	Fast, Slow, Signal int // EMA spans in bars, default 12, 26, 9
	Lookback           int // bars read from the view, default DefaultLookback
}

// DefaultMACDCross returns MACD(12, 26, 9).
func DefaultMACDCross() MACDCross {
	return MACDCross{Fast: 12, Slow: 26, Signal: 9, Lookback: DefaultLookback}
}

// Name returns "macd".
func (MACDCross) Name() string { return NameMACD }

// Decide returns sign(MACD − signal) on the last bar, 0 before Slow bars exist.
func (s MACDCross) Decide(_ context.Context, view marketdata.View) (float64, error) {
	if s.Fast < 1 || s.Slow <= s.Fast || s.Signal < 1 || s.Lookback < s.Slow {
		return 0, fmt.Errorf("macd needs 1 <= fast < slow <= lookback and signal >= 1, have %+v: %w", s, ErrInvalidParams)
	}
	closes := lastCloses(view, s.Lookback)
	if len(closes) < s.Slow {
		return 0, nil
	}
	line, sig, _ := MACD(closes, s.Fast, s.Slow, s.Signal)
	last := len(closes) - 1
	return sign(line[last] - sig[last]), nil
}

// SMACross is long while the fast SMA is above the slow SMA and short (or flat) while below.
// It reads the last Slow bars of the view.
type SMACross struct {
	Fast, Slow int // SMA spans in bars, default 20, 50
}

// DefaultSMACross returns the 20/50 crossover.
func DefaultSMACross() SMACross { return SMACross{Fast: 20, Slow: 50} }

// Name returns "sma".
func (SMACross) Name() string { return NameSMA }

// Decide returns sign(SMA(fast) − SMA(slow)) on the last bar, 0 before Slow bars exist.
func (s SMACross) Decide(_ context.Context, view marketdata.View) (float64, error) {
	if s.Fast < 1 || s.Slow <= s.Fast {
		return 0, fmt.Errorf("sma needs 1 <= fast < slow, have %+v: %w", s, ErrInvalidParams)
	}
	closes := lastCloses(view, s.Slow)
	if len(closes) < s.Slow {
		return 0, nil
	}
	n := len(closes)
	return sign(mean(closes[n-s.Fast:]) - mean(closes[n-s.Slow:])), nil
}

// KDJRSI trades KDJ crosses filtered by RSI. Replaying the lookback from flat:
//   - a golden cross (K rises above D) goes long unless RSI ≥ Overbought.
//   - a death cross (K falls below D) goes short (or flat) unless RSI ≤ Oversold.
//   - a long is closed when RSI reaches Overbought, and a short when RSI reaches Oversold.
type KDJRSI struct {
	N, M1, M2            int     // KDJ window and smoothings, default 9, 3, 3
	RSIPeriod            int     // default 14
	Overbought, Oversold float64 // RSI levels, default 70, 30
	Lookback             int     // bars read from the view, default DefaultLookback
}

// DefaultKDJRSI returns KDJ(9, 3, 3) with RSI(14) at 70/30.
func DefaultKDJRSI() KDJRSI {
	return KDJRSI{N: 9, M1: 3, M2: 3, RSIPeriod: 14, Overbought: 70, Oversold: 30, Lookback: DefaultLookback}
}

// Name returns "kdj-rsi".
func (KDJRSI) Name() string { return NameKDJRSI }

// Decide replays the rule over the lookback and returns the position it ends in.
func (s KDJRSI) Decide(_ context.Context, view marketdata.View) (float64, error) {
	if s.N < 1 || s.M1 < 1 || s.M2 < 1 || s.RSIPeriod < 1 || !(s.Oversold < s.Overbought) || s.Lookback <= max(s.N, s.RSIPeriod) {
		return 0, fmt.Errorf("kdj-rsi needs positive periods, oversold < overbought and lookback > the periods, have %+v: %w", s, ErrInvalidParams)
	}
	b := tail(view, s.Lookback)
	k, d, _ := KDJ(b.high, b.low, b.close, s.N, s.M1, s.M2)
	rsi := RSI(b.close, s.RSIPeriod)
	pos := 0.0
	for i := 1; i < len(b.close); i++ {
		if math.IsNaN(k[i-1]) || math.IsNaN(rsi[i]) {
			continue
		}
		golden := k[i-1] <= d[i-1] && k[i] > d[i]
		death := k[i-1] >= d[i-1] && k[i] < d[i]
		switch {
		case golden && rsi[i] < s.Overbought:
			pos = 1
		case death && rsi[i] > s.Oversold:
			pos = -1
		case pos > 0 && rsi[i] >= s.Overbought, pos < 0 && rsi[i] <= s.Oversold:
			pos = 0
		}
	}
	return pos, nil
}

// ZMR is zero-mean reversion of the z-score of the close over Window bars: long when z falls
// below −Entry, short (or flat) when it rises above Entry, and back to flat when z crosses
// −Exit (long) or Exit (short). With Exit 0 a position closes when the price returns to its
// moving average.
type ZMR struct {
	Window   int     // z-score window in bars, default 20
	Entry    float64 // |z| that opens a position, default 1
	Exit     float64 // |z| inside which a position closes, default 0
	Lookback int     // bars read from the view, default DefaultLookback
}

// DefaultZMR returns ZMR over 20 bars with entry 1 and exit 0.
func DefaultZMR() ZMR { return ZMR{Window: 20, Entry: 1, Exit: 0, Lookback: DefaultLookback} }

// Name returns "zmr".
func (ZMR) Name() string { return NameZMR }

// Decide replays the rule over the lookback and returns the position it ends in.
func (s ZMR) Decide(_ context.Context, view marketdata.View) (float64, error) {
	if s.Window < 2 || !(s.Entry > s.Exit) || s.Exit < 0 || s.Lookback < s.Window {
		return 0, fmt.Errorf("zmr needs window >= 2, entry > exit >= 0 and lookback >= window, have %+v: %w", s, ErrInvalidParams)
	}
	z := ZScore(lastCloses(view, s.Lookback), s.Window)
	pos := 0.0
	for _, x := range z {
		switch {
		case math.IsNaN(x):
		case x < -s.Entry:
			pos = 1
		case x > s.Entry:
			pos = -1
		case pos > 0 && x >= -s.Exit, pos < 0 && x <= s.Exit:
			pos = 0
		}
	}
	return pos, nil
}

// prices holds the columns of the last bars of a view.
type prices struct {
	high, low, close []float64
}

// tail returns the prices of the last n bars of view, or of all of them when it has fewer.
func tail(view marketdata.View, n int) prices {
	start := max(view.Len()-n, 0)
	count := view.Len() - start
	cols := make([]float64, 3*count)
	p := prices{high: cols[:count], low: cols[count : 2*count], close: cols[2*count:]}
	for i := range count {
		b := view.Bar(start + i)
		p.high[i], p.low[i], p.close[i] = b.High, b.Low, b.Close
	}
	return p
}

// lastCloses returns the closes of the last n bars of view, or of all of them when it has fewer.
func lastCloses(view marketdata.View, n int) []float64 {
	start := max(view.Len()-n, 0)
	out := make([]float64, view.Len()-start)
	for i := range out {
		out[i] = view.Bar(start + i).Close
	}
	return out
}

// mean returns the mean of xs.
func mean(xs []float64) float64 {
	var sum float64
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

func sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

var (
	_ backtest.Strategy = BuyAndHold{}
	_ backtest.Strategy = MACDCross{}
	_ backtest.Strategy = SMACross{}
	_ backtest.Strategy = KDJRSI{}
	_ backtest.Strategy = ZMR{}
)
