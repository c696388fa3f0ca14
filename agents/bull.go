package agents

import (
	"context"
	"fmt"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

// Bull is the researcher who argues for a rise. It asks the upside question: how far above the
// last close the highest high over the horizon will reach.
type Bull struct {
	// Thinker answers the bull's question. Required.
	Thinker thinker.Thinker
}

var _ Agent = (*Bull)(nil)

// NewBull returns a Bull that thinks with th.
func NewBull(th thinker.Thinker) *Bull { return &Bull{Thinker: th} }

// Name returns "bull".
func (b *Bull) Name() string { return BullName }

// Question returns latentmodel.Upside.
func (b *Bull) Question() thinker.Question { return latentmodel.Upside }

// Respond puts the upside question to the thinker and argues from the expected rise and the
// features that point up.
func (b *Bull) Respond(ctx context.Context, in Input) (*Response, error) {
	t, err := think(ctx, b.Thinker, b.Name(), b.Question(), in)
	if err != nil {
		return nil, err
	}
	argument := sentences(
		fmt.Sprintf("Upside %s: %s, %s.", horizon(in.Snapshot), distribution(t, "highest high"), effort(t)),
		rebuttal(t, in.Previous),
		researcherCase(Observe(in.Snapshot), Bullish, "rise"),
	)
	return &Response{Thought: t, Argument: argument}, nil
}
