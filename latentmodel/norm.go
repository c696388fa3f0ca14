package latentmodel

import "math"

// normEps is the ε of every RMSNorm: y = x / sqrt(mean(x²) + ε) · g.
const normEps = 1e-6

// rmsNorm sets y = x / rms(x) · g row by row and stores 1/rms of each row in inv, for x and y
// [rows, width], g [width], inv [rows]. It computes in F, so float32 for the model.
func rmsNorm[F float](y, inv, x, g []F, rows, width int) {
	g = g[:width]
	for i := range rows {
		xi := x[i*width : (i+1)*width : (i+1)*width]
		yi := y[i*width : (i+1)*width : (i+1)*width]
		var ss F
		for _, v := range xi {
			ss += v * v
		}
		r := F(1 / math.Sqrt(float64(ss/F(width))+normEps))
		inv[i] = r
		for j, v := range xi {
			yi[j] = v * r * g[j]
		}
	}
}

// rmsNormBackward sets dx from dy for y = rmsNorm(x) and adds the gain gradient to dg. inv is
// what rmsNorm stored. With x̂ = x·r: dg += dy·x̂ and dx = r·(dy·g − x̂·mean(dy·g·x̂)).
func rmsNormBackward[F float](dx, dg, dy, x, inv, g []F, rows, width int) {
	g, dg = g[:width], dg[:width]
	for i := range rows {
		xi := x[i*width : (i+1)*width : (i+1)*width]
		dyi := dy[i*width : (i+1)*width : (i+1)*width]
		dxi := dx[i*width : (i+1)*width : (i+1)*width]
		r := inv[i]
		var c F
		for j, v := range xi {
			t := dyi[j] * g[j]
			dg[j] += dyi[j] * v * r
			c += t * v
		}
		c *= r * r / F(width)
		for j, v := range xi {
			dxi[j] = r * (dyi[j]*g[j] - v*c)
		}
	}
}
