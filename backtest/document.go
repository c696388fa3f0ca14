package backtest

import (
	"encoding/json"
	"io"

	"github.com/traderlab/trader/marketdata"
)

// DocumentVersion is the version of Document's JSON schema.
const DocumentVersion = "1"

// Document is the JSON form of a set of backtest results.
type Document struct {
	SchemaVersion string           `json:"schema_version"`
	Benchmark     string           `json:"benchmark"`
	Results       []DocumentResult `json:"results"`
}

// DocumentResult is one strategy on one symbol.
type DocumentResult struct {
	Symbol   string         `json:"symbol"`
	Strategy string         `json:"strategy"`
	From     string         `json:"from"`
	To       string         `json:"to"`
	Config   DocumentConfig `json:"config"`
	Metrics  Metrics        `json:"metrics"`
	// ExcessReturn is the cumulative return minus the benchmark's, absent without one.
	ExcessReturn *float64 `json:"excess_return,omitempty"`
	FinalEquity  float64  `json:"final_equity"`
	Ruined       bool     `json:"ruined"`
}

// DocumentConfig is the account configuration of a result.
type DocumentConfig struct {
	Capital        float64 `json:"capital"`
	CostBps        float64 `json:"cost_bps"`
	SlippageBps    float64 `json:"slippage_bps"`
	AllowShort     bool    `json:"allow_short"`
	RiskFree       float64 `json:"risk_free"`
	PeriodsPerYear int     `json:"periods_per_year"`
}

// NewDocument returns the document of results, with excess returns against the result named
// benchmarkName of the same symbol.
func NewDocument(results []*Result, benchmarkName string) Document {
	doc := Document{SchemaVersion: DocumentVersion, Benchmark: benchmarkName, Results: []DocumentResult{}}
	for _, r := range results {
		c := r.Config
		dr := DocumentResult{
			Symbol: r.Symbol, Strategy: r.Strategy,
			From: marketdata.FormatDate(r.Window.From), To: marketdata.FormatDate(r.Window.To),
			Config: DocumentConfig{
				Capital: c.Capital, CostBps: c.CostBps, SlippageBps: c.SlippageBps, AllowShort: c.AllowShort,
				RiskFree: c.RiskFree, PeriodsPerYear: c.PeriodsPerYear,
			},
			Metrics: r.Metrics, Ruined: r.Ruined, FinalEquity: r.Capital,
		}
		if n := len(r.Days); n > 0 {
			dr.FinalEquity = r.Days[n-1].Equity
		}
		if b := Benchmark(results, r.Symbol, benchmarkName); b != nil {
			dr.ExcessReturn = finite(r.Metrics.CumulativeReturn - b.Metrics.CumulativeReturn)
		}
		doc.Results = append(doc.Results, dr)
	}
	return doc
}

// WriteJSON writes d indented by two spaces, followed by a newline.
func (d Document) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}
