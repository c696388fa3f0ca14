package strategy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/rs/zerolog"

	"github.com/traderlab/trader/backtest"
	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/manager"
	"github.com/traderlab/trader/marketdata"
	"github.com/traderlab/trader/thinker"
)

// ErrNoBundle means an Agents strategy has no model bundle.
var ErrNoBundle = errors.New("agents strategy has no model bundle")

// agentsCacheVersion changes when the meaning of a cached decision changes.
const agentsCacheVersion = 1

// agentsThinkerKind names the thinker in the cache key. The thinker's Name includes the
// weights' file name, which does not change a decision, so it is not used.
const agentsThinkerKind = "latent"

// Agents runs the Bull/Bear debate and the Trader's decision rule (manager.DeepTraderManager
// with a latent thinker) after each close, and returns the Trader's target position. The
// view must come from an adjusted series, as the model was trained on adjusted bars, and hold
// at least marketdata.FeatureWarmup − 1 + the model's window bars.
type Agents struct {
	// Bundle is the model. Required.
	Bundle *latentmodel.Bundle
	// Steps, Rounds, Handoff and Seed set the manager's fields of the same names.
	Steps, Rounds int
	Handoff       bool
	Seed          uint64
	// Cache, when set, stores each decision so that a rerun with the same configuration
	// reads it back instead of thinking again.
	Cache *Cache
}

// NewAgents returns an Agents strategy over bundle with the manager's defaults.
func NewAgents(bundle *latentmodel.Bundle) *Agents {
	m := manager.New(nil)
	return &Agents{Bundle: bundle, Steps: m.Steps, Rounds: m.Rounds, Handoff: m.Handoff, Seed: m.Seed}
}

// Name returns "agents".
func (a *Agents) Name() string { return NameAgents }

// Decide returns the Trader's target position for the view's last day.
func (a *Agents) Decide(ctx context.Context, view marketdata.View) (float64, error) {
	if a.Bundle == nil {
		return 0, ErrNoBundle
	}
	m := a.manager()
	key := ""
	if a.Cache != nil {
		var err error
		if key, err = a.ConfigKey(); err != nil {
			return 0, err
		}
		if d, ok, err := a.Cache.Get(key, view.Symbol(), view.Date()); err != nil {
			return 0, err
		} else if ok {
			return d.Position, nil
		}
	}

	// One run per day would flood the log with the manager's start and finish lines.
	quiet := zerolog.Ctx(ctx).Level(max(zerolog.Ctx(ctx).GetLevel(), zerolog.WarnLevel))
	report, err := m.Run(quiet.WithContext(ctx), view, a.Bundle)
	if err != nil {
		return 0, err
	}
	d := report.Decision
	if a.Cache != nil {
		if err := a.Cache.Put(key, view.Symbol(), view.Date(), d); err != nil {
			return 0, err
		}
	}
	return d.Position, nil
}

func (a *Agents) manager() *manager.DeepTraderManager {
	m := manager.New(thinker.NewLatent(a.Bundle))
	m.Steps, m.Rounds, m.Handoff, m.Seed = a.Steps, a.Rounds, a.Handoff, a.Seed
	return m
}

// agentsConfig is everything a cached decision depends on besides symbol and date.
type agentsConfig struct {
	Version   int                  `json:"version"`
	Model     string               `json:"model_sha256"`
	Steps     int                  `json:"steps"`
	Rounds    int                  `json:"rounds"`
	Handoff   bool                 `json:"handoff"`
	Seed      uint64               `json:"seed"`
	Tolerance float64              `json:"tolerance"`
	Rule      manager.DecisionRule `json:"rule"`
	Thinker   string               `json:"thinker"`
}

// ConfigKey returns the hex SHA-256 of the configuration a decision depends on: the model's
// weights digest, the manager's settings and decision rule, and the kind of thinker. The
// weights' name is not part of it, so the embedded weights and a copy of them on disk share
// decisions.
func (a *Agents) ConfigKey() (string, error) {
	if a.Bundle == nil {
		return "", ErrNoBundle
	}
	m := a.manager()
	data, err := json.Marshal(agentsConfig{
		Version: agentsCacheVersion, Model: a.Bundle.SHA256, Steps: m.Steps, Rounds: m.Rounds,
		Handoff: m.Handoff, Seed: m.Seed, Tolerance: m.Tolerance, Rule: m.Rule, Thinker: agentsThinkerKind,
	})
	if err != nil {
		return "", fmt.Errorf("encode agents configuration: %w", err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

var _ backtest.Strategy = (*Agents)(nil)
