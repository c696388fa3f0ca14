//go:build !purego

package latentmodel

import "golang.org/x/sys/cpu"

// useSIMD selects the AVX2/FMA assembly kernels for float32. Build with the purego tag to use
// the portable Go kernels only.
var useSIMD = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func gemm4x16(a *float32, aRow, aStep int, b *float32, ldb int, c *float32, ldc int, k int)

//go:noescape
func dot2x4(a *float32, lda int, b *float32, ldb int, c *float32, ldc int, n int)

//go:noescape
func expVec(dst, src *float32, n int)

//go:noescape
func sigmoidVec(dst, src *float32, n int)
