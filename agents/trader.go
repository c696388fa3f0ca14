package agents

import (
	"context"
	"fmt"
	"strings"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

// Trader is the agent whose distribution drives the decision. It asks the return question: the
// log return from the last close to the close at the end of the horizon.
type Trader struct {
	// Thinker answers the trader's question. Required.
	Thinker thinker.Thinker
}

var _ Agent = (*Trader)(nil)

// NewTrader returns a Trader that thinks with th.
func NewTrader(th thinker.Thinker) *Trader { return &Trader{Thinker: th} }

// Name returns "trader".
func (tr *Trader) Name() string { return TraderName }

// Question returns latentmodel.Return.
func (tr *Trader) Question() thinker.Question { return latentmodel.Return }

// Respond puts the return question to the thinker and summarizes the expected return, the
// chance of a gain and the three most salient features whatever their lean.
func (tr *Trader) Respond(ctx context.Context, in Input) (*Response, error) {
	t, err := think(ctx, tr.Thinker, tr.Name(), tr.Question(), in)
	if err != nil {
		return nil, err
	}
	argument := sentences(
		fmt.Sprintf("Return %s: %s, P(gain) %.0f%%, %s.", horizon(in.Snapshot), distribution(t, "close"), t.ProbPositive*100, effort(t)),
		traderCase(Observe(in.Snapshot)),
	)
	return &Response{Thought: t, Argument: argument}, nil
}

func traderCase(obs []Observation) string {
	if len(obs) == 0 {
		return "No feature stands out."
	}
	var parts []string
	for _, o := range obs[:min(3, len(obs))] {
		switch o.Lean {
		case Bullish:
			parts = append(parts, o.Text+" (bullish)")
		case Bearish:
			parts = append(parts, o.Text+" (bearish)")
		default:
			parts = append(parts, o.Text)
		}
	}
	return "Notable: " + strings.Join(parts, "; ") + "."
}
