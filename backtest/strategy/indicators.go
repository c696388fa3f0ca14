package strategy

import "math"

// SMA returns the simple moving average of xs over n values. Entries before index n−1 are NaN.
func SMA(xs []float64, n int) []float64 {
	out := nans(len(xs))
	var sum float64
	for i, x := range xs {
		sum += x
		if i >= n {
			sum -= xs[i-n]
		}
		if i >= n-1 {
			out[i] = sum / float64(n)
		}
	}
	return out
}

// EMA returns the exponential moving average of xs with α = 2 / (n + 1), started at xs[0]:
// e_0 = x_0, e_i = α·x_i + (1 − α)·e_{i−1}.
func EMA(xs []float64, n int) []float64 {
	out := make([]float64, len(xs))
	alpha := 2 / float64(n+1)
	for i, x := range xs {
		if i == 0 {
			out[i] = x
			continue
		}
		out[i] = alpha*x + (1-alpha)*out[i-1]
	}
	return out
}

// MACD returns the MACD line EMA(fast) − EMA(slow), its signal line EMA(signal) of the MACD
// line, and the histogram MACD − signal.
func MACD(xs []float64, fast, slow, signal int) (line, sig, hist []float64) {
	ef, es := EMA(xs, fast), EMA(xs, slow)
	line = make([]float64, len(xs))
	for i := range xs {
		line[i] = ef[i] - es[i]
	}
	sig = EMA(line, signal)
	hist = make([]float64, len(xs))
	for i := range xs {
		hist[i] = line[i] - sig[i]
	}
	return line, sig, hist
}

// RSI returns Wilder's relative strength index over n changes, in [0, 100]. The first
// average gain and loss are the plain means of changes 1..n, later ones are smoothed as
// a_i = (a_{i−1}·(n − 1) + x_i) / n. Entries before index n are NaN, and 100 when there was no loss.
func RSI(xs []float64, n int) []float64 {
	out := nans(len(xs))
	var gain, loss float64
	for i := 1; i < len(xs); i++ {
		change := xs[i] - xs[i-1]
		up, down := max(change, 0), max(-change, 0)
		switch {
		case i < n:
			gain += up
			loss += down
			continue
		case i == n:
			gain = (gain + up) / float64(n)
			loss = (loss + down) / float64(n)
		default:
			gain = (gain*float64(n-1) + up) / float64(n)
			loss = (loss*float64(n-1) + down) / float64(n)
		}
		if loss == 0 {
			out[i] = 100
			continue
		}
		out[i] = 100 - 100/(1+gain/loss)
	}
	return out
}

// KDJ returns the stochastic K, D and J lines over n bars with smoothing m1 and m2:
//
//	RSV_i = 100 · (close_i − min(low over n)) / (max(high over n) − min(low over n))
//	K_i   = ((m1 − 1)·K_{i−1} + RSV_i) / m1,  K before the first RSV = 50
//	D_i   = ((m2 − 1)·D_{i−1} + K_i) / m2,    D before the first RSV = 50
//	J_i   = 3·K_i − 2·D_i
//
// RSV is 50 when the range is zero. Entries before index n−1 are NaN.
func KDJ(high, low, close []float64, n, m1, m2 int) (k, d, j []float64) {
	k, d, j = nans(len(close)), nans(len(close)), nans(len(close))
	prevK, prevD := 50.0, 50.0
	for i := n - 1; i < len(close); i++ {
		hi, lo := high[i], low[i]
		for w := i - n + 1; w < i; w++ {
			hi, lo = max(hi, high[w]), min(lo, low[w])
		}
		rsv := 50.0
		if hi > lo {
			rsv = 100 * (close[i] - lo) / (hi - lo)
		}
		k[i] = (float64(m1-1)*prevK + rsv) / float64(m1)
		d[i] = (float64(m2-1)*prevD + k[i]) / float64(m2)
		j[i] = 3*k[i] - 2*d[i]
		prevK, prevD = k[i], d[i]
	}
	return k, d, j
}

// ZScore returns (x_i − mean) / std over the last n values, with the population standard
// deviation. Entries before index n−1 are NaN, and 0 where the window is flat.
func ZScore(xs []float64, n int) []float64 {
	out := nans(len(xs))
	for i := n - 1; i < len(xs); i++ {
		var mean float64
		for _, x := range xs[i-n+1 : i+1] {
			mean += x
		}
		mean /= float64(n)
		var ss float64
		for _, x := range xs[i-n+1 : i+1] {
			ss += (x - mean) * (x - mean)
		}
		sd := math.Sqrt(ss / float64(n))
		if sd == 0 {
			out[i] = 0
			continue
		}
		out[i] = (xs[i] - mean) / sd
	}
	return out
}

func nans(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = math.NaN()
	}
	return out
}
