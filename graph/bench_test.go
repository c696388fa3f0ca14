package graph

import "testing"

// BenchmarkRunFanOut measures the scheduling cost of the eight-turn fan-out graph with a fake
// thinker that does almost no work.
func BenchmarkRunFanOut(b *testing.B) {
	g, err := build(fanOut(&fake{}, &fake{})...)
	if err != nil {
		b.Fatal(err)
	}
	snap := snapshot()
	for b.Loop() {
		if _, err := g.Run(b.Context(), snap, 1); err != nil {
			b.Fatal(err)
		}
	}
}
