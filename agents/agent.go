package agents

import (
	"context"
	"errors"
	"fmt"

	"github.com/traderlab/trader/thinker"
)

// Names of the roles, as they appear in transcripts and reports.
const (
	BullName   = "bull"
	BearName   = "bear"
	TraderName = "trader"
)

// ErrNoThinker means an agent was used without a Thinker.
var ErrNoThinker = errors.New("agent has no thinker")

// Agent is one role in a debate.
//
// Implementations must be safe for concurrent use when their Thinker is.
type Agent interface {
	// Name returns the role's name, such as "bull".
	Name() string

	// Question returns the question the agent puts to its thinker.
	Question() thinker.Question

	// Respond thinks about in.Snapshot and returns the thought with an argument for it. It
	// returns the thinker's error wrapped with the agent's name, and an error wrapping
	// thinker.ErrInvalidThought when the thinker's result breaks the Thought invariants or
	// is about another question.
	Respond(ctx context.Context, in Input) (*Response, error)
}

// Input is the data an agent receives for one turn.
type Input struct {
	// Snapshot is the market as of the decision date. Required.
	Snapshot *thinker.Snapshot
	// Previous is the previous speaker's thought, or nil on the first turn. The argument
	// compares against it whether or not WarmStart is set.
	Previous *thinker.Thought
	// WarmStart makes the thinker start from Previous's latent state.
	WarmStart bool
	// Transcript is the debate so far, oldest first, for thinkers that hand off text.
	Transcript []thinker.Message
	// Steps is the compute budget of the turn, at least 1.
	Steps int
	// Seed is the seed of the turn's random choices.
	Seed uint64
}

// Response is an agent's contribution to the debate.
type Response struct {
	// Thought is the thinker's result.
	Thought *thinker.Thought
	// Argument is the agent's case in a few English sentences.
	Argument string
}

// think puts the agent's question to th and checks the result.
func think(ctx context.Context, th thinker.Thinker, name string, q thinker.Question, in Input) (*thinker.Thought, error) {
	if th == nil {
		return nil, fmt.Errorf("%s: %w; construct it with a thinker", name, ErrNoThinker)
	}
	req := thinker.Request{
		Question:   q,
		Snapshot:   in.Snapshot,
		Steps:      in.Steps,
		Transcript: in.Transcript,
		Seed:       in.Seed,
	}
	if in.WarmStart {
		req.Handoff = in.Previous
	}
	t, err := th.Think(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("%s: thinker %s: %w", name, th.Name(), err)
	}
	if t.Question != q {
		return nil, fmt.Errorf("%s: thinker %s returned a %s thought, expected %s: %w", name, th.Name(), t.Question, q, thinker.ErrInvalidThought)
	}
	return t, nil
}
