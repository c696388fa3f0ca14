package strategy

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The expected values below were computed independently with plain Python loops (no
// libraries) on the same short series, one formula per indicator as documented here.
var (
	testClose = []float64{10, 11, 12, 11, 10, 9, 10, 12, 13, 12}
	nan       = math.NaN()
)

func testHighLow() (high, low []float64) {
	for _, c := range testClose {
		high, low = append(high, c+1), append(low, c-1)
	}
	return high, low
}

func assertSeries(t *testing.T, want, got []float64) {
	t.Helper()
	assert.Len(t, got, len(want))
	for i := range want {
		if math.IsNaN(want[i]) {
			assert.True(t, math.IsNaN(got[i]), "index %d: want NaN, got %v", i, got[i])
			continue
		}
		assert.InDelta(t, want[i], got[i], 1e-9, "index %d", i)
	}
}

func TestIndicators(t *testing.T) {
	high, low := testHighLow()
	macd, signal, hist := MACD(testClose, 2, 4, 3)
	k, d, j := KDJ(high, low, testClose, 3, 3, 3)
	tests := []struct {
		name      string
		got, want []float64
	}{
		{"SMA3", SMA(testClose, 3), []float64{nan, nan, 11.0, 11.333333333333334, 11.0, 10.0, 9.666666666666666, 10.333333333333334, 11.666666666666666, 12.333333333333334}},
		{"EMA3", EMA(testClose, 3), []float64{10, 10.5, 11.25, 11.125, 10.5625, 9.78125, 9.890625, 10.9453125, 11.97265625, 11.986328125}},
		{"RSI3", RSI(testClose, 3), []float64{nan, nan, nan, 66.66666666666666, 44.44444444444444, 29.629629629629633, 53.086419753086425, 76.54320987654322, 82.94051627384961, 58.8610115491836}},
		{"MACD line", macd, []float64{0, 0.2666666666666675, 0.5155555555555562, 0.161185185185186, -0.21933827160493813, -0.5036194238683134, -0.15951047462277046, 0.48518077512574465, 0.7514041517085808, 0.3376077199028593}},
		{"MACD signal", signal, []float64{0, 0.13333333333333375, 0.324444444444445, 0.24281481481481548, 0.011738271604938677, -0.24594057613168735, -0.2027255253772289, 0.14122762487425788, 0.4463158882914193, 0.3919618040971393}},
		{"KDJ K", k, []float64{nan, nan, 58.333333333333336, 50.0, 41.666666666666664, 36.11111111111111, 46.2962962962963, 57.53086419753087, 65.02057613168724, 54.458161865569274}},
		{"KDJ D", d, []float64{nan, nan, 52.77777777777778, 51.85185185185185, 48.456790123456784, 44.34156378600823, 44.99314128943758, 49.17238225880201, 54.45511354976375, 54.456129655032264}},
		{"KDJ J", j, []float64{nan, nan, 69.44444444444444, 46.296296296296305, 28.08641975308643, 19.650205761316855, 48.902606310013724, 74.24782807498859, 86.15150129553422, 54.462226286643286}},
		{"ZScore3", ZScore(testClose, 3), []float64{nan, nan, 1.224744871391589, -0.7071067811865488, -1.224744871391589, -1.224744871391589, 0.7071067811865488, 1.3363062095621216, 1.069044967649698, -0.7071067811865488}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertSeries(t, tt.want, tt.got)
		})
	}
	for i := range hist {
		assert.InDelta(t, macd[i]-signal[i], hist[i], 1e-15)
	}
}

func TestRSIWithoutLoss(t *testing.T) {
	got := RSI([]float64{1, 2, 3, 4, 5}, 2)
	assertSeries(t, []float64{nan, nan, 100, 100, 100}, got)
}

func TestZScoreFlatWindow(t *testing.T) {
	assertSeries(t, []float64{nan, 0, 0}, ZScore([]float64{5, 5, 5}, 2))
}

func TestKDJFlatRange(t *testing.T) {
	// A zero range gives RSV 50, so K and D stay at their start of 50.
	flat := []float64{7, 7, 7}
	k, d, j := KDJ(flat, flat, flat, 2, 3, 3)
	assertSeries(t, []float64{nan, 50, 50}, k)
	assertSeries(t, []float64{nan, 50, 50}, d)
	assertSeries(t, []float64{nan, 50, 50}, j)
}
