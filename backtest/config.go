package backtest

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrInvalidConfig means a Config field is out of range.
var ErrInvalidConfig = errors.New("invalid backtest config")

// ErrInvalidWindow means the requested date window holds no bar of the series.
var ErrInvalidWindow = errors.New("invalid backtest window")

// Config holds the account and cost settings of a backtest.
type Config struct {
	// Capital is the starting cash. Default 100000.
	Capital float64
	// CostBps is the commission in basis points of traded value. Default 0.
	CostBps float64
	// SlippageBps moves each fill price against the trade, in basis points. Default 0.
	SlippageBps float64
	// AllowShort lets negative targets open short positions. Without it they mean flat.
	AllowShort bool
	// RiskFree is the annual risk-free rate as a fraction, used by Sharpe and Sortino.
	// Default 0.
	RiskFree float64
	// PeriodsPerYear annualizes daily figures. 0 picks 365 when the series has a bar on a
	// Saturday or Sunday (crypto) and 252 otherwise.
	PeriodsPerYear int
	// Progress, when set, is called after each simulated day with the days done and the total.
	Progress func(done, total int)
}

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{Capital: 100000}
}

// Validate checks every field's range.
func (c Config) Validate() error {
	switch {
	case !(c.Capital > 0) || math.IsInf(c.Capital, 0):
		return fmt.Errorf("capital %v must be positive and finite: %w", c.Capital, ErrInvalidConfig)
	case !(c.CostBps >= 0) || c.CostBps >= 10000:
		return fmt.Errorf("cost %v bps must be in [0, 10000): %w", c.CostBps, ErrInvalidConfig)
	case !(c.SlippageBps >= 0) || c.SlippageBps >= 10000:
		return fmt.Errorf("slippage %v bps must be in [0, 10000): %w", c.SlippageBps, ErrInvalidConfig)
	case math.IsNaN(c.RiskFree) || c.RiskFree <= -1 || math.IsInf(c.RiskFree, 0):
		return fmt.Errorf("risk-free rate %v must be a finite fraction above -1: %w", c.RiskFree, ErrInvalidConfig)
	case c.PeriodsPerYear < 0:
		return fmt.Errorf("periods per year %d must not be negative: %w", c.PeriodsPerYear, ErrInvalidConfig)
	}
	return nil
}

// Window is an inclusive range of dates, UTC midnight.
type Window struct {
	From, To time.Time
}
