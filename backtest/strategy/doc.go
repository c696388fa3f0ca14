// Package strategy provides the strategies of a backtest: the baselines Buy&Hold, MACD
// crossover, KDJ with RSI, zero-mean reversion and SMA crossover, the indicators they use, and
// Agents, which runs the Bull/Bear debate and the Trader every day.
//
// Every strategy implements backtest.Strategy and decides from a marketdata.View alone. The
// baselines read only the last Lookback bars of the view (default 250, and the SMA crossover its
// last Slow bars), so a decision costs
// the same on the first and the last day of a long history, and the exponential averages have
// long forgotten their starting value. Rules that hold a position between signals replay
// those bars from a flat start each day, so the output is a pure function of the view.
//
// A target of −1 is a short. Without backtest.Config.AllowShort the engine treats it as flat.
package strategy
