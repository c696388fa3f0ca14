package latentmodel

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// truncatedStdRatio is the std of a standard normal truncated at ±3, relative to 1.
var truncatedStdRatio = func() float64 {
	phi := math.Exp(-4.5) / math.Sqrt(2*math.Pi)
	mass := math.Erf(3 / math.Sqrt2)
	return math.Sqrt(1 - 6*phi/mass)
}()

func meanStd(s []float32) (mean, std float64) {
	for _, v := range s {
		mean += float64(v)
	}
	mean /= float64(len(s))
	for _, v := range s {
		std += (float64(v) - mean) * (float64(v) - mean)
	}
	return mean, math.Sqrt(std / float64(len(s)))
}

// stdTolerance is the relative tolerance of an empirical std over n draws: 1 %, or three
// standard errors (3/sqrt(2n)) where n is too small for 1 %.
func stdTolerance(n int) float64 { return max(0.01, 3/math.Sqrt(2*float64(n))) }

func TestInitStatistics(t *testing.T) {
	cfg := DefaultConfig()
	m, err := New(cfg, 1)
	require.NoError(t, err)
	sigma := math.Sqrt(2 / (5 * float64(cfg.Width)))
	depth := float64(cfg.PreludeBlocks + cfg.CoreBlocks*cfg.MeanSteps + cfg.CodaBlocks)

	i := 0
	newParams[float32](cfg).visit(func(spec tensorSpec, _ *[]float32) {
		tensor := m.Tensors()[i]
		i++
		mean, std := meanStd(tensor.Data)
		switch spec.init {
		case initOnes:
			assert.Equal(t, 1.0, mean, tensor.Name)
			assert.Zero(t, std, tensor.Name)
		case initZeros:
			assert.Zero(t, std, tensor.Name)
			assert.Zero(t, mean, tensor.Name)
		case initStd, initOutput:
			want := sigma * truncatedStdRatio
			if spec.init == initOutput {
				want /= math.Sqrt(2 * depth)
			}
			tol := stdTolerance(len(tensor.Data))
			assert.InEpsilon(t, want, std, tol, "%s std", tensor.Name)
			assert.InDelta(t, 0, mean, 3*want/math.Sqrt(float64(len(tensor.Data))), "%s mean", tensor.Name)
			for _, v := range tensor.Data {
				if math.Abs(float64(v)) > 3*want/truncatedStdRatio*(1+1e-6) {
					assert.Failf(t, "beyond 3σ", "%s has %v", tensor.Name, v)
					break
				}
			}
		}
	})
}

func TestInitScales(t *testing.T) {
	cfg := DefaultConfig()
	m, err := New(cfg, 2)
	require.NoError(t, err)
	want := math.Sqrt(2.0/5) * truncatedStdRatio // ≈ 0.624

	s := make([]float32, 64*cfg.Width)
	randomState(cfg, s, 5)
	_, std := meanStd(s)
	assert.InEpsilon(t, want, std, stdTolerance(len(s)), "s0 std")

	// Tokens without the question embedding, for standardized random features.
	days := cfg.Window
	ps := m.newPass(days)
	defer m.done(ps)
	rng := rand.New(rand.NewPCG(6, 7))
	x := randomFloat32(rng, days*cfg.Features)
	tok := ps.ar.alloc(days * cfg.Width)
	ps.tokens(tok, x, Return)
	emb := ps.p.questionEmb[:cfg.Width]
	scale := float32(math.Sqrt(float64(cfg.Width)))
	for i := range days {
		for j, e := range emb {
			tok[i*cfg.Width+j] -= e * scale
		}
	}
	_, std = meanStd(tok)
	assert.InEpsilon(t, want, std, 0.05, "scaled input std (the weights are one draw, so 5 %%)")

	scaled := make([]float32, len(ps.p.questionEmb))
	for i, e := range ps.p.questionEmb {
		scaled[i] = e * scale
	}
	_, std = meanStd(scaled)
	assert.InEpsilon(t, want, std, stdTolerance(len(scaled)), "scaled question embedding std")
}

func TestNewDeterministic(t *testing.T) {
	a, err := New(tinyConfig(), 42)
	require.NoError(t, err)
	b, err := New(tinyConfig(), 42)
	require.NoError(t, err)
	c, err := New(tinyConfig(), 43)
	require.NoError(t, err)
	for i, tensor := range a.Tensors() {
		assert.Equal(t, tensor.Data, b.Tensors()[i].Data, tensor.Name)
	}
	assert.NotEqual(t, a.Tensors()[0].Data, c.Tensors()[0].Data, "another seed")
}

func TestTensorsNames(t *testing.T) {
	cfg := DefaultConfig()
	m, err := New(cfg, 1)
	require.NoError(t, err)
	seen := map[string]bool{}
	total := 0
	for _, tensor := range m.Tensors() {
		assert.False(t, seen[tensor.Name], "duplicate %s", tensor.Name)
		seen[tensor.Name] = true
		assert.Equal(t, tensor.Size(), len(tensor.Data), tensor.Name)
		total += len(tensor.Data)
	}
	assert.Equal(t, total, m.NumParams())
	assert.True(t, seen["core.1.attn.q.bias"])
	assert.True(t, seen["head.downside.weight"])

	w, f, hid, bins := cfg.Width, cfg.Features, cfg.MLPHidden, cfg.Bins
	block := 4*w + 4*w*w + 2*w + 2*w*hid + hid*w
	blocks := cfg.PreludeBlocks + cfg.CoreBlocks + cfg.CodaBlocks
	want := f*w + NumQuestions*w + blocks*block + 2*w*w + w + NumQuestions*(w*bins+bins)
	assert.Equal(t, want, m.NumParams())
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Config)
	}{
		{"zero width", func(c *Config) { c.Width = 0 }},
		{"odd head size", func(c *Config) { c.Width, c.Heads = 12, 4 }},
		{"heads do not divide", func(c *Config) { c.Heads = 3 }},
		{"no core", func(c *Config) { c.CoreBlocks = 0 }},
		{"one bin", func(c *Config) { c.Bins = 1 }},
		{"rope base 1", func(c *Config) { c.RopeBase = 1 }},
		{"rope base NaN", func(c *Config) { c.RopeBase = math.NaN() }},
		{"no backprop steps", func(c *Config) { c.BackpropSteps = 0 }},
	}
	require.NoError(t, DefaultConfig().Validate())
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.change(&cfg)
			err := cfg.Validate()
			assert.ErrorIs(t, err, ErrInvalidConfig)
			_, err = New(cfg, 1)
			assert.ErrorIs(t, err, ErrInvalidConfig)
		})
	}
}

func TestParseQuestion(t *testing.T) {
	for q := range Question(NumQuestions) {
		got, err := ParseQuestion(" " + q.String() + " ")
		require.NoError(t, err)
		assert.Equal(t, q, got)
	}
	_, err := ParseQuestion("sideways")
	assert.ErrorIs(t, err, ErrUnknownQuestion)
	assert.Equal(t, "Question(7)", Question(7).String())
}

// TestAdapterConcatOrder feeds an identity in one half of the adapter and zeros in the other:
// the state half must be rows 0..width−1.
func TestAdapterConcatOrder(t *testing.T) {
	m, err := New(tinyConfig(), 3)
	require.NoError(t, err)
	p, _ := params64(t, m, 0, 4)
	w, days := p.cfg.Width, 3
	rng := rand.New(rand.NewPCG(5, 6))
	s, e := randomSlice(rng, days*w, 1), randomSlice(rng, days*w, 1)

	setAdapter := func(stateIdentity bool) {
		clear(p.adapter)
		off := 0
		if !stateIdentity {
			off = w * w
		}
		for i := range w {
			p.adapter[off+i*w+i] = 1
		}
	}
	for _, stateIdentity := range []bool{true, false} {
		setAdapter(stateIdentity)
		ps := newPass64(p, days)
		inj := make([]float64, days*w)
		ps.injection(inj, e)
		st := ps.newStepActs()
		ps.coreStep(s, inj, st)
		if stateIdentity {
			assert.InDeltaSlice(t, s, st.a, 1e-15, "state half")
		} else {
			assert.InDeltaSlice(t, e, st.a, 1e-15, "injection half")
		}
	}
}

func TestPredictCausal(t *testing.T) {
	m, err := New(tinyConfig(), 8)
	require.NoError(t, err)
	cfg := m.Config
	days := 5
	x := randomFloat32(rand.New(rand.NewPCG(9, 10)), days*cfg.Features)
	before, err := m.Predict(x, days, Return, 4, 11)
	require.NoError(t, err)
	for j := range cfg.Features {
		x[(days-1)*cfg.Features+j] += 3
	}
	after, err := m.Predict(x, days, Return, 4, 11)
	require.NoError(t, err)
	assert.Equal(t, before[:days-1], after[:days-1], "earlier days must not see a later day")
	assert.NotEqual(t, before[days-1], after[days-1])
}

func sum32(p []float32) float64 {
	var s float64
	for _, v := range p {
		s += float64(v)
	}
	return s
}

func TestThinkMatchesPredict(t *testing.T) {
	for _, coda := range []int{0, 1, 2} {
		cfg := tinyConfig()
		cfg.CodaBlocks = coda
		m, err := New(cfg, 12)
		require.NoError(t, err)
		days := 6
		x := randomFloat32(rand.New(rand.NewPCG(13, 14)), days*cfg.Features)
		out, err := m.Think(x, days, Upside, ThinkOptions{Steps: 5, Seed: 15})
		require.NoError(t, err)
		probs, err := m.Predict(x, days, Upside, 5, 15)
		require.NoError(t, err)
		assert.InDeltaSlice(t, probs[days-1], out.Probs, 1e-6, "coda blocks %d", coda)
		for _, row := range probs {
			assert.InDelta(t, 1, sum32(row), 1e-5)
		}
	}
}

func TestThinkTrace(t *testing.T) {
	m, err := New(DefaultConfig(), 16)
	require.NoError(t, err)
	cfg := m.Config
	days := 20
	x := randomFloat32(rand.New(rand.NewPCG(17, 18)), days*cfg.Features)
	var seen []int
	out, err := m.Think(x, days, Downside, ThinkOptions{Steps: 6, Seed: 19, OnStep: func(tr StepTrace) bool {
		seen = append(seen, tr.Step)
		return true
	}})
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2, 3, 4, 5, 6}, seen)
	assert.Equal(t, 6, out.Steps)
	require.Len(t, out.Trace, 6)
	assert.Len(t, out.State, days*cfg.Width)
	assert.Equal(t, out.Trace[5].Probs, out.Probs)
	assert.Zero(t, out.Trace[0].KL)
	for i, tr := range out.Trace {
		assert.Equal(t, i+1, tr.Step)
		assert.InDelta(t, 1, sum32(tr.Probs), 1e-5)
		assert.InDelta(t, entropy(tr.Probs), tr.Entropy, 1e-12)
		assert.Greater(t, tr.RelChange, 0.0)
		if i > 0 {
			assert.InDelta(t, klDivergence(out.Trace[i-1].Probs, tr.Probs), tr.KL, 1e-12)
		}
	}
}

func TestThinkStopsEarly(t *testing.T) {
	m, err := New(tinyConfig(), 20)
	require.NoError(t, err)
	x := randomFloat32(rand.New(rand.NewPCG(21, 22)), 4*m.Config.Features)
	out, err := m.Think(x, 4, Return, ThinkOptions{Steps: 10, Seed: 1, OnStep: func(tr StepTrace) bool { return tr.Step < 3 }})
	require.NoError(t, err)
	assert.Equal(t, 3, out.Steps)
	assert.Len(t, out.Trace, 3)
	assert.Equal(t, out.Trace[2].Probs, out.Probs)
}

func TestThinkDeterministic(t *testing.T) {
	m, err := New(DefaultConfig(), 23)
	require.NoError(t, err)
	days := 30
	x := randomFloat32(rand.New(rand.NewPCG(24, 25)), days*m.Config.Features)
	a, err := m.Think(x, days, Return, ThinkOptions{Steps: 4, Seed: 26})
	require.NoError(t, err)
	b, err := m.Think(x, days, Return, ThinkOptions{Steps: 4, Seed: 26})
	require.NoError(t, err)
	c, err := m.Think(x, days, Return, ThinkOptions{Steps: 4, Seed: 27})
	require.NoError(t, err)
	assert.Equal(t, a, b)
	assert.NotEqual(t, a.State, c.State, "another seed gives another s0")
}

func TestThinkWarmStart(t *testing.T) {
	m, err := New(tinyConfig(), 28)
	require.NoError(t, err)
	days := 5
	x := randomFloat32(rand.New(rand.NewPCG(29, 30)), days*m.Config.Features)
	s0 := make([]float32, days*m.Config.Width)
	randomState(m.Config, s0, 31)

	cold, err := m.Think(x, days, Upside, ThinkOptions{Steps: 3, Seed: 31})
	require.NoError(t, err)
	warm, err := m.Think(x, days, Upside, ThinkOptions{Steps: 3, Seed: 99, InitState: s0})
	require.NoError(t, err)
	assert.Equal(t, cold.State, warm.State, "InitState equal to the seed's s0 must give the same run")

	next, err := m.Think(x, days, Upside, ThinkOptions{Steps: 1, InitState: cold.State})
	require.NoError(t, err)
	longer, err := m.Think(x, days, Upside, ThinkOptions{Steps: 4, Seed: 31})
	require.NoError(t, err)
	assert.InDeltaSlice(t, longer.Probs, next.Probs, 1e-6, "three steps then one warm step equal four steps")
}

func TestThinkErrors(t *testing.T) {
	m, err := New(tinyConfig(), 32)
	require.NoError(t, err)
	f := m.Config.Features
	good := randomFloat32(rand.New(rand.NewPCG(33, 34)), 3*f)
	nan := append([]float32(nil), good...)
	nan[4] = float32(math.NaN())
	cases := []struct {
		name string
		x    []float32
		days int
		q    Question
		opt  ThinkOptions
	}{
		{"zero days", good[:0], 0, Return, ThinkOptions{Steps: 1}},
		{"beyond window", make([]float32, 7*f), 7, Return, ThinkOptions{Steps: 1}},
		{"short x", good[:f], 3, Return, ThinkOptions{Steps: 1}},
		{"NaN feature", nan, 3, Return, ThinkOptions{Steps: 1}},
		{"bad question", good, 3, Question(5), ThinkOptions{Steps: 1}},
		{"zero steps", good, 3, Return, ThinkOptions{}},
		{"short init state", good, 3, Return, ThinkOptions{Steps: 1, InitState: make([]float32, 5)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := m.Think(tc.x, tc.days, tc.q, tc.opt)
			assert.ErrorIs(t, err, ErrInvalidInput)
			_, err = m.Predict(tc.x, tc.days, tc.q, max(tc.opt.Steps, 0), 1)
			if tc.name != "short init state" {
				assert.True(t, errors.Is(err, ErrInvalidInput), "Predict: %v", err)
			}
		})
	}
}

func TestTraceMeasures(t *testing.T) {
	p := []float32{0.5, 0.5}
	q := []float32{0.25, 0.75}
	assert.InDelta(t, 0.5*math.Log(2)+0.5*math.Log(0.5/0.75), klDivergence(p, q), 1e-7)
	assert.InDelta(t, 0.14384103622589045, klDivergence(p, q), 1e-7)
	assert.Zero(t, klDivergence(p, p))
	assert.InDelta(t, math.Log(2), entropy(p), 1e-7)
	assert.InDelta(t, 0.5623351446188083, entropy(q), 1e-7)
	assert.InDelta(t, 0.6, relChange([]float32{3, 4}, []float32{3, 1}), 1e-7)
	assert.Zero(t, relChange([]float32{0, 0}, []float32{1, 1}))
}
