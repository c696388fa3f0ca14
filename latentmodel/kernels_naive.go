package latentmodel

// Naive reference versions of the kernels in kernels.go: plain loops in the order of the math,
// kept for tests that hold the optimized kernels equal to them.

// naiveMatMulAdd adds x·w to y, for x [n, in], w [in, out], y [n, out].
func naiveMatMulAdd[F float](y, x, w []F, n, in, out int) {
	for i := range n {
		for j := range out {
			var s F
			for k := range in {
				s += x[i*in+k] * w[k*out+j]
			}
			y[i*out+j] += s
		}
	}
}

// naiveMatMulTransBAdd adds dy·wᵀ to dx, for dy [n, out], w [in, out], dx [n, in].
func naiveMatMulTransBAdd[F float](dx, dy, w []F, n, in, out int) {
	for i := range n {
		for k := range in {
			var s F
			for j := range out {
				s += dy[i*out+j] * w[k*out+j]
			}
			dx[i*in+k] += s
		}
	}
}

// naiveMatMulTransAAdd adds xᵀ·dy to dw, for x [n, in], dy [n, out], dw [in, out].
func naiveMatMulTransAAdd[F float](dw, x, dy []F, n, in, out int) {
	for k := range in {
		for j := range out {
			var s F
			for i := range n {
				s += x[i*in+k] * dy[i*out+j]
			}
			dw[k*out+j] += s
		}
	}
}
