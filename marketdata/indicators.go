package marketdata

import "math"

// wilderRSI returns the RSI (0..100) of closes with Wilder's smoothing. Entries before index
// period are NaN.
func wilderRSI(closes []float64, period int) []float64 {
	out := nanSlice(len(closes))
	if len(closes) <= period {
		return out
	}
	var avgGain, avgLoss float64
	for i := 1; i <= period; i++ {
		gain, loss := splitChange(closes[i] - closes[i-1])
		avgGain += gain
		avgLoss += loss
	}
	avgGain /= float64(period)
	avgLoss /= float64(period)
	out[period] = rsiValue(avgGain, avgLoss)
	for i := period + 1; i < len(closes); i++ {
		gain, loss := splitChange(closes[i] - closes[i-1])
		avgGain = (avgGain*float64(period-1) + gain) / float64(period)
		avgLoss = (avgLoss*float64(period-1) + loss) / float64(period)
		out[i] = rsiValue(avgGain, avgLoss)
	}
	return out
}

// splitChange returns a price change as a (gain, loss) pair of non-negative numbers.
func splitChange(d float64) (gain, loss float64) {
	if d > 0 {
		return d, 0
	}
	return 0, -d
}

func rsiValue(avgGain, avgLoss float64) float64 {
	switch {
	case avgLoss == 0 && avgGain == 0:
		return 50
	case avgLoss == 0:
		return 100
	}
	return 100 - 100/(1+avgGain/avgLoss)
}

// wilderATR returns the average true range with Wilder's smoothing. Entries before index
// period are NaN. The first value is the mean of the true ranges of bars 1..period.
func wilderATR(bars []Bar, period int) []float64 {
	out := nanSlice(len(bars))
	if len(bars) <= period {
		return out
	}
	var atr float64
	for i := 1; i <= period; i++ {
		atr += trueRange(bars[i], bars[i-1].Close)
	}
	atr /= float64(period)
	out[period] = atr
	for i := period + 1; i < len(bars); i++ {
		atr = (atr*float64(period-1) + trueRange(bars[i], bars[i-1].Close)) / float64(period)
		out[i] = atr
	}
	return out
}

func trueRange(b Bar, prevClose float64) float64 {
	return math.Max(b.High-b.Low, math.Max(math.Abs(b.High-prevClose), math.Abs(b.Low-prevClose)))
}

// macdHistogram returns MACD line minus signal line, in price units. Every EMA starts at its
// first input. Entries before index slow+signal-2 are NaN.
func macdHistogram(closes []float64, fast, slow, signal int) []float64 {
	out := nanSlice(len(closes))
	if len(closes) == 0 {
		return out
	}
	aFast := 2 / float64(fast+1)
	aSlow := 2 / float64(slow+1)
	aSignal := 2 / float64(signal+1)
	emaFast, emaSlow := closes[0], closes[0]
	sig := 0.0 // signal EMA, starting at the first MACD value emaFast-emaSlow = 0
	first := slow + signal - 2
	for i, c := range closes {
		if i > 0 {
			emaFast += aFast * (c - emaFast)
			emaSlow += aSlow * (c - emaSlow)
			sig += aSignal * ((emaFast - emaSlow) - sig)
		}
		if i >= first {
			out[i] = (emaFast - emaSlow) - sig
		}
	}
	return out
}

// percentB returns Bollinger %b of c against the mean ± width population standard deviations
// of window, or 0.5 when the window is flat.
func percentB(window []float64, c, width float64) float64 {
	m := mean(window)
	var ss float64
	for _, x := range window {
		ss += (x - m) * (x - m)
	}
	sd := math.Sqrt(ss / float64(len(window)))
	if sd == 0 {
		return 0.5
	}
	return (c - (m - width*sd)) / (2 * width * sd)
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// sampleStd returns the standard deviation with the n-1 divisor (two-pass).
func sampleStd(xs []float64) float64 {
	m := mean(xs)
	var ss float64
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	return math.Sqrt(ss / float64(len(xs)-1))
}

func nanSlice(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = math.NaN()
	}
	return out
}
