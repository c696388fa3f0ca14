package marketdata

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The references below compute each feature from its textbook formula in a different way from
// the package: recursive smoothings are expanded into their closed-form weighted sums, and
// variances use the one-pass formula. Agreement is checked to a relative 1e-9.

const featureTol = 1e-9

func assertClose(t *testing.T, want, got float64, msgAndArgs ...any) {
	t.Helper()
	if math.IsNaN(want) {
		assert.True(t, math.IsNaN(got), msgAndArgs...)
		return
	}
	assert.InDelta(t, want, got, featureTol*math.Max(1, math.Abs(want)), msgAndArgs...)
}

func closesOf(bars []Bar) []float64 {
	out := make([]float64, len(bars))
	for i, b := range bars {
		out[i] = b.Close
	}
	return out
}

// refSmooth returns at index t the exponential smoothing of xs[start..t] with weight a, whose
// value at index start-1 is seed, as the explicit sum (1-a)^(t-start+1)·seed + Σ a(1-a)^(t-k)·xs[k].
func refSmooth(xs []float64, t, start int, seed, alpha float64) float64 {
	s := math.Pow(1-alpha, float64(t-start+1)) * seed
	for k := start; k <= t; k++ {
		s += alpha * math.Pow(1-alpha, float64(t-k)) * xs[k]
	}
	return s
}

// refEMA is the EMA seeded by its first input: EMA_0 = xs[0].
func refEMA(xs []float64, t, n int) float64 {
	return refSmooth(xs, t, 1, xs[0], 2/float64(n+1))
}

// refWilder averages xs[1..n] and then smooths with alpha 1/n; it is defined for t >= n.
func refWilder(xs []float64, t, n int) float64 {
	var first float64
	for k := 1; k <= n; k++ {
		first += xs[k]
	}
	first /= float64(n)
	if t == n {
		return first
	}
	return refSmooth(xs, t, n+1, first, 1/float64(n))
}

func refMean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// refVariance returns Σ(x²)/n - mean², times n/(n-1) when sample is true.
func refVariance(xs []float64, sample bool) float64 {
	var s, s2 float64
	for _, x := range xs {
		s += x
		s2 += x * x
	}
	n := float64(len(xs))
	v := s2/n - (s/n)*(s/n)
	if sample {
		v *= n / (n - 1)
	}
	return v
}

// refFeatures computes the feature row of bar i from the textbook formulas.
func refFeatures(bars []Bar, i int) [NumFeatures]float64 {
	var row [NumFeatures]float64
	for j := range row {
		row[j] = math.NaN()
	}
	c := closesOf(bars)
	b := bars[i]
	logRet := func(k int) float64 { return math.Log(c[k] / c[k-1]) }

	row[FeatureRange] = math.Log(b.High / b.Low)
	row[FeatureBody] = math.Log(b.Close / b.Open)
	if i >= 1 {
		row[FeatureRet1] = logRet(i)
		row[FeatureGap] = math.Log(b.Open / c[i-1])
	}
	if i >= 19 {
		var vols []float64
		for k := i - 19; k <= i; k++ {
			vols = append(vols, bars[k].Volume)
		}
		row[FeatureVolRatio] = math.Log((b.Volume + 1) / (refMean(vols) + 1))
	}
	for j, n := range []int{5, 20, 60} {
		if i >= n {
			var rets []float64
			for k := i - n + 1; k <= i; k++ {
				rets = append(rets, logRet(k))
			}
			row[FeatureRV5+j] = math.Sqrt(refVariance(rets, true))
		}
	}
	if i >= 14 {
		gains := make([]float64, len(c))
		losses := make([]float64, len(c))
		for k := 1; k < len(c); k++ {
			gains[k] = math.Max(c[k]-c[k-1], 0)
			losses[k] = math.Max(c[k-1]-c[k], 0)
		}
		rs := refWilder(gains, i, 14) / refWilder(losses, i, 14)
		rsi := 100 - 100/(1+rs)
		row[FeatureRSI14] = (rsi - 50) / 50

		tr := make([]float64, len(bars))
		for k := 1; k < len(bars); k++ {
			tr[k] = math.Max(bars[k].High, c[k-1]) - math.Min(bars[k].Low, c[k-1])
		}
		row[FeatureATR14] = refWilder(tr, i, 14) / b.Close
	}
	if i >= 33 {
		macd := make([]float64, i+1)
		for k := 0; k <= i; k++ {
			macd[k] = refEMA(c, k, 12) - refEMA(c, k, 26)
		}
		row[FeatureMACDHist] = (macd[i] - refEMA(macd, i, 9)) / b.Close
	}
	if i >= 19 {
		w := c[i-19 : i+1]
		m, sd := refMean(w), math.Sqrt(refVariance(w, false))
		lower, upper := m-2*sd, m+2*sd
		row[FeatureBBPctB] = (b.Close - lower) / (upper - lower)
	}
	for j, n := range []int{20, 50, 200} {
		if i >= n-1 {
			row[FeatureDistSMA20+j] = math.Log(b.Close / refMean(c[i-n+1:i+1]))
		}
	}
	for j, n := range []int{5, 20, 60} {
		if i >= n {
			row[FeatureMom5+j] = math.Log(b.Close / c[i-n])
		}
	}
	return row
}

func TestComputeFeaturesReference(t *testing.T) {
	bars := syntheticBars(260, 11)
	rows := ComputeFeatures(bars)
	require.Len(t, rows, len(bars))
	for i := range bars {
		want := refFeatures(bars, i)
		for j := range want {
			assertClose(t, want[j], rows[i][j], "row %d feature %s", i, FeatureNames[j])
		}
	}
}

func TestComputeFeaturesByHand(t *testing.T) {
	bars := []Bar{
		{Date: day(2024, 1, 2), Open: 100, High: 104, Low: 98, Close: 102, Volume: 10},
		{Date: day(2024, 1, 3), Open: 101, High: 106, Low: 100, Close: 105, Volume: 30},
	}
	rows := ComputeFeatures(bars)
	assert.InDelta(t, math.Log(104.0/98), rows[0][FeatureRange], 1e-15)
	assert.InDelta(t, math.Log(102.0/100), rows[0][FeatureBody], 1e-15)
	assert.True(t, math.IsNaN(rows[0][FeatureRet1]))
	assert.True(t, math.IsNaN(rows[0][FeatureGap]))
	assert.InDelta(t, math.Log(105.0/102), rows[1][FeatureRet1], 1e-15)
	assert.InDelta(t, math.Log(101.0/102), rows[1][FeatureGap], 1e-15)
}

func TestComputeFeaturesFlat(t *testing.T) {
	bars := make([]Bar, 220)
	for i := range bars {
		bars[i] = Bar{Date: day(2020, 1, 1).AddDate(0, 0, i), Open: 50, High: 50, Low: 50, Close: 50, Volume: 1000}
	}
	last := ComputeFeatures(bars)[len(bars)-1]
	want := map[int]float64{
		FeatureRSI14:  0,   // RSI 50 when nothing moved
		FeatureBBPctB: 0.5, // zero band width
		FeatureATR14:  0, FeatureMACDHist: 0, FeatureVolRatio: 0, FeatureRV60: 0, FeatureDistSMA200: 0,
	}
	for j, v := range want {
		assert.Equal(t, v, last[j], FeatureNames[j])
	}
}

func TestComputeFeaturesRSIExtremes(t *testing.T) {
	up := make([]Bar, 30)
	down := make([]Bar, 30)
	for i := range up {
		d := day(2020, 1, 1).AddDate(0, 0, i)
		c := 10 + float64(i)
		up[i] = Bar{Date: d, Open: c, High: c, Low: c, Close: c, Volume: 1}
		c = 100 - float64(i)
		down[i] = Bar{Date: d, Open: c, High: c, Low: c, Close: c, Volume: 1}
	}
	assert.Equal(t, 1.0, ComputeFeatures(up)[29][FeatureRSI14], "RSI 100 when nothing fell")
	assert.Equal(t, -1.0, ComputeFeatures(down)[29][FeatureRSI14], "RSI 0 when nothing rose")
}

func TestWilderRSITextbook(t *testing.T) {
	// The 33-close series of the textbook 14-day RSI example. The expected values are Wilder's
	// RSI without intermediate rounding, to two decimals, as other open-source implementations
	// test them too.
	closes := []float64{
		44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.10, 45.42, 45.84, 46.08, 45.89, 46.03, 45.61, 46.28,
		46.28, 46.00, 46.03, 46.41, 46.22, 45.64, 46.21, 46.25, 45.71, 46.45, 45.78, 45.35, 44.03, 44.18,
		44.22, 44.57, 43.42, 42.66, 43.13,
	}
	want := []float64{
		70.46, 66.25, 66.48, 69.35, 66.29, 57.92, 62.88, 63.21, 56.01, 62.34,
		54.67, 50.39, 40.02, 41.49, 41.90, 45.50, 37.32, 33.09, 37.79,
	}
	got := wilderRSI(closes, 14)
	for i := range 14 {
		assert.True(t, math.IsNaN(got[i]), "index %d is before the first full period", i)
	}
	for k, w := range want {
		assert.InDelta(t, w, got[14+k], 0.005, "RSI at close %d", 14+k)
	}
}

func TestBollingerByHand(t *testing.T) {
	// Closes 1..20: mean 10.5, population variance (20²-1)/12 = 33.25.
	window := make([]float64, 20)
	for i := range window {
		window[i] = float64(i + 1)
	}
	sd := math.Sqrt(33.25)
	assert.InDelta(t, (20-(10.5-2*sd))/(4*sd), percentB(window, 20, 2), 1e-12)
	assert.InDelta(t, 0.5, percentB(window, 10.5, 2), 1e-12)
}

func TestComputeFeaturesFirstDefined(t *testing.T) {
	rows := ComputeFeatures(syntheticBars(FeatureWarmup+10, 5))
	first := map[int]int{
		FeatureRange: 0, FeatureBody: 0, FeatureRet1: 1, FeatureGap: 1, FeatureRV5: 5, FeatureMom5: 5,
		FeatureRSI14: 14, FeatureATR14: 14, FeatureVolRatio: 19, FeatureBBPctB: 19, FeatureDistSMA20: 19,
		FeatureRV20: 20, FeatureMom20: 20, FeatureMACDHist: 33, FeatureDistSMA50: 49, FeatureRV60: 60,
		FeatureMom60: 60, FeatureDistSMA200: 199,
	}
	require.Len(t, first, NumFeatures)
	for j, idx := range first {
		if idx > 0 {
			assert.True(t, math.IsNaN(rows[idx-1][j]), "%s is NaN at %d", FeatureNames[j], idx-1)
		}
		assert.False(t, math.IsNaN(rows[idx][j]), "%s is defined at %d", FeatureNames[j], idx)
	}
	for i := FeatureWarmup - 1; i < len(rows); i++ {
		for j, v := range rows[i] {
			assert.False(t, math.IsNaN(v) || math.IsInf(v, 0), "row %d %s = %v", i, FeatureNames[j], v)
		}
	}
}

func TestComputeFeaturesCausal(t *testing.T) {
	bars := syntheticBars(300, 9)
	all := ComputeFeatures(bars)
	for i := 0; i < len(bars); i += 7 {
		prefix := ComputeFeatures(bars[:i+1])
		for r := range prefix {
			for j := range prefix[r] {
				same := prefix[r][j] == all[r][j] || (math.IsNaN(prefix[r][j]) && math.IsNaN(all[r][j]))
				if !same {
					t.Fatalf("prefix of %d bars: row %d %s = %v, with all bars %v", i+1, r, FeatureNames[j], prefix[r][j], all[r][j])
				}
			}
		}
	}
}

func TestComputeFeaturesZeroVolume(t *testing.T) {
	noVolume := syntheticBars(40, 4)
	for i := range noVolume {
		noVolume[i].Volume = 0
	}
	assert.Equal(t, 0.0, ComputeFeatures(noVolume)[35][FeatureVolRatio], "a symbol without volume gets 0")

	oneDay := syntheticBars(40, 4)
	oneDay[30].Volume = 0
	v := ComputeFeatures(oneDay)[30][FeatureVolRatio]
	assert.False(t, math.IsInf(v, 0) || math.IsNaN(v))
	assert.Less(t, v, -10.0, "a zero-volume day is far below the mean")
}

func TestFeatureNames(t *testing.T) {
	seen := map[string]bool{}
	for _, name := range FeatureNames {
		assert.NotEmpty(t, name)
		assert.False(t, seen[name], "duplicate %s", name)
		seen[name] = true
	}
	assert.Equal(t, "ret1", FeatureNames[FeatureRet1])
	assert.Equal(t, "rsi14", FeatureNames[FeatureRSI14])
	assert.Equal(t, "mom60", FeatureNames[FeatureMom60])
	assert.Equal(t, 18, NumFeatures)
}

func TestComputeFeaturesEmpty(t *testing.T) {
	assert.Empty(t, ComputeFeatures(nil))
	rows := ComputeFeatures(syntheticBars(1, 1))
	require.Len(t, rows, 1)
	assert.True(t, math.IsNaN(rows[0][FeatureRSI14]))
}

func TestTargets(t *testing.T) {
	mk := func(h, l, c float64) Bar { return Bar{Open: c, High: h, Low: l, Close: c} }
	bars := []Bar{
		mk(101, 99, 100), // t = 0
		mk(106, 100, 105),
		mk(108, 95, 97),
		mk(104, 98, 102),
		mk(120, 50, 110), // outside a 3-bar horizon from t = 0
	}
	tests := []struct {
		name          string
		t, h          int
		ret, up, down float64
		ok            bool
	}{
		{"h1", 0, 1, math.Log(105.0 / 100), math.Log(106.0 / 100), math.Log(100.0 / 100), true},
		{"h3", 0, 3, math.Log(102.0 / 100), math.Log(108.0 / 100), math.Log(100.0 / 95), true},
		{"h2-from-2", 2, 2, math.Log(110.0 / 97), math.Log(120.0 / 97), math.Log(97.0 / 50), true},
		{"last-reachable", 3, 1, math.Log(110.0 / 102), math.Log(120.0 / 102), math.Log(102.0 / 50), true},
		{"beyond-end", 2, 3, 0, 0, 0, false},
		{"at-end", 4, 1, 0, 0, 0, false},
		{"negative-t", -1, 1, 0, 0, 0, false},
		{"zero-h", 0, 0, 0, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ret, up, down, ok := Targets(bars, tt.t, tt.h)
			assert.Equal(t, tt.ok, ok)
			assert.InDelta(t, tt.ret, ret, 1e-15)
			assert.InDelta(t, tt.up, up, 1e-15)
			assert.InDelta(t, tt.down, down, 1e-15)
		})
	}
}
