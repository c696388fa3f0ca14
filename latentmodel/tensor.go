package latentmodel

import "fmt"

// Tensor is one named parameter of a model, stored row-major in Data. Weight matrices are
// input-major: a layer computes y = x·W with W of shape [in, out].
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
	// NoDecay marks parameters that the optimizer must not shrink by weight decay: norm gains
	// and biases.
	NoDecay bool
}

// Size returns the number of elements implied by the shape.
func (t *Tensor) Size() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Grads holds one gradient slice per model parameter, in the order of Model.Tensors. It is
// separate from the model so that several goroutines can compute gradients on one model.
type Grads struct {
	data [][]float32
}

// NewGrads returns zeroed gradients shaped like the model's parameters.
func (m *Model) NewGrads() *Grads {
	g := &Grads{data: make([][]float32, len(m.tensors))}
	for i, t := range m.tensors {
		g.data[i] = make([]float32, len(t.Data))
	}
	return g
}

// Zero sets every gradient to zero.
func (g *Grads) Zero() {
	for _, d := range g.data {
		clear(d)
	}
}

// Add adds o into g. It panics when the two were made for different models.
func (g *Grads) Add(o *Grads) {
	if len(g.data) != len(o.data) {
		panic(fmt.Sprintf("latentmodel: adding gradients of %d tensors to gradients of %d tensors", len(o.data), len(g.data)))
	}
	for i, d := range g.data {
		src := o.data[i]
		if len(src) != len(d) {
			panic(fmt.Sprintf("latentmodel: gradient %d has %d elements, expected %d", i, len(src), len(d)))
		}
		for j, v := range src {
			d[j] += v
		}
	}
}

// Slices returns the gradient slices, one per tensor in the order of Model.Tensors. They alias
// g, so an optimizer can read and clip them in place.
func (g *Grads) Slices() [][]float32 { return g.data }
