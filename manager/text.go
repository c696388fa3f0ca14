package manager

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/traderlab/trader/debate"
	"github.com/traderlab/trader/marketdata"
)

// WriteText writes r as plain text: the decision, the debate settings, a table of turns, the
// arguments and the timings.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s as of %s: %s\n\n", r.Ticker, marketdata.FormatDate(r.AsOf), r.decisionLine())
	fmt.Fprintf(&b, "%s\n%s\n%s\n\n", r.basisLine(), r.debateLine(), r.modelLine())

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TURN\tAGENT\tROUND\tSTEPS\tCONVERGED\tEXPECTED\tP10\tP90")
	for _, t := range r.Turns {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", t.Index+1, t.Agent, roundLabel(t), t.Thought.Steps,
			yesNo(t.Thought.Converged), logPercent(t.Thought.Expected), logPercent(t.Thought.P10), logPercent(t.Thought.P90))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	b.WriteString(valuesNote + "\n\n")

	for i, t := range r.Turns {
		fmt.Fprintf(&b, "%d. %s (%s): %s\n", t.Index+1, t.Agent, roundName(t, i == len(r.Turns)-1), t.Argument)
	}
	fmt.Fprintf(&b, "\nTimings: %s\n", r.timingLine())
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown writes r as a Markdown document with the same content as WriteText and the
// arguments inside the table of turns.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s as of %s\n\n", r.Ticker, marketdata.FormatDate(r.AsOf))
	fmt.Fprintf(&b, "**Decision: %s**\n\n", r.decisionLine())
	fmt.Fprintf(&b, "- %s\n- %s\n- %s\n\n", r.basisLine(), r.debateLine(), r.modelLine())

	b.WriteString("## Turns\n\n")
	b.WriteString("| turn | agent | round | steps | converged | expected | p10 | p90 | argument |\n")
	b.WriteString("|---:|---|---:|---:|---|---:|---:|---:|---|\n")
	for _, t := range r.Turns {
		fmt.Fprintf(&b, "| %d | %s | %s | %d | %s | %s | %s | %s | %s |\n", t.Index+1, t.Agent, roundLabel(t), t.Thought.Steps,
			yesNo(t.Thought.Converged), logPercent(t.Thought.Expected), logPercent(t.Thought.P10), logPercent(t.Thought.P90),
			markdownCell(t.Argument))
	}
	fmt.Fprintf(&b, "\n%s\n\n", valuesNote)
	fmt.Fprintf(&b, "Timings: %s\n", r.timingLine())
	_, err := io.WriteString(w, b.String())
	return err
}

const valuesNote = "Expected, p10 and p90 are log returns of each question's target in percent; downside measures a fall as a positive number."

func (r *Report) decisionLine() string {
	d := r.Decision
	return fmt.Sprintf("%s, position %+.2f, confidence %.2f", d.Action, d.Position, d.Confidence)
}

func (r *Report) basisLine() string {
	horizon := "the model horizon"
	if r.Horizon > 0 {
		horizon = fmt.Sprintf("%d bars", r.Horizon)
	}
	return fmt.Sprintf("Edge %s (trader's expected return), risk %.2f%% (mean of expected upside and downside), horizon %s.",
		logPercent(r.Decision.Edge), r.Decision.Risk*100, horizon)
}

func (r *Report) debateLine() string {
	s := r.Settings
	handoff := "off"
	if s.Handoff {
		handoff = "on"
	}
	steps := fmt.Sprintf("%d steps per turn", s.Steps)
	if c := r.Compute; c != nil {
		steps = fmt.Sprintf("budgets from %s percentile %.2f (up to %d steps)", c.Feature, c.Percentile, s.Steps)
	}
	if s.Exit != "" {
		steps += ", exit " + s.Exit
	}
	return fmt.Sprintf("Debate: %d of %d rounds (stopped: %s), hand-off %s, %s, seed %d, thinker %s.",
		r.Rounds, s.Rounds, r.Stop, handoff, steps, s.Seed, s.Thinker)
}

func (r *Report) modelLine() string {
	m := r.Model
	digest := m.SHA256
	if len(digest) > 12 {
		digest = digest[:12]
	}
	return fmt.Sprintf("Model: %s, %d parameters, sha256 %s.", m.Name, m.Parameters, digest)
}

func (r *Report) timingLine() string {
	parts := make([]string, len(r.Timings))
	for i, t := range r.Timings {
		parts[i] = fmt.Sprintf("%s %.1f ms", t.Phase, float64(t.Duration.Microseconds())/1e3)
	}
	return strings.Join(parts, ", ")
}

func roundLabel(t debate.Turn) string {
	if t.Round == 0 {
		return "-"
	}
	return fmt.Sprint(t.Round)
}

// roundName names the turn's round; a turn outside the loops is the decision when it is last.
func roundName(t debate.Turn, last bool) string {
	switch {
	case t.Round == 0 && last:
		return "decision"
	case t.Round == 0:
		return "single turn"
	}
	return fmt.Sprintf("round %d", t.Round)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// logPercent formats a log return in percent with a sign, e.g. 0.0123 as "+1.23%".
func logPercent(x float64) string { return fmt.Sprintf("%+.2f%%", x*100) }

// markdownCell escapes the characters that would break a table cell.
func markdownCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}
