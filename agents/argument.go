package agents

import (
	"fmt"
	"math"
	"strings"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

// percent formats a log return as a signed simple percentage, e.g. 0.0227 as "+2.3%".
func percent(x float64) string {
	return fmt.Sprintf("%+.1f%%", math.Expm1(x)*100)
}

// priceChange returns the simple price change, relative to the close, that a value of question
// q's target implies: the target itself for return and upside, its negation for downside,
// which measures a fall as a positive log return.
func priceChange(q thinker.Question, x float64) float64 {
	if q == latentmodel.Downside {
		return -x
	}
	return x
}

// horizon returns "over the next H bars", or "over the model horizon" when H is unknown.
func horizon(s *thinker.Snapshot) string {
	switch s.Horizon {
	case 0:
		return "over the model horizon"
	case 1:
		return "over the next bar"
	}
	return fmt.Sprintf("over the next %d bars", s.Horizon)
}

// distribution describes the expected value and the 10th–90th percentile range of t as price
// changes of target ("highest high", "lowest low" or "close").
func distribution(t *thinker.Thought, target string) string {
	lo, hi := priceChange(t.Question, t.P10), priceChange(t.Question, t.P90)
	if lo > hi {
		lo, hi = hi, lo
	}
	return fmt.Sprintf("expected %s %s from the last close (80%% range %s to %s)",
		target, percent(priceChange(t.Question, t.Expected)), percent(lo), percent(hi))
}

// effort describes how the thought was reached.
func effort(t *thinker.Thought) string {
	var b strings.Builder
	if t.Steps == 1 {
		b.WriteString("after 1 step")
	} else {
		fmt.Fprintf(&b, "after %d steps", t.Steps)
	}
	if t.WarmStarted {
		b.WriteString(" from the previous speaker's state")
	}
	if t.Converged {
		b.WriteString(", converged")
	} else {
		fmt.Fprintf(&b, ", not converged (final KL %.1e)", t.FinalKL)
	}
	return b.String()
}

// speaker returns the name of the role whose question is q.
func speaker(q thinker.Question) string {
	switch q {
	case latentmodel.Upside:
		return BullName
	case latentmodel.Downside:
		return BearName
	}
	return TraderName
}

// excursion is the size of the price move the thought expects, as a positive simple fraction
// for upside and downside thoughts.
func excursion(t *thinker.Thought) float64 {
	return math.Abs(math.Expm1(priceChange(t.Question, t.Expected)))
}

// rebuttal compares a researcher's thought with the previous speaker's, or returns "" when
// there is nothing to compare: no previous thought, or one that asked the return question.
func rebuttal(t, previous *thinker.Thought) string {
	if previous == nil || previous.Question == latentmodel.Return {
		return ""
	}
	mine, theirs := excursion(t), excursion(previous)
	if previous.Question == t.Question {
		return fmt.Sprintf("The previous %s estimate was %.1f%%.", t.Question, theirs*100)
	}
	comparison := "larger than"
	switch {
	case mine < theirs:
		comparison = "smaller than"
	case mine == theirs:
		comparison = "the same as"
	}
	return fmt.Sprintf("That move of %.1f%% is %s the %s's expected %s of %.1f%%.",
		mine*100, comparison, speaker(previous.Question), previous.Question, theirs*100)
}

// evidence lists up to n observations with the given lean, in order of salience.
func evidence(obs []Observation, lean Lean, n int) []string {
	var out []string
	for _, o := range obs {
		if o.Lean == lean && len(out) < n {
			out = append(out, o.Text)
		}
	}
	return out
}

// researcherCase renders the feature part of a researcher's argument: up to two observations
// that lean its way, then the most salient neutral one.
func researcherCase(obs []Observation, lean Lean, direction string) string {
	var parts []string
	if support := evidence(obs, lean, 2); len(support) > 0 {
		parts = append(parts, "Supporting: "+strings.Join(support, "; ")+".")
	} else {
		parts = append(parts, "No feature argues for a "+direction+".")
	}
	if neutral := evidence(obs, Neutral, 1); len(neutral) > 0 {
		parts = append(parts, "Also notable: "+neutral[0]+".")
	}
	return strings.Join(parts, " ")
}

// sentences joins non-empty sentences with single spaces.
func sentences(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, " ")
}
