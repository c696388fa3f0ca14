package llm

import (
	"fmt"
	"strings"

	"github.com/traderlab/trader/thinker"
)

// Call is one finished Think call, for the report a budget stop gives.
type Call struct {
	// Question is the question answered.
	Question thinker.Question `json:"question"`
	// Iterations is the number of refinement rounds run.
	Iterations int `json:"iterations"`
	// Requests is the number of chat requests sent or read from the cache, repairs included.
	Requests int `json:"requests"`
	// Usage is the tokens the call spent.
	Usage thinker.Usage `json:"usage"`
	// Expected is the thought's expected value, in log-return units, after the last round run.
	Expected float64 `json:"expected"`
	// Stopped reports a call that the budget stopped after Iterations rounds; it returned no
	// thought.
	Stopped bool `json:"stopped,omitempty"`
}

// BudgetError stops a run whose next request would exceed the token budget. It reports what
// finished before the stop and unwraps to ErrBudgetExceeded.
type BudgetError struct {
	// Budget is the configured token budget.
	Budget int
	// Estimate is the estimated cost of the refused request.
	Estimate int
	// Stats is the work done before the stop.
	Stats Stats
	// Finished lists the Think calls that completed before the stop, in order.
	Finished []Call
}

// Error reports the budget, the tokens spent and every finished call.
func (e *BudgetError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "llm token budget of %d would be exceeded: %d tokens used (%d prompt, %d completion) in %d requests, next request needs about %d",
		e.Budget, e.Stats.Usage.Total(), e.Stats.Usage.PromptTokens, e.Stats.Usage.CompletionTokens, e.Stats.Requests, e.Estimate)
	if len(e.Finished) == 0 {
		b.WriteString("; nothing finished")
	} else {
		b.WriteString("; finished:")
		for i, c := range e.Finished {
			sep := ","
			if i == 0 {
				sep = ""
			}
			stopped := ""
			if c.Stopped {
				stopped = "stopped after "
			}
			fmt.Fprintf(&b, "%s %s (%s%d iterations, %d tokens, expected %+.2f%% log return)", sep, c.Question, stopped, c.Iterations, c.Usage.Total(), 100*c.Expected)
		}
	}
	b.WriteString("; raise the token budget, lower the iterations, or rerun with the cache on to reuse the answers")
	return b.String()
}

// Unwrap returns ErrBudgetExceeded.
func (e *BudgetError) Unwrap() error { return ErrBudgetExceeded }
