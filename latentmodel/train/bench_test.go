package train

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/latentmodel"
)

// BenchmarkTrainStep measures one optimizer step of the default model: a batch of 8 windows of
// 64 days at r = 16 (8 differentiated), gradients on every CPU, clipping and AdamW.
func BenchmarkTrainStep(b *testing.B) {
	data := syntheticData(b)
	opt := DefaultOptions()
	opt.Workers = runtime.NumCPU()
	model, err := latentmodel.New(opt.Config, 1)
	require.NoError(b, err)
	bundle, err := newBundle(data, model, opt)
	require.NoError(b, err)
	windows := data.TrainWindows(SplitTrain, opt.Config.Window, opt.Stride, rand.New(rand.NewPCG(1, 2)))
	require.GreaterOrEqual(b, len(windows), opt.BatchSize)
	examples := make([]latentmodel.Example, opt.BatchSize)
	seeds := make([]uint64, opt.BatchSize)
	for i := range examples {
		examples[i] = data.Example(bundle, windows[i], latentmodel.Question(i%latentmodel.NumQuestions))
		seeds[i] = uint64(i)
	}
	s := newStepper(model, opt)
	b.ResetTimer()
	for b.Loop() {
		s.step(examples, opt.Config.MeanSteps, seeds, 1e-4)
	}
	b.ReportMetric(float64(opt.BatchSize)*float64(b.N)/b.Elapsed().Seconds(), "windows/s")
}
