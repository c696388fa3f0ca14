package latentmodel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// kernelTolerance bounds the float32 difference between the optimized and naive products: the
// sums run in different orders, so each element may differ by a few ulps of the sum of |terms|.
const kernelTolerance = 1e-5

// kernelSizes cover full tiles, partial tiles and sizes smaller than one tile.
var kernelSizes = []struct{ n, in, out int }{
	{1, 1, 1}, {2, 3, 5}, {3, 4, 8}, {4, 4, 16}, {5, 7, 17}, {7, 18, 33},
	{8, 16, 24}, {6, 9, 31}, {64, 128, 128}, {64, 128, 512}, {64, 256, 128}, {13, 128, 16},
}

// assertClose checks got against want element by element, relative to scale [len(want)], the
// sum of absolute terms of each element.
func assertClose(t *testing.T, name string, got, want, scale []float32) {
	t.Helper()
	for i := range want {
		limit := kernelTolerance * (float64(scale[i]) + 1)
		if math.Abs(float64(got[i]-want[i])) > limit {
			assert.Failf(t, "kernel mismatch", "%s[%d]: got %v, expected %v", name, i, got[i], want[i])
			return
		}
	}
}

func absSlice(s []float32) []float32 {
	out := make([]float32, len(s))
	for i, v := range s {
		out[i] = float32(math.Abs(float64(v)))
	}
	return out
}

func TestMatMulKernels(t *testing.T) {
	for _, sz := range kernelSizes {
		n, in, out := sz.n, sz.in, sz.out
		t.Run(fmt.Sprintf("%dx%dx%d", n, in, out), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(n*1000+in), uint64(out)))
			x := randomFloat32(rng, n*in)
			w := randomFloat32(rng, in*out)
			dy := randomFloat32(rng, n*out)
			start := func(size int) []float32 { return randomFloat32(rng, size) }

			y0 := start(n * out)
			got, want, scale := append([]float32(nil), y0...), append([]float32(nil), y0...), absSlice(y0)
			matMulAdd(got, x, w, n, in, out)
			naiveMatMulAdd(want, x, w, n, in, out)
			naiveMatMulAdd(scale, absSlice(x), absSlice(w), n, in, out)
			assertClose(t, "matMulAdd", got, want, scale)

			dx0 := start(n * in)
			got, want, scale = append([]float32(nil), dx0...), append([]float32(nil), dx0...), absSlice(dx0)
			matMulTransBAdd(got, dy, w, n, in, out)
			naiveMatMulTransBAdd(want, dy, w, n, in, out)
			naiveMatMulTransBAdd(scale, absSlice(dy), absSlice(w), n, in, out)
			assertClose(t, "matMulTransBAdd", got, want, scale)

			dw0 := start(in * out)
			got, want, scale = append([]float32(nil), dw0...), append([]float32(nil), dw0...), absSlice(dw0)
			matMulTransAAdd(got, x, dy, n, in, out)
			naiveMatMulTransAAdd(want, x, dy, n, in, out)
			naiveMatMulTransAAdd(scale, absSlice(x), absSlice(dy), n, in, out)
			assertClose(t, "matMulTransAAdd", got, want, scale)

			// The portable kernels must agree too, also where the assembly runs above.
			got, want = append([]float32(nil), y0...), append([]float32(nil), y0...)
			matMulAddGo(got, x, w, n, in, out)
			naiveMatMulAdd(want, x, w, n, in, out)
			assertClose(t, "matMulAddGo", got, want, absScale(x, w, y0, n, in, out))
			got, want = append([]float32(nil), dx0...), append([]float32(nil), dx0...)
			matMulTransBAddGo(got, dy, w, n, in, out)
			naiveMatMulTransBAdd(want, dy, w, n, in, out)
			assertClose(t, "matMulTransBAddGo", got, want, absScaleTransB(dy, w, dx0, n, in, out))
			got, want = append([]float32(nil), dw0...), append([]float32(nil), dw0...)
			matMulTransAAddGo(got, x, dy, n, in, out)
			naiveMatMulTransAAdd(want, x, dy, n, in, out)
			assertClose(t, "matMulTransAAddGo", got, want, absScaleTransA(x, dy, dw0, n, in, out))
		})
	}
}

func absScale(x, w, y0 []float32, n, in, out int) []float32 {
	s := absSlice(y0)
	naiveMatMulAdd(s, absSlice(x), absSlice(w), n, in, out)
	return s
}

func absScaleTransB(dy, w, dx0 []float32, n, in, out int) []float32 {
	s := absSlice(dx0)
	naiveMatMulTransBAdd(s, absSlice(dy), absSlice(w), n, in, out)
	return s
}

func absScaleTransA(x, dy, dw0 []float32, n, in, out int) []float32 {
	s := absSlice(dw0)
	naiveMatMulTransAAdd(s, absSlice(x), absSlice(dy), n, in, out)
	return s
}

// FuzzMatMulAdd holds the optimized forward product equal to the naive one on random sizes.
func FuzzMatMulAdd(f *testing.F) {
	f.Add(uint8(4), uint8(16), uint8(16), uint64(1))
	f.Add(uint8(5), uint8(7), uint8(33), uint64(2))
	f.Fuzz(func(t *testing.T, n8, in8, out8 uint8, seed uint64) {
		n, in, out := int(n8%70)+1, int(in8%70)+1, int(out8%70)+1
		rng := rand.New(rand.NewPCG(seed, 3))
		x, w, y0 := randomFloat32(rng, n*in), randomFloat32(rng, in*out), randomFloat32(rng, n*out)
		got, want := append([]float32(nil), y0...), append([]float32(nil), y0...)
		matMulAdd(got, x, w, n, in, out)
		naiveMatMulAdd(want, x, w, n, in, out)
		assertClose(t, "matMulAdd", got, want, absScale(x, w, y0, n, in, out))
	})
}

func TestExpf32(t *testing.T) {
	for x := float32(-87); x <= 88; x += 0.0137 {
		want := math.Exp(float64(x))
		got := float64(expf32(x))
		assert.InEpsilon(t, want, got, 3e-7, "exp(%v)", x)
	}
	assert.Equal(t, float32(1), expf32(0))
	assert.InEpsilon(t, math.Exp(88), float64(expf32(200)), 1e-6, "clamped above")
	assert.InEpsilon(t, math.Ldexp(1, -126), float64(expf32(-200)), 1e-5, "clamped below")
}

// TestExpSlices holds the vector exponential and sigmoid equal to the scalar ones, over lengths
// that leave a tail after the 8-lane blocks.
func TestExpSlices(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 7, 8, 9, 16, 37, 256} {
		src := make([]float32, n)
		for i := range src {
			src[i] = float32(rng.Float64()*180 - 90)
		}
		src[0] = 0
		got := make([]float32, n)
		expSlice(got, src)
		for i, x := range src {
			assert.InEpsilon(t, float64(expf32(x)), float64(got[i]), 3e-7, "exp(%v), n %d", x, n)
		}
		sigmoidSlice(got, src)
		for i, x := range src {
			want := 1 / (1 + math.Exp(-float64(x)))
			assert.InDelta(t, want, float64(got[i]), 3e-7*want+1e-37, "sigmoid(%v), n %d", x, n)
		}
	}
}

// TestStridedKernels checks gemm and gemmNT on strided operands as attention uses them: a
// transposed A, and rows that skip columns of a wider matrix.
func TestStridedKernels(t *testing.T) {
	for _, sz := range []struct{ rows, cols, k int }{{1, 1, 1}, {5, 7, 3}, {8, 32, 16}, {64, 32, 64}, {9, 17, 24}} {
		rows, cols, k := sz.rows, sz.cols, sz.k
		t.Run(fmt.Sprintf("%dx%dx%d", rows, cols, k), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(rows), uint64(cols*100+k)))
			const pad = 3 // extra columns in every stored row

			// A stored transposed with padding: element (r, p) at p·(rows+pad) + r.
			aStore := randomFloat32(rng, k*(rows+pad))
			dense := make([]float32, rows*k)
			for r := range rows {
				for p := range k {
					dense[r*k+p] = aStore[p*(rows+pad)+r]
				}
			}
			bStore := randomFloat32(rng, k*(cols+pad))
			bDense := make([]float32, k*cols)
			for p := range k {
				copy(bDense[p*cols:(p+1)*cols], bStore[p*(cols+pad):])
			}
			c0 := randomFloat32(rng, rows*(cols+pad))

			got := append([]float32(nil), c0...)
			gemm(got, aStore, bStore, 1, rows+pad, cols+pad, cols+pad, rows, cols, k)
			want := make([]float32, rows*cols)
			scale := make([]float32, rows*cols)
			for r := range rows {
				copy(want[r*cols:(r+1)*cols], c0[r*(cols+pad):])
				copy(scale[r*cols:(r+1)*cols], absSlice(c0[r*(cols+pad):r*(cols+pad)+cols]))
			}
			naiveMatMulAdd(want, dense, bDense, rows, k, cols)
			naiveMatMulAdd(scale, absSlice(dense), absSlice(bDense), rows, k, cols)
			for r := range rows {
				assertClose(t, "gemm", got[r*(cols+pad):r*(cols+pad)+cols], want[r*cols:(r+1)*cols], scale[r*cols:(r+1)*cols])
				assert.Equal(t, c0[r*(cols+pad)+cols:(r+1)*(cols+pad)], got[r*(cols+pad)+cols:(r+1)*(cols+pad)], "gemm padding row %d", r)
			}

			// gemmNT: C += A·Bᵀ with A [rows, k] and B [cols, k], both rows padded.
			aRows := randomFloat32(rng, rows*(k+pad))
			bRows := randomFloat32(rng, cols*(k+pad))
			got = append([]float32(nil), c0...)
			gemmNT(got, aRows, bRows, k+pad, k+pad, cols+pad, rows, cols, k)
			for r := range rows {
				for s := range cols {
					var sum, abs float64
					for j := range k {
						term := float64(aRows[r*(k+pad)+j]) * float64(bRows[s*(k+pad)+j])
						sum += term
						abs += math.Abs(term)
					}
					want := float64(c0[r*(cols+pad)+s]) + sum
					assert.InDelta(t, want, float64(got[r*(cols+pad)+s]), kernelTolerance*(abs+math.Abs(want)+1), "gemmNT[%d,%d]", r, s)
				}
			}
		})
	}
}
