//go:build !amd64 || purego

package latentmodel

// useSIMD is false where no assembly kernels exist; the portable Go kernels run instead.
const useSIMD = false

func gemm4x16(a *float32, aRow, aStep int, b *float32, ldb int, c *float32, ldc int, k int) {
	panic("latentmodel: gemm4x16 has no implementation on this platform")
}

func dot2x4(a *float32, lda int, b *float32, ldb int, c *float32, ldc int, n int) {
	panic("latentmodel: dot2x4 has no implementation on this platform")
}

func expVec(dst, src *float32, n int) {
	panic("latentmodel: expVec has no implementation on this platform")
}

func sigmoidVec(dst, src *float32, n int) {
	panic("latentmodel: sigmoidVec has no implementation on this platform")
}
