package latentmodel

import "math"

// minProb replaces a zero probability in a logarithm, so that a distribution that underflowed to
// zero in float32 gives a large finite KL instead of +Inf. It is the smallest positive float32.
const minProb = math.SmallestNonzeroFloat32

// entropy returns −Σ p·log p in nats.
func entropy(p []float32) float64 {
	var h float64
	for _, v := range p {
		if v > 0 {
			h -= float64(v) * math.Log(float64(v))
		}
	}
	return h
}

// klDivergence returns KL(p ‖ q) = Σ p·log(p/q) in nats.
func klDivergence(p, q []float32) float64 {
	var kl float64
	for i, v := range p {
		if v > 0 {
			kl += float64(v) * (math.Log(float64(v)) - math.Log(max(float64(q[i]), minProb)))
		}
	}
	return kl
}

// relChange returns ‖s − prev‖ / ‖s‖, or 0 when s is zero.
func relChange(s, prev []float32) float64 {
	var diff, norm float64
	for i, v := range s {
		d := float64(v) - float64(prev[i])
		diff += d * d
		norm += float64(v) * float64(v)
	}
	if norm == 0 {
		return 0
	}
	return math.Sqrt(diff / norm)
}
