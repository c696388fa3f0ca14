package manager

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/marketdata"
	"github.com/traderlab/trader/thinker"
)

// Regenerate the golden file after an intended change of the JSON output with
//
//	go test ./manager -run TestReportGolden -update
var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current output")

var testModel = ModelInfo{Name: "formula-test", Parameters: 1234, SHA256: strings.Repeat("ab", 32)}

// handSnapshot returns a 3-day snapshot with an overbought RSI and a price far above its
// 200-day average on the last day.
func handSnapshot() *thinker.Snapshot {
	names := marketdata.FeatureNames[:]
	nf := len(names)
	s := &thinker.Snapshot{
		Symbol:       "ACME",
		AsOf:         time.Date(2024, 3, 28, 0, 0, 0, 0, time.UTC),
		Close:        171.48,
		Horizon:      5,
		Days:         3,
		FeatureNames: append([]string(nil), names...),
		X:            make([]float32, 3*nf),
		Raw:          make([][]float64, 3),
		Latest:       map[string]float64{},
	}
	for d := range s.Raw {
		s.Raw[d] = make([]float64, nf)
		for j := range nf {
			s.Raw[d][j] = 0.001 * float64(d+j)
			s.X[d*nf+j] = float32(0.1 * float64(d-j%3))
		}
	}
	last := map[string][2]float64{"rsi14": {0.46, 2.2}, "dist_sma200": {0.12, 1.8}, "mom20": {0.07, 1.4}}
	for j, name := range names {
		if v, ok := last[name]; ok {
			s.Raw[2][j] = v[0]
			s.X[2*nf+j] = float32(v[1])
		}
		s.Latest[name] = s.Raw[2][j]
	}
	return s
}

// runJSON runs a manager on the hand-made snapshot and returns its JSON without timings.
func runJSON(t *testing.T, m *DeepTraderManager) []byte {
	t.Helper()
	report, err := m.RunSnapshot(t.Context(), handSnapshot(), testModel)
	require.NoError(t, err)
	report.Timings = nil
	var buf bytes.Buffer
	require.NoError(t, report.WriteJSON(&buf))
	return buf.Bytes()
}

func TestReportGolden(t *testing.T) {
	got := runJSON(t, New(&formula{}))
	path := filepath.Join("testdata", "report.golden.json")
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run with -update to create %s", path)

	var gotDoc, wantDoc any
	require.NoError(t, json.Unmarshal(got, &gotDoc))
	require.NoError(t, json.Unmarshal(want, &wantDoc))
	// Numbers are compared within 1e-12 so that platforms that fuse multiply-adds still match.
	assertJSONNear(t, wantDoc, gotDoc, "$")
}

// assertJSONNear compares decoded JSON values, numbers within 1e-12 relative or absolute.
func assertJSONNear(t *testing.T, want, got any, path string) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !assert.True(t, ok, "%s: expected an object", path) {
			return
		}
		assert.ElementsMatch(t, keys(w), keys(g), "%s: keys", path)
		for k, v := range w {
			if gv, ok := g[k]; ok {
				assertJSONNear(t, v, gv, path+"."+k)
			}
		}
	case []any:
		g, ok := got.([]any)
		if !assert.True(t, ok, "%s: expected an array", path) || !assert.Len(t, g, len(w), "%s: length", path) {
			return
		}
		for i := range w {
			assertJSONNear(t, w[i], g[i], path+"["+strconv.Itoa(i)+"]")
		}
	case float64:
		g, ok := got.(float64)
		if assert.True(t, ok, "%s: expected a number", path) {
			assert.InDelta(t, w, g, 1e-12*max(1, math.Abs(w)), path)
		}
	default:
		assert.Equal(t, want, got, path)
	}
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestReportJSONContract(t *testing.T) {
	m := New(&formula{})
	report, err := m.RunSnapshot(t.Context(), handSnapshot(), testModel)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, report.WriteJSON(&buf))

	var doc map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &doc))
	for _, key := range []string{"schema_version", "ticker", "as_of", "decision", "turns", "model", "timings_ms"} {
		assert.Contains(t, doc, key)
	}
	assert.Equal(t, "1", doc["schema_version"])
	assert.Equal(t, "ACME", doc["ticker"])
	assert.Equal(t, "2024-03-28", doc["as_of"])

	decision := doc["decision"].(map[string]any)
	action := decision["action"].(string)
	position := decision["position"].(float64)
	confidence := decision["confidence"].(float64)
	assert.Contains(t, []string{"BUY", "SELL", "HOLD"}, action)
	assert.GreaterOrEqual(t, position, -1.0)
	assert.LessOrEqual(t, position, 1.0)
	assert.GreaterOrEqual(t, confidence, 0.0)
	assert.LessOrEqual(t, confidence, 1.0)

	model := doc["model"].(map[string]any)
	assert.Equal(t, map[string]any{"name": "formula-test", "parameters": 1234.0, "sha256": testModel.SHA256}, model)

	timings := doc["timings_ms"].(map[string]any)
	for _, phase := range []string{PhaseDebate, PhaseTrader, PhaseTotal} {
		assert.Contains(t, timings, phase)
	}

	turns := doc["turns"].([]any)
	require.Len(t, turns, 5, "two rounds of bull and bear, then the trader")
	for i, raw := range turns {
		turn := raw.(map[string]any)
		for _, key := range []string{"agent", "question", "round", "steps", "converged", "probabilities", "bin_edges", "expected", "argument"} {
			assert.Contains(t, turn, key, "turn %d", i)
		}
		probs := turn["probabilities"].([]any)
		sum := 0.0
		for _, p := range probs {
			assert.GreaterOrEqual(t, p.(float64), 0.0, "turn %d", i)
			sum += p.(float64)
		}
		assert.InDelta(t, 1, sum, 1e-9, "turn %d probabilities", i)
		assert.Len(t, turn["bin_edges"], len(probs)+1, "turn %d", i)
		assert.NotEmpty(t, turn["argument"], "turn %d", i)
	}
	last := turns[4].(map[string]any)
	assert.Equal(t, "trader", last["agent"])
	assert.Equal(t, "return", last["question"])
	assert.Equal(t, 0.0, last["round"])
}

func TestRunDeterministic(t *testing.T) {
	withSeed := func(seed uint64) []byte {
		m := New(&formula{})
		m.Seed = seed
		return runJSON(t, m)
	}
	assert.Equal(t, string(withSeed(5)), string(withSeed(5)))
	assert.NotEqual(t, string(withSeed(5)), string(withSeed(6)))
}

func TestRunTraderHandoff(t *testing.T) {
	for _, handoff := range []bool{true, false} {
		f := &formula{}
		m := New(f)
		m.Handoff = handoff
		report, err := m.RunSnapshot(t.Context(), handSnapshot(), testModel)
		require.NoError(t, err)

		require.Len(t, f.requests, 5)
		trader := f.requests[4]
		assert.Equal(t, latentmodel.Return, trader.Question)
		if handoff {
			assert.Same(t, report.Bear().Thought, trader.Handoff, "the trader starts from the last researcher")
		} else {
			assert.Nil(t, trader.Handoff)
		}
		assert.Len(t, trader.Transcript, 4, "the trader reads the whole debate")
		assert.Equal(t, handoff, report.Trader().Thought.WarmStarted)
	}
}

func TestRunSettings(t *testing.T) {
	f := &formula{}
	m := New(f)
	m.Steps, m.Rounds, m.Tolerance, m.Seed = 3, 3, 0, 11
	report, err := m.RunSnapshot(t.Context(), handSnapshot(), testModel)
	require.NoError(t, err)

	assert.Equal(t, 3, report.Rounds)
	assert.Len(t, report.Turns, 7)
	for i, req := range f.requests {
		assert.Equal(t, 3, req.Steps, "request %d", i)
	}
	assert.Equal(t, Settings{Thinker: "formula", Steps: 3, Rounds: 3, Handoff: true, Tolerance: 0, Seed: 11}, report.Settings)
	assert.Equal(t, report.Trader(), &report.Turns[6])
}

func TestRunSnapshotRejects(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*DeepTraderManager)
		want   error
	}{
		{"no thinker", func(m *DeepTraderManager) { m.Thinker = nil }, ErrNoThinker},
		{"zero rounds", func(m *DeepTraderManager) { m.Rounds = 0 }, nil},
		{"bad rule", func(m *DeepTraderManager) { m.Rule.Scale = 0 }, ErrInvalidRule},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New(&formula{})
			tt.mutate(m)
			_, err := m.RunSnapshot(t.Context(), handSnapshot(), testModel)
			require.Error(t, err)
			if tt.want != nil {
				assert.ErrorIs(t, err, tt.want)
			}
		})
	}
	_, err := New(&formula{}).RunSnapshot(t.Context(), nil, testModel)
	assert.ErrorIs(t, err, thinker.ErrInvalidRequest)
}

func TestReportText(t *testing.T) {
	report, err := New(&formula{}).RunSnapshot(t.Context(), handSnapshot(), testModel)
	require.NoError(t, err)

	var text, markdown bytes.Buffer
	require.NoError(t, report.WriteText(&text))
	require.NoError(t, report.WriteMarkdown(&markdown))

	for name, out := range map[string]string{"text": text.String(), "markdown": markdown.String()} {
		assert.Contains(t, out, "ACME as of 2024-03-28", name)
		assert.Contains(t, out, string(report.Decision.Action)+", position", name)
		assert.Contains(t, out, "formula-test", name)
		assert.Contains(t, out, "Timings: debate", name)
		for _, turn := range report.Turns {
			assert.Contains(t, out, turn.Argument, name)
		}
	}
	assert.Contains(t, text.String(), "TURN  AGENT")
	assert.Contains(t, markdown.String(), "| turn | agent | round | steps | converged | expected | p10 | p90 | argument |")
	assert.Equal(t, len(report.Turns)+2, strings.Count(markdown.String(), "\n|"), "header, rule and one row per turn")
}

// latentSeries returns n weekday bars of a seeded random walk.
func latentSeries(n int) *marketdata.Series {
	rng := rand.New(rand.NewPCG(4, 4))
	bars := make([]marketdata.Bar, 0, n)
	d := time.Date(2019, 1, 7, 0, 0, 0, 0, time.UTC)
	c := 50.0
	for len(bars) < n {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			open := c * math.Exp(0.004*rng.NormFloat64())
			c = open * math.Exp(0.012*rng.NormFloat64())
			high := math.Max(open, c) * 1.004
			low := math.Min(open, c) * 0.996
			bars = append(bars, marketdata.Bar{Date: d, Open: open, High: high, Low: low, Close: c, Volume: 1e6 + float64(len(bars))})
		}
		d = d.AddDate(0, 0, 1)
	}
	return &marketdata.Series{Symbol: "WALK", Bars: bars}
}

// tinyBundle returns an untrained tiny model with unit statistics.
func tinyBundle(t *testing.T) *latentmodel.Bundle {
	t.Helper()
	cfg := latentmodel.Config{
		Features: marketdata.NumFeatures, Width: 16, Heads: 2, MLPHidden: 32,
		PreludeBlocks: 1, CoreBlocks: 1, CodaBlocks: 1, Window: 12, Bins: 6,
		MeanSteps: 4, BackpropSteps: 2, RopeBase: 10000,
	}
	model, err := latentmodel.New(cfg, 1)
	require.NoError(t, err)
	b := &latentmodel.Bundle{
		Model:        model,
		FeatureNames: append([]string(nil), marketdata.FeatureNames[:]...),
		FeatureMean:  make([]float64, cfg.Features),
		FeatureStd:   make([]float64, cfg.Features),
		Horizon:      5,
		Name:         "tiny",
		SHA256:       strings.Repeat("0f", 32),
	}
	for j := range b.FeatureStd {
		b.FeatureStd[j] = 0.02
	}
	for q := range b.BinEdges {
		b.BinEdges[q] = []float64{-0.05, -0.02, -0.01, 0, 0.01, 0.02, 0.05}
	}
	return b
}

func TestRunLatent(t *testing.T) {
	bundle := tinyBundle(t)
	series := latentSeries(marketdata.FeatureWarmup + 40)
	view, err := series.AsOf(series.Bars[len(series.Bars)-1].Date)
	require.NoError(t, err)

	m := New(nil)
	m.Steps = 3
	report, err := m.Run(t.Context(), view, bundle)
	require.NoError(t, err)

	assert.Equal(t, "WALK", report.Ticker)
	assert.Equal(t, view.Date(), report.AsOf)
	assert.Equal(t, ModelInfo{Name: "tiny", Parameters: bundle.Model.NumParams(), SHA256: bundle.SHA256}, report.Model)
	assert.Equal(t, "latent:tiny", report.Settings.Thinker)
	require.Len(t, report.Turns, 5)
	for i, turn := range report.Turns {
		assert.Equal(t, 3, turn.Thought.Steps, "turn %d", i)
		assert.Equal(t, i > 0, turn.Thought.WarmStarted, "turn %d starts from the previous speaker", i)
	}
	var phases []string
	for _, timing := range report.Timings {
		phases = append(phases, timing.Phase)
	}
	assert.Equal(t, []string{PhaseSnapshot, PhaseDebate, PhaseTrader, PhaseTotal}, phases)

	again, err := m.Run(t.Context(), view, bundle)
	require.NoError(t, err)
	assert.Equal(t, report.Document().Turns, again.Document().Turns, "same seed, same turns")
	assert.Equal(t, report.Decision, again.Decision)
}

func TestRunInsufficientHistory(t *testing.T) {
	series := latentSeries(100)
	view, err := series.AsOf(series.Bars[99].Date)
	require.NoError(t, err)
	_, err = New(nil).Run(t.Context(), view, tinyBundle(t))
	assert.ErrorIs(t, err, marketdata.ErrInsufficientHistory)
}
