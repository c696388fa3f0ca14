package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	yaml "go.yaml.in/yaml/v3"
)

// Configuration keys. Each may be set in the config file, by the environment variable
// TRADER_<KEY> with dots as underscores (TRADER_DEBATE_ROUNDS), or by the flag named beside it.
const (
	keyLogLevel      = "log_level"
	keyData          = "data"
	keyWeights       = "weights"
	keyRounds        = "debate.rounds"
	keySteps         = "debate.steps"
	keyHandoff       = "debate.handoff"
	keySeed          = "debate.seed"
	keyFormat        = "output.format"
	keyYahooBaseURL  = "yahoo.base_url"
	keyYahooCacheDir = "yahoo.cache_dir"

	keyThinker          = "thinker.kind"
	keyThinkerBull      = "thinker.bull"
	keyThinkerBear      = "thinker.bear"
	keyThinkerTrader    = "thinker.trader"
	keyLLMBaseURL       = "llm.base_url"
	keyLLMModel         = "llm.model"
	keyLLMAPIKeyEnv     = "llm.api_key_env"
	keyLLMOrganization  = "llm.organization"
	keyLLMHeaders       = "llm.headers"
	keyLLMTimeout       = "llm.timeout"
	keyLLMMaxConcurrent = "llm.max_concurrent"
	keyLLMMaxIterations = "llm.max_iterations"
	keyLLMTokenBudget   = "llm.token_budget"
	keyLLMCacheDir      = "llm.cache_dir"
	keyLLMNoCache       = "llm.no_cache"

	keyComputePolicy  = "compute.policy"
	keyComputeMin     = "compute.min_steps"
	keyComputeMax     = "compute.max_steps"
	keyComputeFeature = "compute.feature"
	keyComputeEntropy = "compute.entropy_weight"
	keyComputeProbe   = "compute.probe_steps"
	keyExit           = "compute.exit"
	keyExitBull       = "compute.exit_bull"
	keyExitBear       = "compute.exit_bear"
	keyExitTrader     = "compute.exit_trader"
)

// configKey describes one setting: its default, its flag and how its value is checked.
type configKey struct {
	def  any
	flag string
	kind string // "string", "int", "bool", "float"
}

var configKeys = map[string]configKey{
	keyLogLevel:      {"info", "log-level", "string"},
	keyData:          {"", "data", "string"},
	keyWeights:       {"", "weights", "string"},
	keyRounds:        {2, "rounds", "int"},
	keySteps:         {32, "steps", "int"},
	keyHandoff:       {true, "handoff", "bool"},
	keySeed:          {1, "seed", "int"},
	keyFormat:        {"text", "format", "string"},
	keyYahooBaseURL:  {"https://query2.finance.yahoo.com", "", "string"},
	keyYahooCacheDir: {"", "", "string"},

	keyThinker:          {"latent", "thinker", "string"},
	keyThinkerBull:      {"", "", "string"},
	keyThinkerBear:      {"", "", "string"},
	keyThinkerTrader:    {"", "", "string"},
	keyLLMBaseURL:       {"https://api.openai.com/v1", "llm-base-url", "string"},
	keyLLMModel:         {"", "llm-model", "string"},
	keyLLMAPIKeyEnv:     {"OPENAI_API_KEY", "", "string"},
	keyLLMOrganization:  {"", "", "string"},
	keyLLMHeaders:       {"", "", "string"},
	keyLLMTimeout:       {"2m", "", "string"},
	keyLLMMaxConcurrent: {4, "", "int"},
	keyLLMMaxIterations: {3, "", "int"},
	keyLLMTokenBudget:   {200000, "", "int"},
	keyLLMCacheDir:      {"", "", "string"},
	keyLLMNoCache:       {false, "no-cache", "bool"},

	keyComputePolicy:  {"fixed", "", "string"},
	keyComputeMin:     {8, "", "int"},
	keyComputeMax:     {32, "", "int"},
	keyComputeFeature: {"rv20", "", "string"},
	keyComputeEntropy: {0.0, "", "float"},
	keyComputeProbe:   {2, "", "int"},
	keyExit:           {"", "exit", "string"},
	keyExitBull:       {"", "", "string"},
	keyExitBear:       {"", "", "string"},
	keyExitTrader:     {"", "", "string"},
}

// defaultConfigPath is read when it exists and no other file is named.
const defaultConfigPath = "configs/trader.yaml"

// loadConfig resolves settings with the precedence flag > environment > config file > default,
// and rejects unknown keys and values of the wrong type.
func loadConfig(v *viper.Viper, cmd *cobra.Command) error {
	for key, k := range configKeys {
		v.SetDefault(key, k.def)
	}
	v.SetEnvPrefix("TRADER")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()

	path, explicit := configPath(cmd)
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			if explicit || !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("read config: %w", err)
			}
		} else {
			if err := checkConfigFile(path, data); err != nil {
				return err
			}
			v.SetConfigType("yaml")
			if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
				return fmt.Errorf("config %s: %w", path, err)
			}
		}
	}
	for key, k := range configKeys {
		if k.flag == "" {
			continue
		}
		// Only flags marked by bindConfigFlags set a key. A flag of the same name that means
		// something else, such as `model eval --steps 1,2,4`, must not be read as the key.
		f := cmd.Flags().Lookup(k.flag)
		if f == nil || !slices.Contains(f.Annotations[configKeyAnnotation], key) {
			continue
		}
		if err := v.BindPFlag(key, f); err != nil {
			return err
		}
	}
	return checkValues(v)
}

// configKeyAnnotation is the flag annotation that names the configuration key the flag sets.
const configKeyAnnotation = "trader_config_key"

// bindConfigFlags marks the flags of the given keys in flags so that loadConfig reads them as
// those keys. Each flag must already be defined with the name configKeys gives it.
func bindConfigFlags(flags *pflag.FlagSet, keys ...string) {
	for _, key := range keys {
		if err := flags.SetAnnotation(configKeys[key].flag, configKeyAnnotation, []string{key}); err != nil {
			panic(fmt.Sprintf("config key %q: %v", key, err))
		}
	}
}

// unknownEnvVars returns the TRADER_* variables of environ that set no configuration key, such
// as a misspelled TRADER_DEBATE_STEP, so the caller can warn about them.
func unknownEnvVars(environ []string) []string {
	known := map[string]bool{"TRADER_CONFIG": true, "TRADER_SHARED_DATA": true}
	for key := range configKeys {
		known["TRADER_"+strings.ToUpper(strings.ReplaceAll(key, ".", "_"))] = true
	}
	var unknown []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "TRADER_") && !known[name] {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	return unknown
}

func configPath(cmd *cobra.Command) (path string, explicit bool) {
	if f := cmd.Flags().Lookup("config"); f != nil && f.Changed {
		return f.Value.String(), true
	}
	if env := os.Getenv("TRADER_CONFIG"); env != "" {
		return env, true
	}
	return defaultConfigPath, false
}

// checkConfigFile rejects unknown keys with their line numbers; viper alone would ignore them.
func checkConfigFile(path string, data []byte) error {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	if len(root.Content) == 0 {
		return nil
	}
	var walk func(n *yaml.Node, prefix string) error
	walk = func(n *yaml.Node, prefix string) error {
		if n.Kind != yaml.MappingNode {
			return fmt.Errorf("config %s line %d: expected a mapping of keys at %q", path, n.Line, strings.TrimSuffix(prefix, "."))
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			keyNode, value := n.Content[i], n.Content[i+1]
			key := prefix + keyNode.Value
			if _, ok := configKeys[key]; ok {
				if value.Kind != yaml.ScalarNode {
					return fmt.Errorf("config %s line %d: key %q takes a single value", path, value.Line, key)
				}
				continue
			}
			if isSection(key) {
				if err := walk(value, key+"."); err != nil {
					return err
				}
				continue
			}
			return fmt.Errorf("config %s line %d: unknown key %q; known keys: %s", path, keyNode.Line, key, strings.Join(knownKeys(), ", "))
		}
		return nil
	}
	return walk(root.Content[0], "")
}

func isSection(prefix string) bool {
	for key := range configKeys {
		if strings.HasPrefix(key, prefix+".") {
			return true
		}
	}
	return false
}

func knownKeys() []string {
	keys := make([]string, 0, len(configKeys))
	for key := range configKeys {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}

// checkValues makes sure every setting parses as its type, wherever it came from.
func checkValues(v *viper.Viper) error {
	for _, key := range knownKeys() {
		raw := v.Get(key)
		var err error
		switch configKeys[key].kind {
		case "int":
			_, err = toInt(raw)
		case "bool":
			_, err = toBool(raw)
		case "float":
			_, err = toFloat(raw)
		}
		if err != nil {
			return fmt.Errorf("invalid setting %s (%s): %w", key, settingSources(key), err)
		}
	}
	return nil
}

// settingSources lists where key can be set, for error messages, for example
// "--rounds, TRADER_DEBATE_ROUNDS or the config file".
func settingSources(key string) string {
	env := "TRADER_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
	if flag := configKeys[key].flag; flag != "" {
		return fmt.Sprintf("--%s, %s or the config file", flag, env)
	}
	return env + " or the config file"
}

func toInt(raw any) (int, error) {
	switch x := raw.(type) {
	case int:
		return x, nil
	case int64:
		return int(x), nil
	case float64:
		if x == float64(int(x)) {
			return int(x), nil
		}
	case string:
		var n int
		if _, err := fmt.Sscan(x, &n); err == nil && fmt.Sprint(n) == strings.TrimSpace(x) {
			return n, nil
		}
	}
	return 0, fmt.Errorf("%v is not an integer", raw)
}

func toFloat(raw any) (float64, error) {
	switch x := raw.(type) {
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case float64:
		return x, nil
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
			return f, nil
		}
	}
	return 0, fmt.Errorf("%v is not a number", raw)
}

func toBool(raw any) (bool, error) {
	switch x := raw.(type) {
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "1", "yes":
			return true, nil
		case "false", "0", "no":
			return false, nil
		}
	}
	return false, fmt.Errorf("%v is not true or false", raw)
}

// flagChanged reports whether the user set the flag on the command line.
func flagChanged(flags *pflag.FlagSet, name string) bool {
	f := flags.Lookup(name)
	return f != nil && f.Changed
}
