package graph

import "github.com/traderlab/trader/debate"

// EventKind is the kind of an Event.
type EventKind int

// Kinds of events, in the order a node produces them.
const (
	// NodeStart is sent before a node's turn thinks.
	NodeStart EventKind = iota
	// NodeStep is sent for each step of a finished turn, in order, before its NodeEnd. The
	// thinker interface returns steps with the thought, so they arrive when the turn ends.
	NodeStep
	// NodeEnd is sent when a turn has finished, with the turn.
	NodeEnd
	// NodeError is sent when a turn fails or is cancelled, with the error.
	NodeError
)

// String returns "start", "step", "end" or "error".
func (k EventKind) String() string {
	switch k {
	case NodeStart:
		return "start"
	case NodeStep:
		return "step"
	case NodeEnd:
		return "end"
	case NodeError:
		return "error"
	}
	return "unknown"
}

// Event reports progress of one turn of a node.
type Event struct {
	// Kind is the kind of event.
	Kind EventKind
	// Node is the node's name.
	Node string
	// Loop is the name of the node's loop, or empty.
	Loop string
	// Round is the 1-based round within the loop, or 0 outside loops.
	Round int
	// Index is the turn's index in the run (see Result.Turns).
	Index int
	// Step is the 1-based step of a NodeStep event, and Steps the node's step budget.
	Step, Steps int
	// Turn is the finished turn of a NodeEnd event.
	Turn *debate.Turn
	// Err is the error of a NodeError event.
	Err error
}

// Observer receives events. Nodes that run concurrently call it concurrently, so it must be
// safe for concurrent use; it should return quickly, as the node waits for it.
type Observer func(Event)

// RunOption configures one Run.
type RunOption func(*runConfig)

type runConfig struct {
	observers []Observer
}

// WithObserver adds an observer of the run's events. Several observers are called in the
// order they were given.
func WithObserver(o Observer) RunOption {
	return func(c *runConfig) {
		if o != nil {
			c.observers = append(c.observers, o)
		}
	}
}

func (c *runConfig) emit(e Event) {
	for _, o := range c.observers {
		o(e)
	}
}
