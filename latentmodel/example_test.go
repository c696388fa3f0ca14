package latentmodel_test

import (
	"fmt"

	"github.com/traderlab/trader/latentmodel"
)

// ExampleModel_Think runs an untrained model on a window of 10 flat days and stops when the
// distribution changes by less than 1e-3 nats between steps, at 8 steps at most.
func ExampleModel_Think() {
	cfg := latentmodel.DefaultConfig()
	m, err := latentmodel.New(cfg, 1)
	if err != nil {
		panic(err)
	}
	days := 10
	x := make([]float32, days*cfg.Features) // standardized features, all at their mean
	out, err := m.Think(x, days, latentmodel.Upside, latentmodel.ThinkOptions{
		Steps: 8,
		Seed:  2,
		OnStep: func(tr latentmodel.StepTrace) bool {
			return tr.Step == 1 || tr.KL >= 1e-3
		},
	})
	if err != nil {
		panic(err)
	}
	var total float32
	for _, p := range out.Probs {
		total += p
	}
	fmt.Println(len(out.Probs), len(out.State) == days*cfg.Width, out.Steps <= 8, fmt.Sprintf("%.3f", total))
	// Output: 16 true true 1.000
}
