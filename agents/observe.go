package agents

import (
	"fmt"
	"math"
	"sort"

	"github.com/traderlab/trader/thinker"
)

// Lean is the direction an observation points the price.
type Lean int

// Leans of an observation.
const (
	// Bearish observations argue for a fall, such as an overbought RSI.
	Bearish Lean = -1
	// Neutral observations raise the stakes either way, such as high volatility.
	Neutral Lean = 0
	// Bullish observations argue for a rise, such as a price above its long moving average.
	Bullish Lean = 1
)

// Observation is one feature value that is unusual on the as-of date.
type Observation struct {
	// Feature is the feature's name, such as "rsi14".
	Feature string
	// Text describes the value in words, such as "RSI 71 (overbought)".
	Text string
	// Lean is the direction the value points the price.
	Lean Lean
	// Salience is |z|, the distance of the value from the training mean in standard deviations
	// (capped by the snapshot's clip); larger stands out more.
	Salience float64
}

// rule describes when one feature stands out and how to say it. The value v is the raw feature,
// z its standardized value and pct its percentile rank within the snapshot's window.
type rule struct {
	feature  string
	describe func(v, z, pct float64, days int) (text string, lean Lean, ok bool)
}

// rules lists the features that arguments may quote. Features not listed (the bar's own range
// and body, 5- and 60-day volatility) overlap with listed ones and are left out.
var rules = []rule{
	{"rsi14", describeRSI},
	{"bb_pctb", describeBollinger},
	{"rv20", func(v, z, pct float64, days int) (string, Lean, bool) {
		return describeRank(fmt.Sprintf("20-day volatility %.1f%% a day", v*100), pct, days)
	}},
	{"atr14", func(v, z, pct float64, days int) (string, Lean, bool) {
		return describeRank(fmt.Sprintf("14-day ATR %.1f%% of price", v*100), pct, days)
	}},
	{"dist_sma200", trendRule("200-day", 1)},
	{"dist_sma50", trendRule("50-day", 1)},
	{"dist_sma20", trendRule("20-day", 1.5)},
	{"mom60", momentumRule("60-bar momentum", 1)},
	{"mom20", momentumRule("20-bar momentum", 1)},
	{"mom5", momentumRule("5-bar move", 1.5)},
	{"ret1", momentumRule("last bar", 2)},
	{"gap", momentumRule("opening gap", 2)},
	{"macd_hist", describeMACD},
	{"vol_ratio", describeVolume},
}

// Observe returns the features of s that stand out on its as-of date, most salient first (ties
// in feature-name order). It quotes only values in s.
func Observe(s *thinker.Snapshot) []Observation {
	var out []Observation
	for _, r := range rules {
		v, ok := s.Latest[r.feature]
		if !ok {
			continue
		}
		z, _ := s.ZScore(r.feature)
		pct, _ := s.Percentile(r.feature)
		text, lean, ok := r.describe(v, z, pct, s.Days)
		if !ok {
			continue
		}
		out = append(out, Observation{Feature: r.feature, Text: text, Lean: lean, Salience: math.Abs(z)})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Salience != out[j].Salience {
			return out[i].Salience > out[j].Salience
		}
		return out[i].Feature < out[j].Feature
	})
	return out
}

// describeRSI reads rsi14, which the features scale as (RSI − 50) / 50.
func describeRSI(v, z, pct float64, days int) (string, Lean, bool) {
	rsi := 50 + 50*v
	switch {
	case rsi >= 70:
		return fmt.Sprintf("RSI %.0f (overbought)", rsi), Bearish, true
	case rsi <= 30:
		return fmt.Sprintf("RSI %.0f (oversold)", rsi), Bullish, true
	}
	return "", Neutral, false
}

func describeBollinger(v, z, pct float64, days int) (string, Lean, bool) {
	switch {
	case v > 1:
		return fmt.Sprintf("close above the upper Bollinger band (%%b %.2f)", v), Bearish, true
	case v < 0:
		return fmt.Sprintf("close below the lower Bollinger band (%%b %.2f)", v), Bullish, true
	}
	return "", Neutral, false
}

// describeRank flags a value in the top or bottom decile of the window.
func describeRank(label string, pct float64, days int) (string, Lean, bool) {
	switch {
	case pct >= 0.9:
		return fmt.Sprintf("%s, in the top decile of the last %d bars", label, days), Neutral, true
	case pct <= 0.1:
		return fmt.Sprintf("%s, in the bottom decile of the last %d bars", label, days), Neutral, true
	}
	return "", Neutral, false
}

// trendRule flags a log distance from a moving average at least minZ standard deviations from
// its training mean.
func trendRule(span string, minZ float64) func(v, z, pct float64, days int) (string, Lean, bool) {
	return func(v, z, pct float64, days int) (string, Lean, bool) {
		if math.Abs(z) < minZ {
			return "", Neutral, false
		}
		side := "above"
		if v < 0 {
			side = "below"
		}
		return fmt.Sprintf("price %.1f%% %s its %s average", math.Abs(math.Expm1(v))*100, side, span), leanOf(v), true
	}
}

// momentumRule flags a log return at least minZ standard deviations from its training mean.
func momentumRule(label string, minZ float64) func(v, z, pct float64, days int) (string, Lean, bool) {
	return func(v, z, pct float64, days int) (string, Lean, bool) {
		if math.Abs(z) < minZ {
			return "", Neutral, false
		}
		return fmt.Sprintf("%s %s", label, percent(v)), leanOf(v), true
	}
}

// describeMACD reads macd_hist, the MACD histogram divided by the close.
func describeMACD(v, z, pct float64, days int) (string, Lean, bool) {
	if math.Abs(z) < 1 {
		return "", Neutral, false
	}
	side := "positive"
	if v < 0 {
		side = "negative"
	}
	return fmt.Sprintf("MACD histogram %s (%.2f%% of price)", side, v*100), leanOf(v), true
}

// describeVolume reads vol_ratio, the log of volume over its 20-day mean.
func describeVolume(v, z, pct float64, days int) (string, Lean, bool) {
	if z < 1.5 {
		return "", Neutral, false
	}
	return fmt.Sprintf("volume %.1f× its 20-day average", math.Exp(v)), Neutral, true
}

func leanOf(v float64) Lean {
	switch {
	case v > 0:
		return Bullish
	case v < 0:
		return Bearish
	}
	return Neutral
}
