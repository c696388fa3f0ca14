package thinker

import "github.com/traderlab/trader/latentmodel"

// Question is the model's question type (return, upside or downside), so code that only talks
// to thinkers needs no direct reference to package latentmodel for it.
type Question = latentmodel.Question

func validQuestion(q Question) bool { return q >= 0 && q < latentmodel.NumQuestions }
