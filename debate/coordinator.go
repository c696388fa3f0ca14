package debate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/traderlab/trader/agents"
	"github.com/traderlab/trader/thinker"
)

// StopReason is the reason a debate ended.
type StopReason string

// Reasons a debate ends.
const (
	// StopRounds means every configured round was played.
	StopRounds StopReason = "rounds"
	// StopConverged means a round changed every speaker's distribution by less than the
	// tolerance.
	StopConverged StopReason = "converged"
)

// Turn is one speaker's contribution.
type Turn struct {
	// Index is the 0-based position of the turn in the run.
	Index int
	// Round is the 1-based round of the turn; 0 marks a turn outside the debate rounds, such as
	// the trader's.
	Round int
	// Agent is the speaker's name.
	Agent string
	// Question is the speaker's question.
	Question thinker.Question
	// Seed is the seed the turn was given, TurnSeed(run seed, Index).
	Seed uint64
	// Thought is the speaker's thought.
	Thought *thinker.Thought
	// Argument is the speaker's case in words.
	Argument string
	// Duration is the wall time of the turn.
	Duration time.Duration
}

// Transcript is the record of one debate.
type Transcript struct {
	// Turns lists every turn in speaking order.
	Turns []Turn
	// Rounds is the number of rounds played.
	Rounds int
	// Stop is the reason the debate ended.
	Stop StopReason
	// Changes holds, for each round after the first, the largest total variation distance
	// between a speaker's distribution in that round and in the round before.
	Changes []float64
}

// Last returns the last turn, or nil for an empty transcript.
func (t *Transcript) Last() *Turn {
	if len(t.Turns) == 0 {
		return nil
	}
	return &t.Turns[len(t.Turns)-1]
}

// LastBy returns the last turn of the named agent, or nil when it never spoke.
func (t *Transcript) LastBy(agent string) *Turn {
	for i := len(t.Turns) - 1; i >= 0; i-- {
		if t.Turns[i].Agent == agent {
			return &t.Turns[i]
		}
	}
	return nil
}

// Messages returns the turns' arguments as a text transcript, oldest first.
func (t *Transcript) Messages() []thinker.Message {
	out := make([]thinker.Message, len(t.Turns))
	for i, turn := range t.Turns {
		out[i] = thinker.Message{Speaker: turn.Agent, Question: turn.Question, Text: turn.Argument}
	}
	return out
}

// ErrNoSpeakers means a Coordinator was built without agents.
var ErrNoSpeakers = errors.New("debate has no speakers")

// Coordinator runs debates between a fixed list of speakers. It is safe for concurrent use
// when its agents are.
type Coordinator struct {
	cfg      Config
	speakers []agents.Agent
}

// NewCoordinator returns a Coordinator whose rounds give the floor to speakers in order, usually
// the Bull then the Bear. It returns an error wrapping ErrInvalidConfig for a bad cfg and
// ErrNoSpeakers when no speaker is given.
func NewCoordinator(cfg Config, speakers ...agents.Agent) (*Coordinator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(speakers) == 0 {
		return nil, ErrNoSpeakers
	}
	for i, s := range speakers {
		if s == nil {
			return nil, fmt.Errorf("speaker %d is nil: %w", i, ErrNoSpeakers)
		}
	}
	return &Coordinator{cfg: cfg, speakers: append([]agents.Agent(nil), speakers...)}, nil
}

// Config returns the coordinator's configuration.
func (c *Coordinator) Config() Config { return c.cfg }

// Run debates snap. Turn i gets seed TurnSeed(seed, i), the text transcript of the turns before
// it and, as Previous, the thought of the turn just before it. With hand-off on, the turn also
// starts from that thought's latent state. Run stops after Config.Rounds rounds, or earlier as
// described at Config.Tolerance. It returns the first agent error, wrapped with the round.
func (c *Coordinator) Run(ctx context.Context, snap *thinker.Snapshot, seed uint64) (*Transcript, error) {
	log := zerolog.Ctx(ctx)
	tr := &Transcript{Stop: StopRounds}
	var previous *thinker.Thought
	for round := 1; round <= c.cfg.Rounds; round++ {
		for _, speaker := range c.speakers {
			index := len(tr.Turns)
			in := agents.Input{
				Snapshot:   snap,
				Previous:   previous,
				WarmStart:  c.cfg.Handoff && previous != nil,
				Transcript: tr.Messages(),
				Steps:      c.cfg.Steps,
				Seed:       TurnSeed(seed, index),
			}
			start := time.Now()
			resp, err := speaker.Respond(ctx, in)
			if err != nil {
				return nil, fmt.Errorf("debate round %d: %w", round, err)
			}
			turn := Turn{
				Index:    index,
				Round:    round,
				Agent:    speaker.Name(),
				Question: speaker.Question(),
				Seed:     in.Seed,
				Thought:  resp.Thought,
				Argument: resp.Argument,
				Duration: time.Since(start),
			}
			tr.Turns = append(tr.Turns, turn)
			previous = resp.Thought
			log.Debug().
				Str("agent", turn.Agent).
				Int("round", round).
				Int("steps", turn.Thought.Steps).
				Bool("converged", turn.Thought.Converged).
				Bool("warm_start", turn.Thought.WarmStarted).
				Float64("expected", turn.Thought.Expected).
				Msg("debate turn")
		}
		tr.Rounds = round

		if round == 1 {
			continue
		}
		change := c.roundChange(tr, round)
		tr.Changes = append(tr.Changes, change)
		if change < c.cfg.Tolerance {
			tr.Stop = StopConverged
			break
		}
	}
	return tr, nil
}

// roundChange returns the largest total variation distance between a speaker's thought in
// round and in the round before.
func (c *Coordinator) roundChange(tr *Transcript, round int) float64 {
	n := len(c.speakers)
	current := tr.Turns[(round-1)*n : round*n]
	before := tr.Turns[(round-2)*n : (round-1)*n]
	largest := 0.0
	for i := range current {
		p, q := current[i].Thought.Probs, before[i].Thought.Probs
		if len(p) != len(q) {
			// Distributions over different bins cannot be compared, so the round counts as
			// fully changed.
			return 1
		}
		largest = max(largest, thinker.TotalVariation(p, q))
	}
	return largest
}
