package latentmodel

import (
	"errors"
	"fmt"
	"math"
)

// Config fixes the shape of a model. A weights file stores it, so a model can only load weights
// made for the same Config.
type Config struct {
	Features      int     `json:"features"`       // input features per day
	Width         int     `json:"width"`          // model width (token and state size)
	Heads         int     `json:"heads"`          // attention heads; Width/Heads must be even
	MLPHidden     int     `json:"mlp_hidden"`     // SwiGLU hidden size
	PreludeBlocks int     `json:"prelude_blocks"` // blocks before the recurrence, run once
	CoreBlocks    int     `json:"core_blocks"`    // blocks of the recurrent core, run every step
	CodaBlocks    int     `json:"coda_blocks"`    // blocks after the recurrence, run once
	Window        int     `json:"window"`         // maximum days per window
	Bins          int     `json:"bins"`           // output bins per question
	MeanSteps     int     `json:"mean_steps"`     // mean core steps in training; sets the init depth scaling
	BackpropSteps int     `json:"backprop_steps"` // core steps differentiated in training
	RopeBase      float64 `json:"rope_base"`      // base of the rotary position frequencies
}

// ErrInvalidConfig is wrapped by every error that Config.Validate returns.
var ErrInvalidConfig = errors.New("invalid model config")

// DefaultConfig returns the shape of the embedded model: 18 features, width 128, 4 heads,
// SwiGLU hidden 256, blocks (1, 2, 1), a 64-day window, 16 bins, 16 mean steps of which the
// last 8 are differentiated, RoPE base 10000.
func DefaultConfig() Config {
	return Config{
		Features:      18,
		Width:         128,
		Heads:         4,
		MLPHidden:     256,
		PreludeBlocks: 1,
		CoreBlocks:    2,
		CodaBlocks:    1,
		Window:        64,
		Bins:          16,
		MeanSteps:     16,
		BackpropSteps: 8,
		RopeBase:      10000,
	}
}

// Validate checks every field and returns an error naming the first invalid one.
func (c Config) Validate() error {
	positive := []struct {
		name  string
		value int
		min   int
	}{
		{"features", c.Features, 1},
		{"width", c.Width, 2},
		{"heads", c.Heads, 1},
		{"mlp_hidden", c.MLPHidden, 1},
		{"prelude_blocks", c.PreludeBlocks, 0},
		{"core_blocks", c.CoreBlocks, 1},
		{"coda_blocks", c.CodaBlocks, 0},
		{"window", c.Window, 1},
		{"bins", c.Bins, 2},
		{"mean_steps", c.MeanSteps, 1},
		{"backprop_steps", c.BackpropSteps, 1},
	}
	for _, f := range positive {
		if f.value < f.min {
			return fmt.Errorf("%w: %s is %d, must be at least %d", ErrInvalidConfig, f.name, f.value, f.min)
		}
	}
	if c.Width%c.Heads != 0 || (c.Width/c.Heads)%2 != 0 {
		return fmt.Errorf("%w: width %d must split into %d heads of even size (rotary embeddings rotate pairs)",
			ErrInvalidConfig, c.Width, c.Heads)
	}
	if !(c.RopeBase > 1) || math.IsInf(c.RopeBase, 0) {
		return fmt.Errorf("%w: rope_base is %v, must be a finite number above 1", ErrInvalidConfig, c.RopeBase)
	}
	return nil
}

// headDim is the size of one attention head.
func (c Config) headDim() int { return c.Width / c.Heads }

// effectiveDepth is the number of blocks a token passes through at the mean step count; the
// init divides the output projections by sqrt(2·effectiveDepth).
func (c Config) effectiveDepth() int {
	return c.PreludeBlocks + c.CoreBlocks*c.MeanSteps + c.CodaBlocks
}
