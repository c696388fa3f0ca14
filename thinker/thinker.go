package thinker

import (
	"context"
	"errors"
	"fmt"
)

// Thinker answers one question about a market snapshot with a probability distribution.
//
// Implementations must be safe for concurrent use by several goroutines: the same Thinker
// usually serves every agent of a run.
type Thinker interface {
	// Name returns a short identifier of the thinker and its model for reports and logs, for
	// example "latent:embedded".
	Name() string

	// Think spends at most req.Steps steps on req.Question and returns the resulting Thought.
	// It returns an error wrapping ErrInvalidRequest when req is malformed, and ctx.Err()
	// (possibly wrapped) when ctx is cancelled before it finishes. The returned Thought belongs
	// to the caller; the thinker keeps no reference to it.
	Think(ctx context.Context, req Request) (*Thought, error)
}

// StateSharer is implemented by thinkers that can start from the latent state of an earlier
// Thought instead of a random one.
type StateSharer interface {
	// AcceptsState reports whether t carries a latent state this thinker can start from: the
	// state was produced by the same model (same weights digest) at the same width. Think still
	// starts cold when the state covers a different number of days than the request's snapshot.
	AcceptsState(t *Thought) bool
}

// Request is one question put to a Thinker.
type Request struct {
	// Question selects the target: return, upside or downside.
	Question Question
	// Snapshot is the market as of the decision date. Required.
	Snapshot *Snapshot
	// Steps is the compute budget: recurrent core steps for the latent thinker, refinement
	// rounds for an iterative text thinker. Must be at least 1.
	Steps int
	// Handoff is the previous speaker's Thought, or nil for a cold start. A StateSharer starts
	// from Handoff.State when it accepts it and from a random state otherwise.
	Handoff *Thought
	// Transcript is the debate so far, oldest first, for thinkers that hand off text. The
	// latent thinker ignores it.
	Transcript []Message
	// Seed determines every random choice of the call, such as the random initial latent
	// state, so the same request and seed give the same Thought.
	Seed uint64
}

// Message is one earlier contribution to a debate, as text.
type Message struct {
	// Speaker names the agent that spoke, for example "bull".
	Speaker string
	// Question is the question the speaker answered.
	Question Question
	// Text is the speaker's argument.
	Text string
}

// Sentinel errors of the package, for use with errors.Is.
var (
	// ErrInvalidRequest means a thinker cannot process a Request as given.
	ErrInvalidRequest = errors.New("invalid thinker request")
	// ErrInvalidThought means a Thought breaks its invariants, for example probabilities that
	// do not sum to 1.
	ErrInvalidThought = errors.New("invalid thought")
)

// Validate checks the fields every thinker needs: a known question, a non-empty snapshot and a
// positive step budget.
func (r Request) Validate() error {
	if !validQuestion(r.Question) {
		return fmt.Errorf("%w: question %d is not one of return, upside, downside", ErrInvalidRequest, int(r.Question))
	}
	if r.Snapshot == nil {
		return fmt.Errorf("%w: snapshot is nil; build one with NewSnapshot", ErrInvalidRequest)
	}
	if err := r.Snapshot.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	if r.Steps < 1 {
		return fmt.Errorf("%w: steps is %d, must be at least 1", ErrInvalidRequest, r.Steps)
	}
	return nil
}
