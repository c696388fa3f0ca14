package latentmodel

import "math"

// rope holds the rotary position tables: day p rotates the pair (2j, 2j+1) of every head by the
// angle p·base^(−2j/headDim). Rotating q and k this way makes their dot product depend only on
// the distance between days.
type rope[F float] struct {
	half     int // headDim/2 pairs per head
	cos, sin []F // [window, half]
}

func newRope[F float](cfg Config) *rope[F] {
	half := cfg.headDim() / 2
	r := &rope[F]{half: half, cos: make([]F, cfg.Window*half), sin: make([]F, cfg.Window*half)}
	for p := range cfg.Window {
		for j := range half {
			theta := float64(p) * math.Pow(cfg.RopeBase, -2*float64(j)/float64(2*half))
			r.cos[p*half+j] = F(math.Cos(theta))
			r.sin[p*half+j] = F(math.Sin(theta))
		}
	}
	return r
}

// rotate rotates x [rows, heads·headDim] in place, row i being day first+i. With inverse it
// rotates by the negative angle, which is the transpose of the rotation and so its backward pass.
func (r *rope[F]) rotate(x []F, first, rows, heads int, inverse bool) {
	half := r.half
	width := heads * 2 * half
	sign := F(1)
	if inverse {
		sign = -1
	}
	for i := range rows {
		p := first + i
		cos := r.cos[p*half : (p+1)*half : (p+1)*half]
		sin := r.sin[p*half : (p+1)*half : (p+1)*half]
		for h := range heads {
			pairs := x[i*width+h*2*half : i*width+(h+1)*2*half]
			for j, c := range cos {
				s := sign * sin[j]
				a, b := pairs[2*j], pairs[2*j+1]
				pairs[2*j] = a*c - b*s
				pairs[2*j+1] = a*s + b*c
			}
		}
	}
}
