package llm

import (
	"fmt"
	"math"
	"strings"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/thinker"
)

// featureHelp describes in a few words what each feature of the snapshot measures.
var featureHelp = map[string]string{
	"ret1":        "log return of the last bar",
	"range":       "log(high/low) of the bar",
	"gap":         "log(open / previous close)",
	"body":        "log(close/open) of the bar",
	"vol_ratio":   "log(volume / 20-bar mean volume)",
	"rv5":         "5-bar std of daily log returns",
	"rv20":        "20-bar std of daily log returns",
	"rv60":        "60-bar std of daily log returns",
	"rsi14":       "Wilder RSI(14) scaled to (rsi-50)/50",
	"macd_hist":   "MACD(12,26,9) histogram / close",
	"bb_pctb":     "Bollinger %B (20, 2)",
	"atr14":       "Wilder ATR(14) / close",
	"dist_sma20":  "log(close / 20-bar SMA)",
	"dist_sma50":  "log(close / 50-bar SMA)",
	"dist_sma200": "log(close / 200-bar SMA)",
	"mom5":        "log(close / close 5 bars ago)",
	"mom20":       "log(close / close 20 bars ago)",
	"mom60":       "log(close / close 60 bars ago)",
}

// recentDays is the number of most recent days whose every feature the prompt lists.
const recentDays = 5

// role returns the speaker's role and task for question q.
func role(q thinker.Question) string {
	switch q {
	case latentmodel.Upside:
		return "You are the Bull researcher in a debate about one stock. You argue for a rise, but your numbers must be honest: you estimate how high the price can reach."
	case latentmodel.Downside:
		return "You are the Bear researcher in a debate about one stock. You argue for a fall, but your numbers must be honest: you estimate how low the price can go."
	default:
		return "You are the Trader who decides after a Bull and a Bear researcher have debated one stock. You weigh their arguments and estimate where the price will close."
	}
}

// systemPrompt states the role, the target and the answer's format.
func systemPrompt(q thinker.Question, horizon int) string {
	var b strings.Builder
	b.WriteString(role(q))
	fmt.Fprintf(&b, "\n\nThe target is %s.\n\n", Units(q, horizon))
	b.WriteString("Reply with one JSON object and nothing else, with these fields:\n")
	b.WriteString("- prob_above_zero: probability in [0, 1] that the target ends above 0\n")
	b.WriteString("- expected_pct: expected value of the target, in percent\n")
	b.WriteString("- p10_pct, p50_pct, p90_pct: 10th, 50th and 90th percentiles of the target, in percent, not decreasing\n")
	b.WriteString("- key_points: up to 5 short facts from the data that the numbers rest on\n")
	b.WriteString("- rationale: two to four sentences explaining the numbers\n")
	b.WriteString("- critique: your critique of your previous answer, or \"\" for a first answer\n")
	b.WriteString("prob_above_zero must agree with the percentiles: if p10_pct > 0 it is at least 0.9; if p50_pct > 0 at least 0.5; if p90_pct < 0 at most 0.1.\n")
	b.WriteString("Quote only numbers given to you; do not invent news or prices.")
	return b.String()
}

// userPrompt carries the market snapshot, the debate so far, the previous speaker's reasoning
// and, in hybrid mode, the latent model's forecast.
func userPrompt(req thinker.Request, evidence *thinker.Thought) string {
	s := req.Snapshot
	var b strings.Builder
	fmt.Fprintf(&b, "Market snapshot of %s as of %s (the last bar, day t). Last close %.4g. Horizon %d trading days.\n",
		s.Symbol, s.AsOf.Format("2006-01-02"), s.Close, s.Horizon)
	fmt.Fprintf(&b, "\nFeatures on %s, with the z-score against the model's training data and the percentile rank within the last %d days:\n", s.AsOf.Format("2006-01-02"), s.Days)
	b.WriteString("| feature | meaning | value | z | percentile |\n|---|---|---|---|---|\n")
	for _, name := range s.FeatureNames {
		v := s.Latest[name]
		z, _ := s.ZScore(name)
		pct, _ := s.Percentile(name)
		fmt.Fprintf(&b, "| %s | %s | %.4g | %+.2f | %.0f%% |\n", name, featureHelp[name], v, z, 100*pct)
	}

	n := min(recentDays, s.Days)
	if n > 1 && len(s.Raw) == s.Days {
		fmt.Fprintf(&b, "\nEvery feature over the last %d days (t-%d … t, t = %s):\n| day |", n, n-1, s.AsOf.Format("2006-01-02"))
		for _, name := range s.FeatureNames {
			b.WriteString(" " + name + " |")
		}
		b.WriteString("\n|---|" + strings.Repeat("---|", len(s.FeatureNames)) + "\n")
		for d := s.Days - n; d < s.Days; d++ {
			label := "t"
			if back := s.Days - 1 - d; back > 0 {
				label = fmt.Sprintf("t-%d", back)
			}
			fmt.Fprintf(&b, "| %s |", label)
			for _, v := range s.Raw[d] {
				fmt.Fprintf(&b, " %.4g |", v)
			}
			b.WriteString("\n")
		}
	}

	if len(req.Transcript) > 0 {
		b.WriteString("\nThe debate so far, oldest first:\n")
		for _, m := range req.Transcript {
			fmt.Fprintf(&b, "- %s (%s question): %s\n", m.Speaker, m.Question, strings.TrimSpace(m.Text))
		}
	}
	if h := req.Handoff; h != nil && strings.TrimSpace(h.Text) != "" {
		fmt.Fprintf(&b, "\nReasoning of the previous speaker (%s question):\n%s\n", h.Question, strings.TrimSpace(h.Text))
	}
	if evidence != nil {
		fmt.Fprintf(&b, "\nEvidence: the recurrent-depth model's forecast of the same target after %d steps: prob_above_zero %.2f, expected %s, p10 %s, p50 %s, p90 %s.\n",
			evidence.Steps, evidence.ProbPositive, pct(req.Question, evidence.Expected), pct(req.Question, evidence.P10),
			pct(req.Question, evidence.P50), pct(req.Question, evidence.P90))
		b.WriteString("Use it as one piece of evidence; say in the rationale where you depart from it and why.\n")
	}
	fmt.Fprintf(&b, "\nGive your forecast of %s as the JSON object.", Units(req.Question, s.Horizon))
	return b.String()
}

// pct formats a log-return target of q as the answer's percentage.
func pct(q thinker.Question, x float64) string {
	v := fromLog(q, x)
	if math.Abs(v) < 0.005 {
		v = 0
	}
	return fmt.Sprintf("%+.2f%%", v)
}

// critiquePrompt asks for a critique of the previous answer and a revised one.
const critiquePrompt = "Critique your previous answer: check each number against the snapshot, the other side's " +
	"arguments and the rules (units, percentiles not decreasing, prob_above_zero consistent with them). " +
	"Then reply with the revised forecast as the same JSON object, with your critique in the critique field. " +
	"Keep numbers that survive the critique unchanged."

// repairPrompt asks for a corrected answer after an invalid one.
func repairPrompt(err error) string {
	return "That reply cannot be used: " + err.Error() + ". Reply with the corrected JSON object only, with every field."
}
