package train

import (
	"math/rand/v2"

	"github.com/traderlab/trader/latentmodel"
)

// Window is a run of consecutive days of one symbol, [Start, End] inclusive, with the days whose
// targets are scored.
type Window struct {
	Symbol     int
	Start, End int
	// Scored marks the positions (offsets from Start) whose target counts in the loss.
	Scored []bool
}

// Days returns the window length in days.
func (w Window) Days() int { return w.End - w.Start + 1 }

// firstFeatureDay returns the first day whose features are all defined.
func firstFeatureDay(s *Symbol) int {
	for t, row := range s.Features {
		if finiteRow(row) {
			return t
		}
	}
	return len(s.Features)
}

// splitRange returns the first and last day of split, or ok=false when the symbol has none.
func splitRange(s *Symbol, split Split) (first, last int, ok bool) {
	first, last = -1, -1
	for t, sp := range s.Split {
		if sp == split {
			if first < 0 {
				first = t
			}
			last = t
		}
	}
	return first, last, first >= 0
}

// EvalWindows covers every day of split exactly once: blocks of stride consecutive days, each
// scored at the end of a window of up to length days, so every scored day sees at least
// length−stride+1 days of context (fewer only at the very start of a symbol's history).
func (d *Data) EvalWindows(split Split, length, stride int) []Window {
	var windows []Window
	for si, s := range d.Symbols {
		first, last, ok := splitRange(s, split)
		if !ok {
			continue
		}
		firstFeature := firstFeatureDay(s)
		for prev := first - 1; prev < last; prev += stride {
			end := min(prev+stride, last)
			start := max(firstFeature, end-length+1)
			w := Window{Symbol: si, Start: start, End: end, Scored: make([]bool, end-start+1)}
			any := false
			for t := max(prev+1, start); t <= end; t++ {
				if s.Split[t] == split {
					w.Scored[t-start] = true
					any = true
				}
			}
			if any {
				windows = append(windows, w)
			}
		}
	}
	return windows
}

// TrainWindows returns windows of length days at the given stride, starting at a random offset,
// scoring every day of split inside each window.
func (d *Data) TrainWindows(split Split, length, stride int, rng *rand.Rand) []Window {
	var windows []Window
	for si, s := range d.Symbols {
		first, last, ok := splitRange(s, split)
		if !ok {
			continue
		}
		firstFeature := firstFeatureDay(s)
		for end := first + rng.IntN(stride); end <= last+stride-1; end += stride {
			end := min(end, last)
			start := max(firstFeature, end-length+1)
			w := Window{Symbol: si, Start: start, End: end, Scored: make([]bool, end-start+1)}
			for t := start; t <= end; t++ {
				w.Scored[t-start] = s.Split[t] == split
			}
			windows = append(windows, w)
			if end == last {
				break
			}
		}
	}
	return windows
}

// Example builds the model input of a window for question q: standardized features and the bin
// index of each scored day's target (−1 for days that are not scored).
func (d *Data) Example(b *latentmodel.Bundle, w Window, q latentmodel.Question) latentmodel.Example {
	s := d.Symbols[w.Symbol]
	x := b.Standardize(s.Features[w.Start : w.End+1])
	targets := make([]int32, w.Days())
	for i := range targets {
		targets[i] = -1
		if w.Scored[i] {
			targets[i] = int32(BinIndex(b.BinEdges[q], s.Targets[q][w.Start+i]))
		}
	}
	return latentmodel.Example{X: x, Days: w.Days(), Question: q, Targets: targets}
}
