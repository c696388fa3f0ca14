package manager

import (
	"encoding/json"
	"io"

	"github.com/traderlab/trader/marketdata"
)

// SchemaVersion is the version of the JSON document written by Report.WriteJSON. It changes
// when a field is removed or changes meaning; added fields keep the version.
const SchemaVersion = "1"

// Document is the JSON form of a Report, described field by field in docs/output-json.md. All
// target values (bin edges, expected values, quantiles, edge, risk) are log returns over the
// horizon, as fractions.
type Document struct {
	SchemaVersion string         `json:"schema_version"`
	Ticker        string         `json:"ticker"`
	AsOf          string         `json:"as_of"`
	HorizonBars   int            `json:"horizon_bars"`
	Decision      Decision       `json:"decision"`
	Settings      Settings       `json:"settings"`
	Debate        DocumentDebate `json:"debate"`
	Turns         []DocumentTurn `json:"turns"`
	Model         ModelInfo      `json:"model"`
	// Compute is the compute policy's allocation; absent when every turn had settings.steps.
	Compute *Allocation `json:"compute,omitempty"`
	// Usage totals the language-model usage of every turn; absent when no turn used a language
	// model.
	Usage     *DocumentUsage     `json:"usage,omitempty"`
	TimingsMS map[string]float64 `json:"timings_ms"`
}

// DocumentUsage counts language-model tokens and requests.
type DocumentUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
	Requests         int `json:"requests"`
	CacheHits        int `json:"cache_hits"`
}

// DocumentDebate is the outcome of the debate: rounds played, stop reason and round changes.
type DocumentDebate struct {
	RoundsPlayed int       `json:"rounds_played"`
	StopReason   string    `json:"stop_reason"`
	RoundChanges []float64 `json:"round_changes"`
}

// DocumentTurn is one agent turn.
type DocumentTurn struct {
	Agent         string    `json:"agent"`
	Question      string    `json:"question"`
	Round         int       `json:"round"`
	Steps         int       `json:"steps"`
	Budget        int       `json:"budget,omitempty"`
	ExitReason    string    `json:"exit_reason,omitempty"`
	Converged     bool      `json:"converged"`
	WarmStart     bool      `json:"warm_start"`
	Probabilities []float64 `json:"probabilities"`
	BinEdges      []float64 `json:"bin_edges"`
	Expected      float64   `json:"expected"`
	StdDev        float64   `json:"std_dev"`
	Quantiles     Quantiles `json:"quantiles"`
	PUp           float64   `json:"p_up"`
	Argument      string    `json:"argument"`
	// Usage is the turn's language-model usage; absent for the latent thinker.
	Usage *DocumentUsage `json:"usage,omitempty"`
}

// Quantiles are the 10th, 50th and 90th percentiles of a turn's distribution.
type Quantiles struct {
	P10 float64 `json:"p10"`
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
}

// Document returns the JSON form of r.
func (r *Report) Document() Document {
	doc := Document{
		SchemaVersion: SchemaVersion,
		Ticker:        r.Ticker,
		AsOf:          marketdata.FormatDate(r.AsOf),
		HorizonBars:   r.Horizon,
		Decision:      r.Decision,
		Settings:      r.Settings,
		Debate: DocumentDebate{
			RoundsPlayed: r.Rounds,
			StopReason:   string(r.Stop),
			RoundChanges: append([]float64{}, r.Changes...),
		},
		Turns:     make([]DocumentTurn, len(r.Turns)),
		Model:     r.Model,
		Compute:   r.Compute,
		TimingsMS: make(map[string]float64, len(r.Timings)),
	}
	for i, turn := range r.Turns {
		t := turn.Thought
		doc.Turns[i] = DocumentTurn{
			Agent:         turn.Agent,
			Question:      turn.Question.String(),
			Round:         turn.Round,
			Steps:         t.Steps,
			Budget:        t.Budget,
			ExitReason:    string(t.ExitReason),
			Converged:     t.Converged,
			WarmStart:     t.WarmStarted,
			Probabilities: t.Probs,
			BinEdges:      t.BinEdges,
			Expected:      t.Expected,
			StdDev:        t.StdDev,
			Quantiles:     Quantiles{P10: t.P10, P50: t.P50, P90: t.P90},
			PUp:           t.ProbPositive,
			Argument:      turn.Argument,
		}
		if u := t.Usage; u.Total() > 0 || u.Requests > 0 || u.CacheHits > 0 {
			doc.Turns[i].Usage = &DocumentUsage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens,
				TotalTokens: u.Total(), Requests: u.Requests, CacheHits: u.CacheHits}
			if doc.Usage == nil {
				doc.Usage = &DocumentUsage{}
			}
			doc.Usage.PromptTokens += u.PromptTokens
			doc.Usage.CompletionTokens += u.CompletionTokens
			doc.Usage.TotalTokens += u.Total()
			doc.Usage.Requests += u.Requests
			doc.Usage.CacheHits += u.CacheHits
		}
	}
	for _, timing := range r.Timings {
		// Milliseconds with microsecond resolution.
		doc.TimingsMS[timing.Phase] = float64(timing.Duration.Microseconds()) / 1e3
	}
	return doc
}

// MarshalJSON encodes r as its Document.
func (r *Report) MarshalJSON() ([]byte, error) { return json.Marshal(r.Document()) }

// WriteJSON writes r's Document to w, indented by two spaces and followed by a newline.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r.Document())
}
