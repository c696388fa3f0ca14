package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/marketdata"
)

// Options configures a training run. Zero values take the defaults of DefaultOptions.
type Options struct {
	Config       latentmodel.Config
	Seed         uint64
	Epochs       int
	BatchSize    int     // windows per optimizer step
	LearningRate float64 // peak rate after warmup
	Warmup       int     // optimizer steps of linear warmup
	MinLRFactor  float64 // final rate of the cosine decay, as a fraction of the peak
	WeightDecay  float64
	ClipNorm     float64 // maximum global gradient norm
	Stride       int     // days between the ends of successive training windows
	Workers      int     // goroutines computing gradients; results do not depend on it
	// FixedSteps, when positive, replaces the sampled recurrence count of every training step,
	// for example 1 to train a fixed-depth twin as a baseline for the recurrent model.
	FixedSteps int
	// OutPath, when set, receives the best checkpoint so far after every epoch that improves the
	// validation loss, so an interrupted run still leaves usable weights.
	OutPath string
	// Command is recorded in the provenance of the weights.
	Command string
}

// DefaultOptions returns the settings used for the embedded weights.
func DefaultOptions() Options {
	cfg := latentmodel.DefaultConfig()
	return Options{
		Config:       cfg,
		Seed:         1,
		Epochs:       8,
		BatchSize:    8,
		LearningRate: 1e-3,
		Warmup:       100,
		MinLRFactor:  0.1,
		WeightDecay:  0.1,
		ClipNorm:     1.0,
		Stride:       cfg.Window / 2,
		Workers:      runtime.NumCPU(),
	}
}

// EpochStats summarizes one epoch.
type EpochStats struct {
	Epoch          int
	TrainLoss      float64
	ValidationLoss float64         // at r = MeanSteps
	ValidationByR  map[int]float64 // validation loss at a few other r, to see whether depth helps
	WindowsPerSec  float64
	Duration       time.Duration
}

// Validate checks the settings that the model config does not cover and names the first invalid
// one with its flag.
func (o Options) Validate() error {
	checks := []struct {
		ok   bool
		text string
	}{
		{o.Epochs >= 1, fmt.Sprintf("--epochs %d must be at least 1", o.Epochs)},
		{o.BatchSize >= 1, fmt.Sprintf("--batch %d must be at least 1", o.BatchSize)},
		{o.Stride >= 1, fmt.Sprintf("--stride %d must be at least 1", o.Stride)},
		{o.LearningRate > 0 && !math.IsInf(o.LearningRate, 0), fmt.Sprintf("--lr %v must be a positive number", o.LearningRate)},
		{o.Warmup >= 0, fmt.Sprintf("warmup %d must not be negative", o.Warmup)},
		{o.MinLRFactor >= 0 && o.MinLRFactor <= 1, fmt.Sprintf("minimum learning-rate factor %v must be in [0, 1]", o.MinLRFactor)},
		{o.WeightDecay >= 0, fmt.Sprintf("weight decay %v must not be negative", o.WeightDecay)},
		{o.ClipNorm > 0, fmt.Sprintf("gradient clip norm %v must be positive", o.ClipNorm)},
		{o.FixedSteps >= 0, fmt.Sprintf("--fixed-steps %d must not be negative", o.FixedSteps)},
	}
	for _, c := range checks {
		if !c.ok {
			return fmt.Errorf("invalid training option: %s", c.text)
		}
	}
	return o.Config.Validate()
}

// Run trains a model on data and returns the bundle whose weights had the lowest validation loss.
func Run(ctx context.Context, data *Data, opt Options) (*latentmodel.Bundle, []EpochStats, error) {
	log := zerolog.Ctx(ctx)
	if err := opt.Validate(); err != nil {
		return nil, nil, err
	}
	if opt.Config.Features != marketdata.NumFeatures {
		return nil, nil, fmt.Errorf("config has %d features but marketdata computes %d", opt.Config.Features, marketdata.NumFeatures)
	}
	if opt.Workers < 1 {
		opt.Workers = 1
	}
	model, err := latentmodel.New(opt.Config, opt.Seed)
	if err != nil {
		return nil, nil, err
	}
	bundle, err := newBundle(data, model, opt)
	if err != nil {
		return nil, nil, err
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x7472616465))
	tensors := model.Tensors()
	validation := data.EvalWindows(SplitValidation, opt.Config.Window, opt.Config.Window/2)
	if len(validation) == 0 {
		return nil, nil, fmt.Errorf("no validation days between %s and %s in the data", bundle.Provenance.TrainEnd, bundle.Provenance.ValidationEnd)
	}

	stepsPerEpoch := len(data.TrainWindows(SplitTrain, opt.Config.Window, opt.Stride, rand.New(rand.NewPCG(0, 0)))) / opt.BatchSize
	if stepsPerEpoch == 0 {
		return nil, nil, fmt.Errorf("no training windows before %s in the data", bundle.Provenance.TrainEnd)
	}
	totalSteps := stepsPerEpoch * opt.Epochs
	log.Info().Int("parameters", model.NumParams()).Int("symbols", len(data.Symbols)).
		Int("steps_per_epoch", stepsPerEpoch).Int("epochs", opt.Epochs).Msg("training started")

	stepper := newStepper(model, opt)
	var history []EpochStats
	best := math.Inf(1)
	var bestWeights [][]float32
	step := 0
	for epoch := 1; epoch <= opt.Epochs; epoch++ {
		epochStart := time.Now()
		windows := data.TrainWindows(SplitTrain, opt.Config.Window, opt.Stride, rng)
		rng.Shuffle(len(windows), func(i, j int) { windows[i], windows[j] = windows[j], windows[i] })
		lossSum, lossCount, seen := 0.0, 0, 0
		for b := 0; b+opt.BatchSize <= len(windows); b += opt.BatchSize {
			if err := ctx.Err(); err != nil {
				return nil, history, err
			}
			batch := windows[b : b+opt.BatchSize]
			steps := latentmodel.SampleSteps(rng, float64(opt.Config.MeanSteps))
			if opt.FixedSteps > 0 {
				steps = opt.FixedSteps
			}
			examples := make([]latentmodel.Example, len(batch))
			seeds := make([]uint64, len(batch))
			for i, w := range batch {
				examples[i] = data.Example(bundle, w, latentmodel.Question(rng.IntN(latentmodel.NumQuestions)))
				seeds[i] = rng.Uint64()
			}
			losses := stepper.step(examples, steps, seeds, LearningRate(step, opt.Warmup, totalSteps, opt.LearningRate, opt.MinLRFactor))
			step++
			for _, l := range losses {
				lossSum += l
				lossCount++
			}
			seen += len(batch)
			if step%50 == 0 {
				log.Info().Int("epoch", epoch).Int("step", step).Int("of", totalSteps).
					Float64("loss", lossSum/float64(lossCount)).Int("r", steps).
					Float64("windows_per_sec", float64(seen)/time.Since(epochStart).Seconds()).Msg("training")
			}
		}
		stats := EpochStats{Epoch: epoch, TrainLoss: lossSum / float64(max(lossCount, 1)), ValidationByR: map[int]float64{}}
		stats.WindowsPerSec = float64(seen) / time.Since(epochStart).Seconds()
		for _, r := range []int{1, opt.Config.MeanSteps} {
			loss, err := validationLoss(ctx, data, bundle, validation, r, opt.Seed, opt.Workers)
			if err != nil {
				return nil, history, err
			}
			stats.ValidationByR[r] = loss
		}
		stats.ValidationLoss = stats.ValidationByR[opt.Config.MeanSteps]
		stats.Duration = time.Since(epochStart)
		history = append(history, stats)
		log.Info().Int("epoch", epoch).Float64("train_loss", stats.TrainLoss).
			Float64("val_loss", stats.ValidationLoss).Float64("val_loss_r1", stats.ValidationByR[1]).
			Float64("windows_per_sec", stats.WindowsPerSec).Dur("took", stats.Duration).Msg("epoch done")
		if stats.ValidationLoss < best {
			best = stats.ValidationLoss
			bestWeights = snapshotWeights(tensors)
			bundle.Provenance.BestEpoch = epoch
			bundle.Provenance.ValidationLoss = best
			bundle.Provenance.Epochs = epoch
			if opt.OutPath != "" {
				if err := bundle.SaveFile(opt.OutPath); err != nil {
					return nil, history, err
				}
				log.Info().Str("path", opt.OutPath).Int("epoch", epoch).Msg("saved best checkpoint")
			}
		}
	}
	restoreWeights(tensors, bestWeights)
	bundle.Provenance.Epochs = opt.Epochs
	if opt.OutPath != "" {
		if err := bundle.SaveFile(opt.OutPath); err != nil {
			return nil, history, err
		}
	}
	return bundle, history, nil
}

// stepper performs optimizer steps: gradients of a batch, averaged, clipped, then AdamW.
type stepper struct {
	model     *latentmodel.Model
	tensors   []*latentmodel.Tensor
	optimizer *AdamW
	slots     []*latentmodel.Grads // one per example of a batch
	workers   int
	clipNorm  float64
}

func newStepper(model *latentmodel.Model, opt Options) *stepper {
	s := &stepper{
		model:     model,
		tensors:   model.Tensors(),
		optimizer: NewAdamW(opt.WeightDecay),
		slots:     make([]*latentmodel.Grads, opt.BatchSize),
		workers:   opt.Workers,
		clipNorm:  opt.ClipNorm,
	}
	for i := range s.slots {
		s.slots[i] = model.NewGrads()
	}
	return s
}

// step updates the weights from one batch of examples, each run for steps core steps from its
// own random initial state, and returns the examples' losses.
func (s *stepper) step(examples []latentmodel.Example, steps int, seeds []uint64, lr float64) []float64 {
	losses := s.computeGrads(examples, steps, seeds)
	total := s.slots[0]
	for _, g := range s.slots[1:len(examples)] {
		total.Add(g)
	}
	grads := total.Slices()
	scale := float32(1 / float64(len(examples)))
	for _, g := range grads {
		for j := range g {
			g[j] *= scale
		}
	}
	ClipGradNorm(grads, s.clipNorm)
	s.optimizer.Step(s.tensors, grads, lr)
	return losses
}

// computeGrads fills slots[i] with the gradient of example i and returns the losses. Each
// example has its own slot, so the sum does not depend on how work is split across workers.
func (s *stepper) computeGrads(examples []latentmodel.Example, steps int, seeds []uint64) []float64 {
	losses := make([]float64, len(examples))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(s.workers, len(examples)) {
		wg.Go(func() {
			for i := range next {
				s.slots[i].Zero()
				losses[i], _ = s.model.LossAndGrad(examples[i], steps, seeds[i], s.slots[i])
			}
		})
	}
	for i := range examples {
		next <- i
	}
	close(next)
	wg.Wait()
	return losses
}

func snapshotWeights(tensors []*latentmodel.Tensor) [][]float32 {
	out := make([][]float32, len(tensors))
	for i, t := range tensors {
		out[i] = append([]float32(nil), t.Data...)
	}
	return out
}

func restoreWeights(tensors []*latentmodel.Tensor, weights [][]float32) {
	if weights == nil {
		return
	}
	for i, t := range tensors {
		copy(t.Data, weights[i])
	}
}

func newBundle(data *Data, model *latentmodel.Model, opt Options) (*latentmodel.Bundle, error) {
	mean, std := data.FeatureStats()
	edges, err := data.BinEdges(opt.Config.Bins)
	if err != nil {
		return nil, err
	}
	return &latentmodel.Bundle{
		Model:        model,
		FeatureNames: append([]string(nil), marketdata.FeatureNames[:]...),
		FeatureMean:  mean,
		FeatureStd:   std,
		BinEdges:     edges,
		Horizon:      data.Horizon,
		Provenance: latentmodel.Provenance{
			Command:       opt.Command,
			Seed:          opt.Seed,
			Data:          data.Files,
			TrainEnd:      data.TrainEnd.Format(time.DateOnly),
			ValidationEnd: data.ValidationEnd.Format(time.DateOnly),
			GoVersion:     runtime.Version(),
			Hyperparameters: map[string]any{
				"epochs": opt.Epochs, "batch_size": opt.BatchSize, "learning_rate": opt.LearningRate,
				"warmup": opt.Warmup, "min_lr_factor": opt.MinLRFactor, "weight_decay": opt.WeightDecay,
				"clip_norm": opt.ClipNorm, "stride": opt.Stride, "depth_sigma": latentmodel.DepthSigma,
				"fixed_steps": opt.FixedSteps,
			},
		},
		Name: "trained",
	}, nil
}
