package backtest

import (
	"encoding/json"
	"math"
)

// Metrics summarizes a backtest. Returns and drawdowns are fractions, not percent. A ratio
// whose denominator is zero, or a figure that needs more days than the window has, is NaN
// (null in JSON). docs/backtest.md gives every formula.
type Metrics struct {
	// Days is the number of bars in the window, n, which is also the number of daily returns.
	Days int
	// PeriodsPerYear is P, the number of bars in a year used to annualize.
	PeriodsPerYear int
	// CumulativeReturn is E_n / E_0 − 1.
	CumulativeReturn float64
	// AnnualizedReturn is (1 + CumulativeReturn)^(P/n) − 1.
	AnnualizedReturn float64
	// Volatility is the sample standard deviation of daily returns times √P.
	Volatility float64
	// Sharpe is (mean daily return − RiskFree/P) / its sample standard deviation · √P.
	Sharpe float64
	// Sortino is like Sharpe with the downside deviation √(mean(min(0, r − RiskFree/P)²)).
	Sortino float64
	// MaxDrawdown is the largest fall of equity from its running peak, E_0 included, as a
	// positive fraction of the peak.
	MaxDrawdown float64
	// Calmar is AnnualizedReturn / MaxDrawdown.
	Calmar float64
	// WinRate is the fraction of days spent with a position whose return was positive.
	WinRate float64
	// Trades is the number of fills.
	Trades int
	// Turnover is the total traded value divided by the mean closing equity.
	Turnover float64
	// Exposure is the mean of |position value / equity| over the closes.
	Exposure float64
	// Costs is the total commission paid.
	Costs float64
}

// ComputeMetrics computes the metrics of r from its Days, Trades, Capital and Config.
func ComputeMetrics(r *Result) Metrics {
	p := r.Config.PeriodsPerYear
	if p == 0 {
		p = 252
	}
	m := Metrics{Days: len(r.Days), PeriodsPerYear: p, Trades: len(r.Trades)}
	equity := r.Equity()
	n := len(r.Days)
	if n == 0 {
		return nanMetrics(m)
	}
	returns := DailyReturns(equity)

	m.CumulativeReturn = equity[n]/equity[0] - 1
	if growth := 1 + m.CumulativeReturn; growth > 0 {
		m.AnnualizedReturn = math.Pow(growth, float64(p)/float64(n)) - 1
	} else {
		m.AnnualizedReturn = -1
	}

	rf := r.Config.RiskFree / float64(p)
	mean, sd := meanStd(returns)
	m.Volatility = sd * math.Sqrt(float64(p))
	m.Sharpe = ratio(mean-rf, sd) * math.Sqrt(float64(p))
	var downside float64
	for _, x := range returns {
		if d := x - rf; d < 0 {
			downside += d * d
		}
	}
	m.Sortino = ratio(mean-rf, math.Sqrt(downside/float64(n))) * math.Sqrt(float64(p))

	m.MaxDrawdown = MaxDrawdown(equity)
	m.Calmar = ratio(m.AnnualizedReturn, m.MaxDrawdown)

	var held, wins int
	var exposure, meanEquity float64
	for i, d := range r.Days {
		if d.Shares != 0 {
			held++
			if returns[i] > 0 {
				wins++
			}
		}
		exposure += math.Abs(d.Exposure)
		meanEquity += d.Equity
	}
	m.WinRate = ratio(float64(wins), float64(held))
	m.Exposure = exposure / float64(n)
	meanEquity /= float64(n)
	var traded float64
	for _, t := range r.Trades {
		traded += t.Value
		m.Costs += t.Cost
	}
	m.Turnover = ratio(traded, meanEquity)
	return m
}

// DailyReturns returns E_i / E_{i−1} − 1 for i ≥ 1, and 0 where E_{i−1} is not positive
// (a ruined account earns nothing).
func DailyReturns(equity []float64) []float64 {
	out := make([]float64, 0, max(len(equity)-1, 0))
	for i := 1; i < len(equity); i++ {
		if equity[i-1] <= 0 {
			out = append(out, 0)
			continue
		}
		out = append(out, equity[i]/equity[i-1]-1)
	}
	return out
}

// MaxDrawdown returns max over i of 1 − E_i / max(E_0..E_i), or 0 for a curve that never falls.
func MaxDrawdown(equity []float64) float64 {
	var peak, worst float64
	for i, e := range equity {
		if i == 0 || e > peak {
			peak = e
		}
		if peak > 0 {
			worst = max(worst, 1-e/peak)
		}
	}
	return worst
}

// meanStd returns the mean and the sample standard deviation (n − 1), NaN when n < 2.
func meanStd(xs []float64) (mean, sd float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, math.NaN()
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}

// ratio returns a / b, NaN when b is zero or NaN.
func ratio(a, b float64) float64 {
	if b == 0 || math.IsNaN(b) {
		return math.NaN()
	}
	return a / b
}

func nanMetrics(m Metrics) Metrics {
	nan := math.NaN()
	m.CumulativeReturn, m.AnnualizedReturn, m.Volatility, m.Sharpe, m.Sortino = nan, nan, nan, nan, nan
	m.MaxDrawdown, m.Calmar, m.WinRate, m.Turnover, m.Exposure = nan, nan, nan, nan, nan
	return m
}

// metricsJSON is the JSON form of Metrics, with NaN as null.
type metricsJSON struct {
	Days             int      `json:"days"`
	PeriodsPerYear   int      `json:"periods_per_year"`
	CumulativeReturn *float64 `json:"cumulative_return"`
	AnnualizedReturn *float64 `json:"annualized_return"`
	Volatility       *float64 `json:"volatility"`
	Sharpe           *float64 `json:"sharpe"`
	Sortino          *float64 `json:"sortino"`
	MaxDrawdown      *float64 `json:"max_drawdown"`
	Calmar           *float64 `json:"calmar"`
	WinRate          *float64 `json:"win_rate"`
	Trades           int      `json:"trades"`
	Turnover         *float64 `json:"turnover"`
	Exposure         *float64 `json:"exposure"`
	Costs            *float64 `json:"costs"`
}

// MarshalJSON encodes m with snake_case keys and NaN as null.
func (m Metrics) MarshalJSON() ([]byte, error) {
	return json.Marshal(metricsJSON{
		Days: m.Days, PeriodsPerYear: m.PeriodsPerYear, Trades: m.Trades,
		CumulativeReturn: finite(m.CumulativeReturn), AnnualizedReturn: finite(m.AnnualizedReturn),
		Volatility: finite(m.Volatility), Sharpe: finite(m.Sharpe), Sortino: finite(m.Sortino),
		MaxDrawdown: finite(m.MaxDrawdown), Calmar: finite(m.Calmar), WinRate: finite(m.WinRate),
		Turnover: finite(m.Turnover), Exposure: finite(m.Exposure), Costs: finite(m.Costs),
	})
}

// finite returns a pointer to x, or nil when x is NaN or infinite.
func finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// UnmarshalJSON decodes the form written by MarshalJSON, with null as NaN.
func (m *Metrics) UnmarshalJSON(data []byte) error {
	var j metricsJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*m = Metrics{
		Days: j.Days, PeriodsPerYear: j.PeriodsPerYear, Trades: j.Trades,
		CumulativeReturn: orNaN(j.CumulativeReturn), AnnualizedReturn: orNaN(j.AnnualizedReturn),
		Volatility: orNaN(j.Volatility), Sharpe: orNaN(j.Sharpe), Sortino: orNaN(j.Sortino),
		MaxDrawdown: orNaN(j.MaxDrawdown), Calmar: orNaN(j.Calmar), WinRate: orNaN(j.WinRate),
		Turnover: orNaN(j.Turnover), Exposure: orNaN(j.Exposure), Costs: orNaN(j.Costs),
	}
	return nil
}

func orNaN(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}
