package agents

import (
	"context"
	"fmt"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

// Bear is the researcher who argues for a fall. It asks the downside question: how far below
// the last close the lowest low over the horizon will reach.
type Bear struct {
	// Thinker answers the bear's question. Required.
	Thinker thinker.Thinker
}

var _ Agent = (*Bear)(nil)

// NewBear returns a Bear that thinks with th.
func NewBear(th thinker.Thinker) *Bear { return &Bear{Thinker: th} }

// Name returns "bear".
func (b *Bear) Name() string { return BearName }

// Question returns latentmodel.Downside.
func (b *Bear) Question() thinker.Question { return latentmodel.Downside }

// Respond puts the downside question to the thinker and argues from the expected fall and the
// features that point down.
func (b *Bear) Respond(ctx context.Context, in Input) (*Response, error) {
	t, err := think(ctx, b.Thinker, b.Name(), b.Question(), in)
	if err != nil {
		return nil, err
	}
	argument := sentences(
		fmt.Sprintf("Downside %s: %s, %s.", horizon(in.Snapshot), distribution(t, "lowest low"), effort(t)),
		rebuttal(t, in.Previous),
		researcherCase(Observe(in.Snapshot), Bearish, "fall"),
	)
	return &Response{Thought: t, Argument: argument}, nil
}
