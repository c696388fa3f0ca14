package latentmodel

import "unsafe"

// Matrix kernels used by every layer. Matrices are row-major and weights input-major, so all
// three products below walk contiguous rows: a forward product y = x·W, the input gradient
// dx = dy·Wᵀ and the weight gradient dW = xᵀ·dy. For float32 on CPUs with AVX2 and FMA they run
// assembly tiles (kernels_simd.go). Elsewhere the portable Go versions below run, and they handle
// four rows of the shared operand per pass to quarter the loads and stores of the row they update.
// kernels_naive.go has the plain triple loops that both are tested against.

// matMul sets y = x·w for x [n, in], w [in, out], y [n, out].
func matMul[F float](y, x, w []F, n, in, out int) {
	clear(y[:n*out])
	matMulAdd(y, x, w, n, in, out)
}

// matMulAdd adds x·w to y, for x [n, in], w [in, out], y [n, out].
func matMulAdd[F float](y, x, w []F, n, in, out int) {
	if useSIMD && isFloat32[F]() {
		gemmSIMD(as32(y), as32(x), as32(w), in, 1, out, out, n, out, in)
		return
	}
	matMulAddGo(y, x, w, n, in, out)
}

// matMulTransBAdd adds dy·wᵀ to dx, for dy [n, out], w [in, out], dx [n, in].
func matMulTransBAdd[F float](dx, dy, w []F, n, in, out int) {
	if useSIMD && isFloat32[F]() {
		gemmNTSIMD(as32(dx), as32(dy), as32(w), out, out, in, n, in, out)
		return
	}
	matMulTransBAddGo(dx, dy, w, n, in, out)
}

// matMulTransAAdd adds xᵀ·dy to dw, for x [n, in], dy [n, out], dw [in, out].
func matMulTransAAdd[F float](dw, x, dy []F, n, in, out int) {
	if useSIMD && isFloat32[F]() {
		gemmSIMD(as32(dw), as32(x), as32(dy), 1, in, out, out, in, out, n)
		return
	}
	matMulTransAAddGo(dw, x, dy, n, in, out)
}

// gemm adds A·B to C for strided operands: A is rows×k with element (r, p) at
// a[r·aRow+p·aStep], B is k×cols with row p at b[p·ldb:], and C has row r at c[r·ldc:]. The
// strides let one kernel serve x·W, xᵀ·dy and the per-head products of attention.
func gemm[F float](c, a, b []F, aRow, aStep, ldb, ldc, rows, cols, k int) {
	if useSIMD && isFloat32[F]() {
		gemmSIMD(as32(c), as32(a), as32(b), aRow, aStep, ldb, ldc, rows, cols, k)
		return
	}
	gemmGo(c, a, b, aRow, aStep, ldb, ldc, rows, cols, k)
}

// gemmNT adds A·Bᵀ to C: C[r, s] += Σ_{j<n} a[r·lda+j]·b[s·ldb+j] for r < rows, s < cols, with
// row r of C at c[r·ldc:].
func gemmNT[F float](c, a, b []F, lda, ldb, ldc, rows, cols, n int) {
	if useSIMD && isFloat32[F]() {
		gemmNTSIMD(as32(c), as32(a), as32(b), lda, ldb, ldc, rows, cols, n)
		return
	}
	gemmNTGo(c, a, b, lda, ldb, ldc, rows, cols, n)
}

// gemmGo is the portable version of gemm. It adds four rows of B per pass over a row of C.
func gemmGo[F float](c, a, b []F, aRow, aStep, ldb, ldc, rows, cols, k int) {
	for r := range rows {
		cr := c[r*ldc : r*ldc+cols : r*ldc+cols]
		ar := a[r*aRow:]
		p := 0
		for ; p+4 <= k; p += 4 {
			axpy4(ar[p*aStep], ar[(p+1)*aStep], ar[(p+2)*aStep], ar[(p+3)*aStep],
				b[p*ldb:p*ldb+cols], b[(p+1)*ldb:(p+1)*ldb+cols], b[(p+2)*ldb:(p+2)*ldb+cols], b[(p+3)*ldb:(p+3)*ldb+cols], cr)
		}
		for ; p < k; p++ {
			axpy(ar[p*aStep], b[p*ldb:p*ldb+cols], cr)
		}
	}
}

// gemmNTGo is the portable version of gemmNT.
func gemmNTGo[F float](c, a, b []F, lda, ldb, ldc, rows, cols, n int) {
	for r := range rows {
		ar := a[r*lda : r*lda+n]
		for s := range cols {
			c[r*ldc+s] += dot(ar, b[s*ldb:s*ldb+n])
		}
	}
}

// isFloat32 reports whether F is float32 underneath; the size is a constant per instantiation.
func isFloat32[F float]() bool {
	var zero F
	return unsafe.Sizeof(zero) == 4
}

// as32 reinterprets s as []float32; valid only when isFloat32[F]() holds.
func as32[F float](s []F) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// matMulAddGo is the portable version of matMulAdd.
func matMulAddGo[F float](y, x, w []F, n, in, out int) {
	gemmGo(y, x, w, in, 1, out, out, n, out, in)
}

// matMulTransBAddGo is the portable version of matMulTransBAdd.
func matMulTransBAddGo[F float](dx, dy, w []F, n, in, out int) {
	w = w[:in*out]
	for i := range n {
		dxi := dx[i*in : (i+1)*in : (i+1)*in]
		dyi := dy[i*out : (i+1)*out : (i+1)*out]
		k := 0
		for ; k+4 <= in; k += 4 {
			s0, s1, s2, s3 := dot4(dyi, w[k*out:(k+1)*out], w[(k+1)*out:(k+2)*out], w[(k+2)*out:(k+3)*out], w[(k+3)*out:(k+4)*out])
			dxi[k] += s0
			dxi[k+1] += s1
			dxi[k+2] += s2
			dxi[k+3] += s3
		}
		for ; k < in; k++ {
			dxi[k] += dot(dyi, w[k*out:(k+1)*out])
		}
	}
}

// matMulTransAAddGo is the portable version of matMulTransAAdd.
func matMulTransAAddGo[F float](dw, x, dy []F, n, in, out int) {
	x = x[:n*in]
	dy = dy[:n*out]
	for k := range in {
		dwk := dw[k*out : (k+1)*out : (k+1)*out]
		i := 0
		for ; i+4 <= n; i += 4 {
			axpy4(x[i*in+k], x[(i+1)*in+k], x[(i+2)*in+k], x[(i+3)*in+k],
				dy[i*out:(i+1)*out], dy[(i+1)*out:(i+2)*out], dy[(i+2)*out:(i+3)*out], dy[(i+3)*out:(i+4)*out], dwk)
		}
		for ; i < n; i++ {
			axpy(x[i*in+k], dy[i*out:(i+1)*out], dwk)
		}
	}
}

// axpy adds a·x to y; len(x) >= len(y).
func axpy[F float](a F, x, y []F) {
	if a == 0 {
		return
	}
	x = x[:len(y)]
	for j, v := range x {
		y[j] += a * v
	}
}

// axpy4 adds a0·x0 + a1·x1 + a2·x2 + a3·x3 to y; every x has at least len(y) elements.
func axpy4[F float](a0, a1, a2, a3 F, x0, x1, x2, x3, y []F) {
	n := len(y)
	x0, x1, x2, x3 = x0[:n], x1[:n], x2[:n], x3[:n]
	for j := range y {
		y[j] += a0*x0[j] + a1*x1[j] + a2*x2[j] + a3*x3[j]
	}
}

// dot returns Σ a[j]·b[j]; len(b) >= len(a).
func dot[F float](a, b []F) F {
	b = b[:len(a)]
	var s0, s1, s2, s3 F
	for len(a) >= 4 && len(b) >= 4 {
		s0 += a[0] * b[0]
		s1 += a[1] * b[1]
		s2 += a[2] * b[2]
		s3 += a[3] * b[3]
		a, b = a[4:], b[4:]
	}
	for j, v := range a {
		s0 += v * b[j]
	}
	return (s0 + s1) + (s2 + s3)
}

// dot4 returns the dot products of a with b0..b3; every b has at least len(a) elements.
func dot4[F float](a, b0, b1, b2, b3 []F) (s0, s1, s2, s3 F) {
	n := len(a)
	b0, b1, b2, b3 = b0[:n], b1[:n], b2[:n], b3[:n]
	for j, v := range a {
		s0 += v * b0[j]
		s1 += v * b1[j]
		s2 += v * b2[j]
		s3 += v * b3[j]
	}
	return s0, s1, s2, s3
}

// transposeNew returns src [rows, cols] transposed to [cols, rows], in memory from ar.
func transposeNew[F float](ar *arena[F], src []F, rows, cols int) []F {
	dst := ar.alloc(rows * cols)
	const tile = 16 // rows and columns per block, so that reads and writes stay in cache
	for r0 := 0; r0 < rows; r0 += tile {
		for c0 := 0; c0 < cols; c0 += tile {
			for r := r0; r < min(r0+tile, rows); r++ {
				for c := c0; c < min(c0+tile, cols); c++ {
					dst[c*rows+r] = src[r*cols+c]
				}
			}
		}
	}
	return dst
}

// addRows adds the vector b [cols] to every row of x [rows, cols].
func addRows[F float](x, b []F, rows, cols int) {
	b = b[:cols]
	for i := range rows {
		xi := x[i*cols : (i+1)*cols : (i+1)*cols]
		for j, v := range b {
			xi[j] += v
		}
	}
}

// sumRowsAdd adds the column sums of x [rows, cols] to g [cols].
func sumRowsAdd[F float](g, x []F, rows, cols int) {
	g = g[:cols]
	for i := range rows {
		xi := x[i*cols : (i+1)*cols : (i+1)*cols]
		for j, v := range xi {
			g[j] += v
		}
	}
}

// addTo adds x to y elementwise.
func addTo[F float](y, x []F) {
	x = x[:len(y)]
	for j, v := range x {
		y[j] += v
	}
}
