package latentmodel

import "math"

// expF returns e^x: math.Exp for float64, and for float32 a polynomial version (expf32) that is
// several times faster and accurate to about 2 ulp.
func expF[F float](x F) F {
	if isFloat32[F]() {
		return F(expf32(float32(x)))
	}
	return F(math.Exp(float64(x)))
}

// sigmoidF returns 1/(1 + e^−x).
func sigmoidF[F float](x F) F { return 1 / (1 + expF(-x)) }

// expSlice sets dst[i] = e^src[i]; dst may be src. For float32 with AVX2 it runs 8 lanes at a
// time (expVec) with the same polynomial as expf32.
func expSlice[F float](dst, src []F) {
	src = src[:len(dst)]
	if useSIMD && isFloat32[F]() {
		n8 := len(dst) &^ 7
		if n8 > 0 {
			expVec(&as32(dst)[0], &as32(src)[0], n8)
		}
		dst, src = dst[n8:], src[n8:]
	}
	for i, v := range src {
		dst[i] = expF(v)
	}
}

// sigmoidSlice sets dst[i] = 1/(1 + e^−src[i]); dst may be src.
func sigmoidSlice[F float](dst, src []F) {
	src = src[:len(dst)]
	if useSIMD && isFloat32[F]() {
		n8 := len(dst) &^ 7
		if n8 > 0 {
			sigmoidVec(&as32(dst)[0], &as32(src)[0], n8)
		}
		dst, src = dst[n8:], src[n8:]
	}
	for i, v := range src {
		dst[i] = sigmoidF(v)
	}
}

// expf32 computes e^x in float32 as 2^n·e^r with n = round(x·log2 e) and |r| <= ln2/2, and e^r from
// the degree-6 minimax polynomial of the Cephes library's expf. Like the vector version it first
// clamps x to [−87.33654, 88], so results stay in [2^−126, e^88]: the model only takes e^x of
// softmax scores at or below 0 and of sigmoid inputs, where the clamp changes nothing that matters.
func expf32(x float32) float32 {
	const (
		log2e = 1.44269504088896341
		ln2Hi = 0.693359375
		ln2Lo = -2.12194440e-4
	)
	x = max(min(x, 88), -87.33654)
	// Adding and subtracting 1.5·2²³ rounds to an integer in float32 arithmetic.
	const round = 12582912
	n := (x*log2e + round) - round
	r := x - n*ln2Hi - n*ln2Lo
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	p = p*r*r + r + 1
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}
