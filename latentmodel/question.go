package latentmodel

import (
	"errors"
	"fmt"
	"strings"
)

// Question selects what the model predicts for the last day of a window. Each question has its
// own learned embedding, added to every day's token, and its own output head.
type Question int

// The questions, one per agent role. Each target is measured over a horizon of H bars from the
// close of day t.
const (
	// Return is log(close[t+H] / close[t]), asked by the trader.
	Return Question = iota
	// Upside is log(max(high[t+1..t+H]) / close[t]), asked by the bull researcher.
	Upside
	// Downside is log(close[t] / min(low[t+1..t+H])), asked by the bear researcher.
	Downside
)

// NumQuestions is the number of questions, and the number of rows of the question embedding.
const NumQuestions = 3

// ErrUnknownQuestion is wrapped by errors about a question name or number that does not exist.
var ErrUnknownQuestion = errors.New("unknown question")

var questionNames = [NumQuestions]string{"return", "upside", "downside"}

// String returns the question's name: "return", "upside" or "downside".
func (q Question) String() string {
	if q.valid() {
		return questionNames[q]
	}
	return fmt.Sprintf("Question(%d)", int(q))
}

func (q Question) valid() bool { return q >= 0 && q < NumQuestions }

// ParseQuestion returns the question named s, ignoring case and surrounding spaces.
func ParseQuestion(s string) (Question, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	for q, n := range questionNames {
		if n == name {
			return Question(q), nil
		}
	}
	return 0, fmt.Errorf("%w: %q (use return, upside or downside)", ErrUnknownQuestion, s)
}
