package backtest

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/traderlab/trader/marketdata"
)

// EquityCSVHeader is the header of WriteEquityCSV.
var EquityCSVHeader = []string{
	"symbol", "strategy", "date", "open", "close", "target", "shares", "cash", "equity", "exposure", "decision",
}

// TradesCSVHeader is the header of WriteTradesCSV.
var TradesCSVHeader = []string{
	"symbol", "strategy", "decided", "date", "side", "shares", "price", "value", "cost", "slippage",
}

// WriteEquityCSV writes one row per day of each result: the account at the close and the
// decision taken after it. Numbers keep full precision, so metrics can be recomputed from
// the file. An empty decision means none was asked for (the window's last day).
func WriteEquityCSV(w io.Writer, results []*Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(EquityCSVHeader); err != nil {
		return err
	}
	for _, r := range results {
		for _, d := range r.Days {
			row := []string{
				r.Symbol, r.Strategy, marketdata.FormatDate(d.Date), num(d.Open), num(d.Close), num(d.Target),
				num(d.Shares), num(d.Cash), num(d.Equity), num(d.Exposure), num(d.Decision),
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteTradesCSV writes one row per fill of each result.
func WriteTradesCSV(w io.Writer, results []*Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(TradesCSVHeader); err != nil {
		return err
	}
	for _, r := range results {
		for _, t := range r.Trades {
			row := []string{
				r.Symbol, r.Strategy, marketdata.FormatDate(t.Decided), marketdata.FormatDate(t.Date), string(t.Side),
				num(t.Shares), num(t.Price), num(t.Value), num(t.Cost), num(t.Slippage),
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// num formats x with the fewest digits that read back exactly, and NaN as an empty field.
func num(x float64) string {
	if math.IsNaN(x) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// Benchmark returns the buy-and-hold result of symbol among results, or nil.
func Benchmark(results []*Result, symbol, benchmarkName string) *Result {
	for _, r := range results {
		if r.Symbol == symbol && r.Strategy == benchmarkName {
			return r
		}
	}
	return nil
}

// percent formats a fraction as a percentage with two decimals, "n/a" when undefined.
func percent(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", 100*x)
}

// decimal formats x with two decimals, "n/a" when undefined.
func decimal(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", x)
}
