package latentmodel

import "fmt"

// Drivers of the assembly tiles: they cover the largest part of each product that the tiles fit
// and leave the edges (rows or columns that do not fill a tile) to the Go kernels. The assembly
// reads and writes through raw pointers, so every driver checks the slice lengths first.

// gemmSIMD is gemm with 4×16 tiles of C.
func gemmSIMD(c, a, b []float32, aRow, aStep, ldb, ldc, rows, cols, k int) {
	if rows <= 0 || cols <= 0 || k <= 0 {
		return
	}
	checkLen("gemm A", a, (rows-1)*aRow+(k-1)*aStep+1)
	checkLen("gemm B", b, (k-1)*ldb+cols)
	checkLen("gemm C", c, (rows-1)*ldc+cols)
	rows4, cols16 := rows&^3, cols&^15
	for r := 0; r < rows4; r += 4 {
		for j := 0; j < cols16; j += 16 {
			gemm4x16(&a[r*aRow], aRow, aStep, &b[j], ldb, &c[r*ldc+j], ldc, k)
		}
	}
	if cols16 < cols && rows4 > 0 {
		gemmGo(c[cols16:], a, b[cols16:], aRow, aStep, ldb, ldc, rows4, cols-cols16, k)
	}
	if rows4 < rows {
		gemmGo(c[rows4*ldc:], a[rows4*aRow:], b, aRow, aStep, ldb, ldc, rows-rows4, cols, k)
	}
}

// gemmNTSIMD is gemmNT with 2×4 tiles of C, each a set of dot products over n, which must be a
// multiple of 8 for the tiles to run.
func gemmNTSIMD(c, a, b []float32, lda, ldb, ldc, rows, cols, n int) {
	if rows <= 0 || cols <= 0 {
		return
	}
	checkLen("gemmNT A", a, (rows-1)*lda+n)
	checkLen("gemmNT B", b, (cols-1)*ldb+n)
	checkLen("gemmNT C", c, (rows-1)*ldc+cols)
	if n%8 != 0 {
		gemmNTGo(c, a, b, lda, ldb, ldc, rows, cols, n)
		return
	}
	rows2, cols4 := rows&^1, cols&^3
	for r := 0; r < rows2; r += 2 {
		for s := 0; s < cols4; s += 4 {
			dot2x4(&a[r*lda], lda, &b[s*ldb], ldb, &c[r*ldc+s], ldc, n)
		}
	}
	if cols4 < cols && rows2 > 0 {
		gemmNTGo(c[cols4:], a, b[cols4*ldb:], lda, ldb, ldc, rows2, cols-cols4, n)
	}
	if rows2 < rows {
		gemmNTGo(c[rows2*ldc:], a[rows2*lda:], b, lda, ldb, ldc, rows-rows2, cols, n)
	}
}

func checkLen(name string, s []float32, n int) {
	if len(s) < n {
		panic(fmt.Sprintf("latentmodel: %s has %d elements, the product needs %d", name, len(s), n))
	}
}
