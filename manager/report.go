package manager

import (
	"time"

	"github.com/traderlab/trader/agents"
	"github.com/traderlab/trader/debate"
)

// Phases timed in Report.Timings.
const (
	PhaseSnapshot = "snapshot" // features and standardization; only in reports from Run
	PhaseDebate   = "debate"   // every researcher turn
	PhaseTrader   = "trader"   // the trader's turn and the decision rule
	PhaseTotal    = "total"    // the whole run
)

// Report is the result of one decision run.
type Report struct {
	// Ticker is the symbol decided on.
	Ticker string
	// AsOf is the date of the last bar used.
	AsOf time.Time
	// Horizon is the model's target horizon in bars, 0 when unknown.
	Horizon int
	// Decision is the outcome of the decision rule.
	Decision Decision
	// Turns lists the researchers' turns in speaking order, then the trader's turn (Round 0).
	// A GraphManager report lists every turn of the graph by index (see graph.Result.Turns),
	// ending with the decision node's.
	Turns []debate.Turn
	// Rounds is the number of debate rounds played: of the first loop for a GraphManager
	// report, 0 for a graph without loops.
	Rounds int
	// Stop is the reason the debate ended.
	Stop debate.StopReason
	// Changes holds the largest total variation change of each round after the first.
	Changes []float64
	// Settings are the manager settings of the run.
	Settings Settings
	// Model describes the weights.
	Model ModelInfo
	// Compute is the compute policy's allocation, or nil when every turn had Settings.Steps.
	Compute *Allocation
	// Timings lists the wall time of each phase in run order, ending with PhaseTotal.
	Timings []Timing
}

// Settings records the manager settings a report was produced with.
type Settings struct {
	// Graph names the graph of a GraphManager run; empty for the default debate.
	Graph     string  `json:"graph,omitempty"`
	Thinker   string  `json:"thinker"`
	Steps     int     `json:"steps"`
	Rounds    int     `json:"rounds"`
	Handoff   bool    `json:"handoff"`
	Tolerance float64 `json:"tolerance"`
	Seed      uint64  `json:"seed"`
	// Exit describes the latent exit rules (thinker.ExitRule.String); empty when fixed.
	Exit string `json:"exit,omitempty"`
	// Compute is "auto" when a ComputePolicy set the budgets; empty when every turn had Steps.
	Compute string `json:"compute,omitempty"`
}

// ModelInfo identifies the weights behind a report.
type ModelInfo struct {
	// Name is the bundle's name, such as "embedded" or a file name.
	Name string `json:"name"`
	// Parameters is the number of model parameters.
	Parameters int `json:"parameters"`
	// SHA256 is the hex digest of the weights file.
	SHA256 string `json:"sha256"`
}

// Timing is the wall time of one phase.
type Timing struct {
	Phase    string
	Duration time.Duration
}

// setTotal appends or replaces the PhaseTotal timing.
func (r *Report) setTotal(d time.Duration) {
	for i := range r.Timings {
		if r.Timings[i].Phase == PhaseTotal {
			r.Timings[i].Duration = d
			return
		}
	}
	r.Timings = append(r.Timings, Timing{Phase: PhaseTotal, Duration: d})
}

// Bull returns the bull's last turn, or nil.
func (r *Report) Bull() *debate.Turn { return r.lastBy(agents.BullName) }

// Bear returns the bear's last turn, or nil.
func (r *Report) Bear() *debate.Turn { return r.lastBy(agents.BearName) }

// Trader returns the trader's turn, or nil.
func (r *Report) Trader() *debate.Turn { return r.lastBy(agents.TraderName) }

func (r *Report) lastBy(agent string) *debate.Turn {
	for i := len(r.Turns) - 1; i >= 0; i-- {
		if r.Turns[i].Agent == agent {
			return &r.Turns[i]
		}
	}
	return nil
}
