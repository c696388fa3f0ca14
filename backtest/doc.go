// Package backtest runs daily walk-forward backtests of trading strategies over one symbol's
// bars, with costs, slippage and optional short positions, and computes their metrics.
//
// # Timing
//
// After the close of each day t the engine gives the strategy a marketdata.View as of t, which
// holds bars up to t and has no way to reach a later one. The strategy returns a target
// position as a signed fraction of equity in [−1, 1]. The order fills at the open of the next
// bar, t+1. The calendar is the series' own bars: equities trade on exchange days, and a
// symbol with bars every calendar day (crypto) trades every day. A day without a bar is a day
// without trading, and an order waits for the next bar's open.
//
// # Accounting
//
// The account holds cash and a signed, fractional number of shares. A target w becomes
// w · equity / (open · (1 + slippage) · (1 + cost)) shares, so a full long from cash spends
// exactly the cash. The engine trades only when the target changes. Between changes the share
// count stays fixed and the fraction drifts with the price. Buys fill at open · (1 + slippage)
// and sells at open · (1 − slippage), and the commission is cost · |shares| · fill price. A short
// sale adds its proceeds to cash, and the position is marked at each close, so a short whose
// price doubles loses its whole stake. Once equity at an open is zero or negative, the account
// is ruined: the position is closed and no new one opens.
//
// # Metrics
//
// Metrics are computed from the daily equity at each close (Metrics, docs/backtest.md lists
// the formulas). Returns annualize with 252 periods a year for symbols that trade on exchange
// days and 365 for symbols with weekend bars.
package backtest
