package backtest

import "time"

// account is the cash and signed share count of one backtest.
type account struct {
	cash, shares float64
	ruined       bool
	costRate     float64 // commission per unit of traded value
	slipRate     float64 // fill price offset as a fraction of the open
}

// equity returns cash plus the position marked at price.
func (a *account) equity(price float64) float64 {
	return a.cash + a.shares*price
}

// targetShares returns the share count of target fraction w at an open price with equity e.
// Sizing on the all-in buy price makes a full long from cash spend exactly the cash.
func (a *account) targetShares(w, e, open float64) float64 {
	if e <= 0 {
		return 0
	}
	return w * e / (open * (1 + a.slipRate) * (1 + a.costRate))
}

// fill trades to shares at the open price and returns the trade, ok false when nothing trades.
func (a *account) fill(shares, open float64, decided, date time.Time) (Trade, bool) {
	delta := shares - a.shares
	if delta == 0 {
		return Trade{}, false
	}
	price := open * (1 + a.slipRate)
	side := Buy
	if delta < 0 {
		price = open * (1 - a.slipRate)
		side = Sell
	}
	value := abs(delta) * price
	cost := a.costRate * value
	a.cash -= delta*price + cost
	a.shares = shares
	return Trade{
		Decided: decided, Date: date, Side: side, Shares: delta, Price: price,
		Value: value, Cost: cost, Slippage: abs(delta) * open * a.slipRate,
	}, true
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
