package backtest

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// SummaryColumns are the columns of the summary table. Returns, drawdown, volatility, win
// rate and exposure are percentages. Excess is the cumulative return minus the benchmark's,
// in percentage points.
var SummaryColumns = []string{
	"symbol", "strategy", "cum %", "ann %", "sharpe", "sortino", "max dd %", "calmar", "vol %",
	"win %", "trades", "turnover", "exposure %", "excess pp",
}

// SummaryRows returns one row of SummaryColumns per result, with the excess return measured
// against the result named benchmarkName of the same symbol (empty when there is none).
func SummaryRows(results []*Result, benchmarkName string) [][]string {
	rows := make([][]string, 0, len(results))
	for _, r := range results {
		m := r.Metrics
		excess := ""
		if b := Benchmark(results, r.Symbol, benchmarkName); b != nil {
			excess = decimal(100 * (m.CumulativeReturn - b.Metrics.CumulativeReturn))
		}
		rows = append(rows, []string{
			r.Symbol, r.Strategy, percent(m.CumulativeReturn), percent(m.AnnualizedReturn),
			decimal(m.Sharpe), decimal(m.Sortino), percent(m.MaxDrawdown), decimal(m.Calmar),
			percent(m.Volatility), percent(m.WinRate), strconv.Itoa(m.Trades), decimal(m.Turnover),
			percent(m.Exposure), excess,
		})
	}
	return rows
}

// WriteSummaryText writes the summary as an aligned plain-text table.
func WriteSummaryText(w io.Writer, results []*Result, benchmarkName string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(SummaryColumns, "\t")+"\t")
	for _, row := range SummaryRows(results, benchmarkName) {
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	return tw.Flush()
}

// WriteSummaryMarkdown writes the summary as a Markdown table.
func WriteSummaryMarkdown(w io.Writer, results []*Result, benchmarkName string) error {
	var b strings.Builder
	b.WriteString("| " + strings.Join(SummaryColumns, " | ") + " |\n|")
	for i := range SummaryColumns {
		if i < 2 {
			b.WriteString("---|")
		} else {
			b.WriteString("--:|")
		}
	}
	b.WriteString("\n")
	for _, row := range SummaryRows(results, benchmarkName) {
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
