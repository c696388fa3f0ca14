package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

// Answer is one structured answer of the model. Every number is a simple percentage of the
// last close (see Units), except ProbAboveZero, a probability.
type Answer struct {
	// ProbAboveZero is the probability that the target ends above zero: a rise for the return
	// question, a high above the close for the upside, a low below the close for the downside.
	ProbAboveZero float64 `json:"prob_above_zero"`
	// ExpectedPct is the expected value of the target, in percent.
	ExpectedPct float64 `json:"expected_pct"`
	// P10Pct, P50Pct and P90Pct are the 10th, 50th and 90th percentiles, in percent.
	P10Pct float64 `json:"p10_pct"`
	P50Pct float64 `json:"p50_pct"`
	P90Pct float64 `json:"p90_pct"`
	// KeyPoints are the few facts the answer rests on.
	KeyPoints []string `json:"key_points"`
	// Rationale explains the numbers in a few sentences.
	Rationale string `json:"rationale"`
	// Critique is the model's critique of its previous answer, empty in a draft.
	Critique string `json:"critique,omitempty"`
}

// Units describes, in words for a prompt, what the percentages of an answer to q measure.
func Units(q thinker.Question, horizon int) string {
	switch q {
	case latentmodel.Upside:
		return fmt.Sprintf("the highest high over the next %d trading days, as a percent change from the last close (5 means 5%% above it)", horizon)
	case latentmodel.Downside:
		return fmt.Sprintf("how far the lowest low over the next %d trading days falls below the last close, in percent (5 means 5%% below it; a positive number is a fall)", horizon)
	default:
		return fmt.Sprintf("the percent change from the last close to the close %d trading days later", horizon)
	}
}

// toLog converts a percentage of the answer to q into the question's log-return target.
func toLog(q thinker.Question, pct float64) float64 {
	if q == latentmodel.Downside {
		return -math.Log1p(-pct / 100)
	}
	return math.Log1p(pct / 100)
}

// fromLog converts a log-return target of q back into the answer's percentage.
func fromLog(q thinker.Question, x float64) float64 {
	if q == latentmodel.Downside {
		return -math.Expm1(-x) * 100
	}
	return math.Expm1(x) * 100
}

// maxKeyPoints bounds Answer.KeyPoints.
const maxKeyPoints = 12

// consistencySlack is how far P(target > 0) may stray from the range its percentiles allow.
const consistencySlack = 0.05

// Validate checks the rules of an answer to q: finite numbers, a probability in [0, 1],
// percentiles in order and inside the possible range, a probability above zero consistent with
// the percentiles, and a rationale. Its error wraps ErrInvalidAnswer and names the field.
func (a Answer) Validate(q thinker.Question) error {
	nums := []struct {
		name string
		v    float64
	}{{"prob_above_zero", a.ProbAboveZero}, {"expected_pct", a.ExpectedPct}, {"p10_pct", a.P10Pct}, {"p50_pct", a.P50Pct}, {"p90_pct", a.P90Pct}}
	for _, n := range nums {
		if math.IsNaN(n.v) || math.IsInf(n.v, 0) {
			return fmt.Errorf("%w: %s is %v, not a finite number", ErrInvalidAnswer, n.name, n.v)
		}
		if n.name == "prob_above_zero" {
			if n.v < 0 || n.v > 1 {
				return fmt.Errorf("%w: prob_above_zero %v is outside [0, 1]", ErrInvalidAnswer, n.v)
			}
			continue
		}
		if q == latentmodel.Downside && n.v >= 100 {
			return fmt.Errorf("%w: %s %v is a fall of 100%% or more, which a price cannot make", ErrInvalidAnswer, n.name, n.v)
		}
		if q != latentmodel.Downside && n.v <= -100 {
			return fmt.Errorf("%w: %s %v is a fall of 100%% or more, which a price cannot make", ErrInvalidAnswer, n.name, n.v)
		}
		if math.Abs(n.v) > 1000 {
			return fmt.Errorf("%w: %s %v%% is beyond any move the model could mean", ErrInvalidAnswer, n.name, n.v)
		}
	}
	if a.P10Pct > a.P50Pct || a.P50Pct > a.P90Pct {
		return fmt.Errorf("%w: percentiles out of order: p10_pct %v, p50_pct %v, p90_pct %v must not decrease", ErrInvalidAnswer, a.P10Pct, a.P50Pct, a.P90Pct)
	}
	lo, hi := zeroCDFRange(a)
	if cdf0 := 1 - a.ProbAboveZero; cdf0 < lo-consistencySlack || cdf0 > hi+consistencySlack {
		return fmt.Errorf("%w: prob_above_zero %v contradicts the percentiles (p10_pct %v, p50_pct %v, p90_pct %v), which put it in [%.2f, %.2f]",
			ErrInvalidAnswer, a.ProbAboveZero, a.P10Pct, a.P50Pct, a.P90Pct, 1-hi, 1-lo)
	}
	if len(a.KeyPoints) > maxKeyPoints {
		return fmt.Errorf("%w: %d key points; give at most %d", ErrInvalidAnswer, len(a.KeyPoints), maxKeyPoints)
	}
	if strings.TrimSpace(a.Rationale) == "" {
		return fmt.Errorf("%w: rationale is empty", ErrInvalidAnswer)
	}
	return nil
}

// zeroCDFRange returns the range of P(target ≤ 0) that the percentiles allow. The answer's
// percentages and the log-return target share their zero, so the percentiles can be compared
// with zero directly.
func zeroCDFRange(a Answer) (lo, hi float64) {
	switch {
	case 0 < a.P10Pct:
		return 0, 0.1
	case 0 < a.P50Pct:
		return 0.1, 0.5
	case 0 < a.P90Pct:
		return 0.5, 0.9
	default:
		return 0.9, 1
	}
}

// answerFields lists the fields an answer must contain.
var answerFields = []string{"prob_above_zero", "expected_pct", "p10_pct", "p50_pct", "p90_pct", "key_points", "rationale"}

// ParseAnswer reads the answer to q from a model's reply: the reply itself when it is a JSON
// object, else the JSON in a fenced code block, else the first balanced JSON object in the text.
// It checks that every field is present and calls Validate. Its errors wrap ErrInvalidAnswer
// and quote the offending part of the reply.
func ParseAnswer(q thinker.Question, reply string) (Answer, error) {
	obj, err := ExtractJSON(reply)
	if err != nil {
		return Answer{}, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(obj, &fields); err != nil {
		return Answer{}, fmt.Errorf("%w: %v in %s", ErrInvalidAnswer, err, quote(string(obj), 200))
	}
	var missing []string
	for _, f := range answerFields {
		if v, ok := fields[f]; !ok || string(v) == "null" {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return Answer{}, fmt.Errorf("%w: missing %s in %s", ErrInvalidAnswer, strings.Join(missing, ", "), quote(string(obj), 200))
	}
	var a Answer
	for _, f := range answerFields[:5] {
		var x float64
		if err := json.Unmarshal(fields[f], &x); err != nil {
			return Answer{}, fmt.Errorf("%w: %s is %s, not a number", ErrInvalidAnswer, f, quote(string(fields[f]), 80))
		}
	}
	if err := json.Unmarshal(obj, &a); err != nil {
		return Answer{}, fmt.Errorf("%w: %v in %s", ErrInvalidAnswer, err, quote(string(obj), 200))
	}
	if err := a.Validate(q); err != nil {
		return Answer{}, err
	}
	return a, nil
}

// ExtractJSON returns the JSON object in reply: the whole reply when it is one, else the first
// fenced code block holding one, else the first balanced {...} that decodes. Its error wraps
// ErrInvalidAnswer and quotes the start of the reply.
func ExtractJSON(reply string) ([]byte, error) {
	text := strings.TrimSpace(reply)
	if isObject(text) {
		return []byte(text), nil
	}
	for rest := text; ; {
		_, after, ok := strings.Cut(rest, "```")
		if !ok {
			break
		}
		block, tail, ok := strings.Cut(after, "```")
		if !ok {
			break
		}
		if nl := strings.IndexByte(block, '\n'); nl >= 0 && !strings.HasPrefix(strings.TrimSpace(block), "{") {
			block = block[nl+1:]
		}
		if b := strings.TrimSpace(block); isObject(b) {
			return []byte(b), nil
		}
		rest = tail
	}
	for i := 0; i < len(text); i++ {
		if text[i] != '{' {
			continue
		}
		if end := matchBrace(text, i); end > i && isObject(text[i:end+1]) {
			return []byte(text[i : end+1]), nil
		}
	}
	if text == "" {
		return nil, fmt.Errorf("%w: the reply is empty", ErrInvalidAnswer)
	}
	return nil, fmt.Errorf("%w: no JSON object in the reply %s", ErrInvalidAnswer, quote(text, 200))
}

// isObject reports whether s is exactly one valid JSON object.
func isObject(s string) bool {
	if !strings.HasPrefix(s, "{") {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	var m map[string]json.RawMessage
	if err := dec.Decode(&m); err != nil {
		return false
	}
	_, err := dec.Token()
	return errors.Is(err, io.EOF) // nothing may follow the object
}

// matchBrace returns the index of the brace closing the one at start, skipping strings, or -1.
func matchBrace(s string, start int) int {
	depth, inString, escaped := 0, false, false
	for i := start; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}
