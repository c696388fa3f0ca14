package backtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/traderlab/trader/marketdata"
)

// ErrInvalidTarget means a strategy returned a target that is not a number in [−1, 1].
var ErrInvalidTarget = errors.New("invalid target position")

// Run simulates strategy on the bars of series dated within window, both ends included, and
// returns the daily account, the trades and the metrics. The strategy is first asked after the
// close of the last bar before the window (when there is one), so its target fills at the
// window's first open. It is not asked after the window's last close.
//
// Run trades the prices it is given: pass series.Adjusted() for returns that include splits
// and dividends.
func Run(ctx context.Context, series *marketdata.Series, strategy Strategy, window Window, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	first, last, err := windowBars(series, window)
	if err != nil {
		return nil, err
	}
	if cfg.PeriodsPerYear == 0 {
		cfg.PeriodsPerYear = PeriodsPerYear(series)
	}
	bars := series.Bars
	res := &Result{
		Symbol:   series.Symbol,
		Strategy: strategy.Name(),
		Window:   Window{From: bars[first].Date, To: bars[last].Date},
		Config:   cfg,
		Capital:  cfg.Capital,
		Days:     make([]Day, 0, last-first+1),
	}
	acct := &account{cash: cfg.Capital, costRate: cfg.CostBps / 1e4, slipRate: cfg.SlippageBps / 1e4}

	// pending is the strategy's last target, decided after the close of bar decided.
	pending, decided := 0.0, time.Time{}
	if first > 0 {
		if pending, err = decide(ctx, series, strategy, first-1); err != nil {
			return nil, err
		}
		decided = bars[first-1].Date
	}
	sizedFor := 0.0 // the target the share count was last sized for
	for i := first; i <= last; i++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		bar := bars[i]
		target := clampTarget(pending, cfg.AllowShort)

		equityOpen := acct.equity(bar.Open)
		if equityOpen <= 0 {
			acct.ruined = true
		}
		if acct.ruined {
			target = 0
		}
		if target != sizedFor || (acct.ruined && acct.shares != 0) {
			shares := acct.targetShares(target, equityOpen, bar.Open)
			if tr, ok := acct.fill(shares, bar.Open, decided, bar.Date); ok {
				res.Trades = append(res.Trades, tr)
			}
			sizedFor = target
		}

		day := Day{
			Date: bar.Date, Open: bar.Open, Close: bar.Close, Target: target,
			Shares: acct.shares, Cash: acct.cash, Equity: acct.equity(bar.Close), Decision: math.NaN(),
		}
		if day.Equity > 0 {
			day.Exposure = acct.shares * bar.Close / day.Equity
		} else {
			acct.ruined = true
		}
		if i < last {
			if pending, err = decide(ctx, series, strategy, i); err != nil {
				return nil, err
			}
			decided = bar.Date
			day.Decision = pending
		}
		res.Days = append(res.Days, day)
		if cfg.Progress != nil {
			cfg.Progress(i-first+1, last-first+1)
		}
	}
	res.Ruined = acct.ruined
	res.Metrics = ComputeMetrics(res)
	return res, nil
}

// decide returns strategy's target after the close of bar i, computed from a view that ends there.
func decide(ctx context.Context, series *marketdata.Series, strategy Strategy, i int) (float64, error) {
	date := series.Bars[i].Date
	view, err := series.AsOf(date)
	if err != nil {
		return 0, err
	}
	target, err := strategy.Decide(ctx, view)
	if err != nil {
		return 0, fmt.Errorf("strategy %s on %s as of %s: %w", strategy.Name(), series.Symbol, marketdata.FormatDate(date), err)
	}
	if math.IsNaN(target) || target < -1 || target > 1 {
		return 0, fmt.Errorf("strategy %s on %s as of %s returned %v, want a fraction in [-1, 1]: %w",
			strategy.Name(), series.Symbol, marketdata.FormatDate(date), target, ErrInvalidTarget)
	}
	return target, nil
}

// clampTarget maps a short target to flat when shorts are not allowed.
func clampTarget(w float64, allowShort bool) float64 {
	if w < 0 && !allowShort {
		return 0
	}
	return w
}

// windowBars returns the indexes of the first and last bar of series inside window.
func windowBars(series *marketdata.Series, window Window) (first, last int, err error) {
	from, to := marketdata.DateOf(window.From), marketdata.DateOf(window.To)
	if to.Before(from) {
		return 0, 0, fmt.Errorf("window %s..%s ends before it starts: %w",
			marketdata.FormatDate(from), marketdata.FormatDate(to), ErrInvalidWindow)
	}
	bars := series.Bars
	first = sort.Search(len(bars), func(i int) bool { return !bars[i].Date.Before(from) })
	last = sort.Search(len(bars), func(i int) bool { return bars[i].Date.After(to) }) - 1
	if first >= len(bars) || last < first {
		span := "no bars"
		if len(bars) > 0 {
			span = marketdata.FormatDate(bars[0].Date) + ".." + marketdata.FormatDate(bars[len(bars)-1].Date)
		}
		return 0, 0, fmt.Errorf("no bar of %s in %s..%s (the series covers %s); choose dates inside it: %w",
			series.Symbol, marketdata.FormatDate(from), marketdata.FormatDate(to), span, ErrInvalidWindow)
	}
	return first, last, nil
}

// PeriodsPerYear returns 365 when series has a bar on a Saturday or Sunday, as crypto does,
// and 252, the number of exchange days in a typical year, otherwise.
func PeriodsPerYear(series *marketdata.Series) int {
	for _, b := range series.Bars {
		if wd := b.Date.Weekday(); wd == time.Saturday || wd == time.Sunday {
			return 365
		}
	}
	return 252
}
