package debate

import (
	"errors"
	"fmt"
	"math"
)

// Defaults of Config.
const (
	DefaultRounds    = 2
	DefaultSteps     = 16
	DefaultTolerance = 0.01
)

// ErrInvalidConfig means a Config cannot run a debate.
var ErrInvalidConfig = errors.New("invalid debate config")

// Config sets how a debate runs. Start from DefaultConfig: the zero Config has no rounds and
// hand-off off.
type Config struct {
	// Rounds is the maximum number of rounds; each round every speaker speaks once. At least 1;
	// default 2.
	Rounds int
	// Handoff makes each turn after the first start from the previous speaker's final latent
	// state (when the thinker accepts it). Default true.
	Handoff bool
	// Tolerance stops the debate early, after a round in which every speaker's distribution moved
	// by less than Tolerance in total variation distance (½ Σ |p_k − q_k|, in [0, 1]) from that
	// speaker's distribution in the round before. Zero plays every round. Default 0.01.
	Tolerance float64
	// Steps is the compute budget of each turn, at least 1; default 16.
	Steps int
}

// DefaultConfig returns 2 rounds with hand-off, tolerance 0.01 and 16 steps per turn.
func DefaultConfig() Config {
	return Config{Rounds: DefaultRounds, Handoff: true, Tolerance: DefaultTolerance, Steps: DefaultSteps}
}

// Validate checks that every field is in range.
func (c Config) Validate() error {
	switch {
	case c.Rounds < 1:
		return fmt.Errorf("%w: rounds is %d, must be at least 1", ErrInvalidConfig, c.Rounds)
	case c.Steps < 1:
		return fmt.Errorf("%w: steps is %d, must be at least 1", ErrInvalidConfig, c.Steps)
	case !(c.Tolerance >= 0) || math.IsInf(c.Tolerance, 0):
		return fmt.Errorf("%w: tolerance is %v, must be a finite number ≥ 0 (0 plays every round)", ErrInvalidConfig, c.Tolerance)
	}
	return nil
}
