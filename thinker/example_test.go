package thinker_test

import (
	"fmt"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

func ExampleNewThought() {
	// Four bins of 1% between -2% and +2%.
	t, err := thinker.NewThought(latentmodel.Return, []float64{0.1, 0.2, 0.3, 0.4}, []float64{-0.02, -0.01, 0, 0.01, 0.02})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("expected %.4f\n", t.Expected)
	fmt.Printf("p10 %.4f, p50 %.4f, p90 %.4f\n", t.P10, t.P50, t.P90)
	fmt.Printf("P(return > 0) %.2f, P(return > 1%%) %.2f\n", t.ProbPositive, t.ProbAbove(0.01))
	// Output:
	// expected 0.0050
	// p10 -0.0100, p50 0.0067, p90 0.0175
	// P(return > 0) 0.70, P(return > 1%) 0.40
}
