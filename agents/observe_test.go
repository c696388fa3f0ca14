package agents

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestObserveRules(t *testing.T) {
	tests := []struct {
		name string
		day  featureDay
		want []Observation // nil when no feature is notable
	}{
		{"quiet", featureDay{"rsi14": {0.2, 0.5}, "mom20": {0.01, 0.3}}, nil},
		{"overbought", featureDay{"rsi14": {0.42, 1.9}}, []Observation{{"rsi14", "RSI 71 (overbought)", Bearish, 1.9}}},
		{"oversold", featureDay{"rsi14": {-0.6, -2.1}}, []Observation{{"rsi14", "RSI 20 (oversold)", Bullish, 2.1}}},
		{"above band", featureDay{"bb_pctb": {1.08, 1.4}}, []Observation{{"bb_pctb", "close above the upper Bollinger band (%b 1.08)", Bearish, 1.4}}},
		{"below band", featureDay{"bb_pctb": {-0.1, -1.6}}, []Observation{{"bb_pctb", "close below the lower Bollinger band (%b -0.10)", Bullish, 1.6}}},
		{"trend below", featureDay{"dist_sma50": {-0.07, -1.3}}, []Observation{{"dist_sma50", "price 6.8% below its 50-day average", Bearish, 1.3}}},
		{"short trend weak", featureDay{"dist_sma20": {0.02, 1.2}}, nil},
		{"momentum", featureDay{"mom60": {0.1, 1.1}}, []Observation{{"mom60", "60-bar momentum +10.5%", Bullish, 1.1}}},
		{"last bar", featureDay{"ret1": {-0.04, -2.5}}, []Observation{{"ret1", "last bar -3.9%", Bearish, 2.5}}},
		{"macd", featureDay{"macd_hist": {-0.003, -1.2}}, []Observation{{"macd_hist", "MACD histogram negative (-0.30% of price)", Bearish, 1.2}}},
		{"volume", featureDay{"vol_ratio": {0.7, 2.2}}, []Observation{{"vol_ratio", "volume 2.0× its 20-day average", Neutral, 2.2}}},
		{"low volume ignored", featureDay{"vol_ratio": {-0.7, -2.2}}, nil},
		{"volatility high", featureDay{"rv20": {0.03, 0.8}}, []Observation{{"rv20", "20-day volatility 3.0% a day, in the top decile of the last 10 bars", Neutral, 0.8}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Observe(testSnapshot(0, tt.day))
			// Z-scores pass through float32, so salience is compared with a tolerance.
			for i := range got {
				if i < len(tt.want) {
					assert.InDelta(t, tt.want[i].Salience, got[i].Salience, 1e-6, "salience of %s", got[i].Feature)
					got[i].Salience = tt.want[i].Salience
				}
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestObserveOrder(t *testing.T) {
	got := Observe(testSnapshot(0, featureDay{
		"rsi14":       {0.5, 2},     // RSI 75, salience 2
		"dist_sma200": {0.1, 3},     // salience 3
		"mom20":       {-0.05, -2},  // salience 2, before rsi14 by name
		"mom5":        {0.01, 1.49}, // below its 1.5 threshold
	}))
	var features []string
	for _, o := range got {
		features = append(features, o.Feature)
	}
	assert.Equal(t, []string{"dist_sma200", "mom20", "rsi14"}, features, "by salience, ties by name")
}

func TestObserveLowVolatility(t *testing.T) {
	// Every feature is 0.02 on the first nine days and rv20 is 0.005 on the last, so rv20 ranks
	// in the bottom decile.
	got := Observe(testSnapshot(0.02, featureDay{"rv20": {0.005, -0.4}}))
	var texts []string
	for _, o := range got {
		texts = append(texts, o.Text)
	}
	assert.Contains(t, texts, "20-day volatility 0.5% a day, in the bottom decile of the last 10 bars")
}
