package manager_test

import (
	"fmt"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/manager"
	"github.com/traderlab/trader/thinker"
)

func ExampleDecisionRule_Decide() {
	// The researchers expect a 2% move each way; the trader puts 90% of its mass on a gain and
	// expects +0.4%.
	bull, _ := thinker.NewThought(latentmodel.Upside, []float64{1}, []float64{0.01, 0.03})
	bear, _ := thinker.NewThought(latentmodel.Downside, []float64{1}, []float64{0.01, 0.03})
	trader, _ := thinker.NewThought(latentmodel.Return, []float64{0.1, 0.9}, []float64{-0.01, 0, 0.01})

	d, err := manager.DefaultDecisionRule().Decide(trader, bull, bear)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s position %.2f confidence %.2f (edge %.3f, risk %.3f)\n", d.Action, d.Position, d.Confidence, d.Edge, d.Risk)
	// Output: BUY position 0.20 confidence 0.56 (edge 0.004, risk 0.020)
}
