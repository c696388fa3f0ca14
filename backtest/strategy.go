package backtest

import (
	"context"

	"github.com/traderlab/trader/marketdata"
)

// Strategy decides a target position after the close of a day.
type Strategy interface {
	// Name identifies the strategy in tables and files, for example "macd".
	Name() string
	// Decide returns the target position for the next bar as a signed fraction of equity in
	// [−1, 1], negative for a short. view ends at the day just closed. Decide must depend only
	// on view and on the strategy's settings, so that the same view gives the same target.
	Decide(ctx context.Context, view marketdata.View) (float64, error)
}
