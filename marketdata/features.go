package marketdata

import "math"

// NumFeatures is the number of per-day features computed by ComputeFeatures.
const NumFeatures = 18

// Indexes of the features in a row of ComputeFeatures, in the order of FeatureNames.
const (
	FeatureRet1       = iota // log(close / previous close)
	FeatureRange             // log(high / low)
	FeatureGap               // log(open / previous close)
	FeatureBody              // log(close / open)
	FeatureVolRatio          // log((volume+1) / (20-bar mean volume + 1))
	FeatureRV5               // sample std of the last 5 daily log returns
	FeatureRV20              // sample std of the last 20 daily log returns
	FeatureRV60              // sample std of the last 60 daily log returns
	FeatureRSI14             // (Wilder RSI(14) - 50) / 50, in [-1, 1]
	FeatureMACDHist          // MACD(12, 26, 9) histogram / close
	FeatureBBPctB            // Bollinger %b(20, 2)
	FeatureATR14             // Wilder ATR(14) / close
	FeatureDistSMA20         // log(close / SMA20)
	FeatureDistSMA50         // log(close / SMA50)
	FeatureDistSMA200        // log(close / SMA200)
	FeatureMom5              // log(close / close 5 bars earlier)
	FeatureMom20             // log(close / close 20 bars earlier)
	FeatureMom60             // log(close / close 60 bars earlier)
)

// FeatureNames are the names of the features, indexed by the Feature constants.
var FeatureNames = [NumFeatures]string{
	"ret1", "range", "gap", "body", "vol_ratio", "rv5", "rv20", "rv60", "rsi14", "macd_hist",
	"bb_pctb", "atr14", "dist_sma20", "dist_sma50", "dist_sma200", "mom5", "mom20", "mom60",
}

// FeatureWarmup is the number of bars needed before every feature of a row is defined: row i
// of ComputeFeatures contains no NaN when i >= FeatureWarmup-1. The longest window is the
// 200-bar SMA.
const FeatureWarmup = 200

// Feature parameters.
const (
	volumeWindow = 20
	rsiPeriod    = 14
	atrPeriod    = 14
	macdFast     = 12
	macdSlow     = 26
	macdSignal   = 9
	bbWindow     = 20
	bbWidth      = 2.0
)

var (
	rvSpans  = [3]int{5, 20, 60}
	smaSpans = [3]int{20, 50, 200}
	momSpans = [3]int{5, 20, 60}
)

// ComputeFeatures returns one row of NumFeatures values per bar. Row i depends only on bars
// 0..i, so appending bars never changes earlier rows. A feature is NaN in the rows where its
// window is not yet full. The first bar index at which each one is defined is:
//
//	0: range, body
//	1: ret1, gap
//	5: rv5, mom5
//	14: rsi14, atr14
//	19: vol_ratio, bb_pctb, dist_sma20
//	20: rv20, mom20
//	33: macd_hist
//	49: dist_sma50
//	60: rv60, mom60
//	199: dist_sma200
//
// Pass split- and dividend-adjusted bars (Series.Adjusted), so that splits do not appear as
// returns. Definitions:
//   - vol_ratio adds one unit to volume and mean, so a zero-volume day stays finite and a
//     symbol without volume gets 0.
//   - rv5, rv20, rv60 are daily, not annualized, with the n-1 divisor.
//   - rsi14 and atr14 use Wilder's smoothing: the first average is the plain mean of the first
//     14 changes (true ranges), then avg = (13·avg + x) / 14. The true range of bar i is
//     max(high-low, |high-prevClose|, |low-prevClose|). RSI is 50 when nothing moved and 100
//     when nothing fell.
//   - macd_hist: both EMAs and the signal EMA start at their first input value (EMA_0 = x_0,
//     alpha = 2/(n+1)). The value stays NaN until bar 33, when the slow EMA has 26 closes
//     and the signal 9 MACD values after that.
//   - bb_pctb = (close - (SMA20 - 2σ)) / (4σ) with σ the population standard deviation (n
//     divisor) of the 20 closes. It is 0.5 when σ is 0.
func ComputeFeatures(bars []Bar) [][NumFeatures]float64 {
	n := len(bars)
	out := make([][NumFeatures]float64, n) // [bars][NumFeatures]
	closes := make([]float64, n)
	volumes := make([]float64, n)
	logRet := make([]float64, n) // logRet[0] is NaN
	for i, b := range bars {
		closes[i] = b.Close
		volumes[i] = b.Volume
		logRet[i] = math.NaN()
		if i > 0 {
			logRet[i] = math.Log(b.Close / bars[i-1].Close)
		}
	}
	rsi := wilderRSI(closes, rsiPeriod)
	atr := wilderATR(bars, atrPeriod)
	hist := macdHistogram(closes, macdFast, macdSlow, macdSignal)

	for i, b := range bars {
		row := &out[i]
		for j := range row {
			row[j] = math.NaN()
		}
		row[FeatureRange] = math.Log(b.High / b.Low)
		row[FeatureBody] = math.Log(b.Close / b.Open)
		if i >= 1 {
			row[FeatureRet1] = logRet[i]
			row[FeatureGap] = math.Log(b.Open / closes[i-1])
		}
		if i >= volumeWindow-1 {
			m := mean(volumes[i-volumeWindow+1 : i+1])
			row[FeatureVolRatio] = math.Log((b.Volume + 1) / (m + 1))
		}
		for k, span := range rvSpans {
			if i >= span {
				row[FeatureRV5+k] = sampleStd(logRet[i-span+1 : i+1])
			}
		}
		row[FeatureRSI14] = (rsi[i] - 50) / 50
		row[FeatureMACDHist] = hist[i] / b.Close
		if i >= bbWindow-1 {
			row[FeatureBBPctB] = percentB(closes[i-bbWindow+1:i+1], b.Close, bbWidth)
		}
		row[FeatureATR14] = atr[i] / b.Close
		for k, span := range smaSpans {
			if i >= span-1 {
				row[FeatureDistSMA20+k] = math.Log(b.Close / mean(closes[i-span+1:i+1]))
			}
		}
		for k, span := range momSpans {
			if i >= span {
				row[FeatureMom5+k] = math.Log(b.Close / closes[i-span])
			}
		}
	}
	return out
}

// Targets returns the outcomes H = h bars after bar t, from the closes and extremes of bars
// t+1..t+h:
//
//	ret  = log(close[t+h] / close[t])
//	up   = log(max(high[t+1..t+h]) / close[t])
//	down = log(close[t] / min(low[t+1..t+h]))
//
// ok is false, and the values 0, when t < 0, h < 1 or t+h is beyond the last bar. Pass
// adjusted bars, as for ComputeFeatures.
func Targets(bars []Bar, t, h int) (ret, up, down float64, ok bool) {
	if t < 0 || h < 1 || t+h >= len(bars) {
		return 0, 0, 0, false
	}
	c := bars[t].Close
	high, low := bars[t+1].High, bars[t+1].Low
	for _, b := range bars[t+2 : t+h+1] {
		high = math.Max(high, b.High)
		low = math.Min(low, b.Low)
	}
	return math.Log(bars[t+h].Close / c), math.Log(high / c), math.Log(c / low), true
}
