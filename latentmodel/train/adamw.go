package train

import (
	"math"

	"github.com/traderlab/trader/latentmodel"
)

// AdamW is Adam with decoupled weight decay (Loshchilov and Hutter, 2019). Tensors marked
// NoDecay (norm gains, biases) get no weight decay.
type AdamW struct {
	Beta1, Beta2 float64
	Eps          float64
	WeightDecay  float64

	step int
	m, v [][]float32 // per tensor, same layout as the parameter
}

// NewAdamW returns an optimizer with β = (0.9, 0.95), ε = 1e-8 and the given weight decay.
func NewAdamW(weightDecay float64) *AdamW {
	return &AdamW{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: weightDecay}
}

// Step applies one update with learning rate lr to the tensors, given their gradients in the same
// order.
func (o *AdamW) Step(tensors []*latentmodel.Tensor, grads [][]float32, lr float64) {
	if o.m == nil {
		o.m = make([][]float32, len(tensors))
		o.v = make([][]float32, len(tensors))
		for i, t := range tensors {
			o.m[i] = make([]float32, len(t.Data))
			o.v[i] = make([]float32, len(t.Data))
		}
	}
	o.step++
	correction1 := 1 - math.Pow(o.Beta1, float64(o.step))
	correction2 := 1 - math.Pow(o.Beta2, float64(o.step))
	b1, b2 := float32(o.Beta1), float32(o.Beta2)
	for i, t := range tensors {
		decay := float32(1)
		if !t.NoDecay {
			decay = float32(1 - lr*o.WeightDecay)
		}
		m, v, g := o.m[i], o.v[i], grads[i]
		for j := range t.Data {
			m[j] = b1*m[j] + (1-b1)*g[j]
			v[j] = b2*v[j] + (1-b2)*g[j]*g[j]
			mHat := float64(m[j]) / correction1
			vHat := float64(v[j]) / correction2
			t.Data[j] = t.Data[j]*decay - float32(lr*mHat/(math.Sqrt(vHat)+o.Eps))
		}
	}
}

// ClipGradNorm scales grads so their global L2 norm is at most maxNorm and returns the norm
// before clipping.
func ClipGradNorm(grads [][]float32, maxNorm float64) float64 {
	sum := 0.0
	for _, g := range grads {
		for _, v := range g {
			sum += float64(v) * float64(v)
		}
	}
	norm := math.Sqrt(sum)
	if norm > maxNorm && norm > 0 {
		scale := float32(maxNorm / norm)
		for _, g := range grads {
			for j := range g {
				g[j] *= scale
			}
		}
	}
	return norm
}

// LearningRate returns the rate at optimizer step (0-based): linear warmup over warmup steps,
// then cosine decay to minFraction·peak at total steps.
func LearningRate(step, warmup, total int, peak, minFraction float64) float64 {
	if step < warmup {
		return peak * float64(step+1) / float64(warmup)
	}
	if total <= warmup {
		return peak
	}
	progress := math.Min(1, float64(step-warmup)/float64(total-warmup))
	return peak * (minFraction + (1-minFraction)*0.5*(1+math.Cos(math.Pi*progress)))
}
