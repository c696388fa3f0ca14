package backtest

import "time"

// Side is the direction of a trade.
type Side string

// Sides of a trade. A sell that takes the share count below zero opens or adds to a short.
const (
	Buy  Side = "BUY"
	Sell Side = "SELL"
)

// Trade is one fill.
type Trade struct {
	// Decided is the date of the close after which the strategy set the target.
	Decided time.Time
	// Date is the date of the bar at whose open the order filled.
	Date time.Time
	// Side is BUY for a positive Shares and SELL for a negative one.
	Side Side
	// Shares is the signed change of the share count (fractional).
	Shares float64
	// Price is the fill price, the open moved against the trade by the slippage.
	Price float64
	// Value is |Shares| · Price.
	Value float64
	// Cost is the commission, CostBps of Value.
	Cost float64
	// Slippage is the cost of the price offset, |Shares| · open · SlippageBps / 10000.
	Slippage float64
}

// Day is the account at the close of one bar of the window.
type Day struct {
	// Date is the bar's date.
	Date time.Time
	// Open and Close are the bar's prices.
	Open, Close float64
	// Target is the target in force at this bar's open: the strategy's output after the
	// previous close, clamped to [0, 1] when shorts are not allowed, and 0 once the account is
	// ruined.
	Target float64
	// Shares is the signed share count held over the day.
	Shares float64
	// Cash is the cash at the close.
	Cash float64
	// Equity is Cash + Shares · Close.
	Equity float64
	// Exposure is Shares · Close / Equity, the position as a signed fraction of equity, or 0 when
	// equity is not positive.
	Exposure float64
	// Decision is the strategy's output after this close (unclamped), which fills at the next
	// bar's open. NaN on the last day of the window, where no decision is asked for.
	Decision float64
}

// Result is the outcome of one backtest of one strategy on one symbol.
type Result struct {
	// Symbol is the series' symbol and Strategy the strategy's name.
	Symbol, Strategy string
	// Window is the dates of the first and last bar simulated.
	Window Window
	// Config is the configuration used, with PeriodsPerYear resolved.
	Config Config
	// Capital is the starting equity.
	Capital float64
	// Days holds one entry per bar in the window.
	Days []Day
	// Trades lists the fills in date order.
	Trades []Trade
	// Ruined is true when equity reached zero or below at some open or close.
	Ruined bool
	// Metrics are computed from Days and Trades.
	Metrics Metrics
}

// Equity returns the equity at the close of each day, preceded by the starting capital.
func (r *Result) Equity() []float64 {
	out := make([]float64, 0, len(r.Days)+1)
	out = append(out, r.Capital)
	for _, d := range r.Days {
		out = append(out, d.Equity)
	}
	return out
}
