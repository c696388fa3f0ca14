package backtest

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func roundTrip(t *testing.T) []*Result {
	t.Helper()
	s := series(t, "X", day{"2024-01-01", 100, 100}, day{"2024-01-02", 100, 110}, day{"2024-01-03", 110, 99})
	strat := schedule{"2024-01-01": 1}
	res, err := Run(context.Background(), s, strat, window(t, "2024-01-02", "2024-01-03"), Config{Capital: 1000, CostBps: 10})
	require.NoError(t, err)
	bench, err := Run(context.Background(), s, constant(1), window(t, "2024-01-02", "2024-01-03"), Config{Capital: 1000})
	require.NoError(t, err)
	bench.Strategy = "buy-and-hold"
	return []*Result{bench, res}
}

func TestEquityCSV(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteEquityCSV(&buf, roundTrip(t)))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 5)
	assert.Equal(t, strings.Join(EquityCSVHeader, ","), lines[0])
	assert.Equal(t, "X,buy-and-hold,2024-01-02,100,110,1,10,0,1100,1,1", lines[1])
	// No decision is taken after the last day, so its field is empty.
	assert.True(t, strings.HasSuffix(lines[2], ","), lines[2])
}

func TestTradesCSV(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteTradesCSV(&buf, roundTrip(t)))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 4)
	assert.Equal(t, "X,buy-and-hold,2024-01-01,2024-01-02,BUY,10,100,1000,0,0", lines[1])
	assert.True(t, strings.HasPrefix(lines[3], "X,schedule,2024-01-02,2024-01-03,SELL,"), lines[3])
}

func TestDocumentExcessReturn(t *testing.T) {
	results := roundTrip(t)
	doc := NewDocument(results, "buy-and-hold")
	require.Len(t, doc.Results, 2)
	require.NotNil(t, doc.Results[1].ExcessReturn)
	assert.InDelta(t, results[1].Metrics.CumulativeReturn-results[0].Metrics.CumulativeReturn, *doc.Results[1].ExcessReturn, 1e-15)
	assert.Equal(t, "2024-01-02", doc.Results[0].From)

	var buf bytes.Buffer
	require.NoError(t, doc.WriteJSON(&buf))
	var back Document
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	assert.Equal(t, results[1].Metrics.Sharpe, back.Results[1].Metrics.Sharpe)
	assert.Equal(t, results[1].Metrics.Trades, back.Results[1].Metrics.Trades)
}

func TestMetricsJSONNull(t *testing.T) {
	m := Metrics{Sharpe: math.NaN(), CumulativeReturn: 0.5}
	data, err := json.Marshal(m)
	require.NoError(t, err)
	var back Metrics
	require.NoError(t, json.Unmarshal(data, &back))
	assert.True(t, math.IsNaN(back.Sharpe))
	assert.Equal(t, 0.5, back.CumulativeReturn)
}

func TestSummaryTables(t *testing.T) {
	results := roundTrip(t)
	var text, md bytes.Buffer
	require.NoError(t, WriteSummaryText(&text, results, "buy-and-hold"))
	require.NoError(t, WriteSummaryMarkdown(&md, results, "buy-and-hold"))
	// Buy-and-hold: 1000 → 10 shares → 990 at the last close, −1 %.
	assert.Regexp(t, `X +buy-and-hold +-1\.00 `, text.String())
	assert.Contains(t, md.String(), "| X | buy-and-hold | -1.00 |")
	assert.Len(t, strings.Split(strings.TrimSpace(md.String()), "\n"), 4)
}

func TestPlotPNG(t *testing.T) {
	png, err := PlotPNG(roundTrip(t), "buy-and-hold", 6, 3)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")))
	_, err = PlotPNG(nil, "buy-and-hold", 6, 3)
	assert.Error(t, err)
}
