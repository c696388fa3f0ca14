package backtest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/traderlab/trader/backtest"
	"github.com/traderlab/trader/backtest/strategy"
	"github.com/traderlab/trader/marketdata"
)

// ExampleRun buys and holds over three days: the decision after the close of January 1 fills
// at the open of January 2, 100, and the last close is 110.
func ExampleRun() {
	day := func(d int, open, close float64) marketdata.Bar {
		return marketdata.Bar{
			Date: time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC),
			Open: open, High: max(open, close), Low: min(open, close), Close: close,
		}
	}
	series := &marketdata.Series{Symbol: "DEMO", Bars: []marketdata.Bar{
		day(1, 95, 96), day(2, 100, 104), day(3, 104, 99), day(4, 99, 110),
	}}
	window := backtest.Window{From: series.Bars[1].Date, To: series.Bars[3].Date}
	res, err := backtest.Run(context.Background(), series, strategy.BuyAndHold{}, window, backtest.Config{Capital: 1000})
	if err != nil {
		fmt.Println(err)
		return
	}
	m := res.Metrics
	fmt.Printf("trades %d, cumulative %.1f%%, max drawdown %.2f%%\n", m.Trades, 100*m.CumulativeReturn, 100*m.MaxDrawdown)
	// Output: trades 1, cumulative 10.0%, max drawdown 4.81%
}
