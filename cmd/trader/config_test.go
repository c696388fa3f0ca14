package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfigInvalid(t *testing.T) {
	data := syntheticDir(t, "SYN")
	unknown := writeFile(t, "unknown.yaml", []byte("log_level: warn\ndebate:\n  rounds: 2\n  rouns: 3\n"))
	unknownTop := writeFile(t, "top.yaml", []byte("format: json\n"))
	list := writeFile(t, "list.yaml", []byte("data:\n  - a\n  - b\n"))
	notMapping := writeFile(t, "scalar.yaml", []byte("debate: 3\n"))
	wrongType := writeFile(t, "type.yaml", []byte("debate:\n  rounds: many\n"))
	syntax := writeFile(t, "syntax.yaml", []byte("debate:\n  rounds: [1\n"))
	missing := filepath.Join(t.TempDir(), "none.yaml")
	debate := func(config string) []string {
		return []string{"debate", "SYN", "--data", data, "--steps", "1", "--rounds", "1", "--config", config}
	}

	runInvalidCases(t, []invalidCase{
		{
			name: "unknown-key",
			args: debate(unknown),
			want: []string{unknown, "line 4", `unknown key "debate.rouns"`, "debate.rounds"},
		},
		{
			name: "unknown-top-level-key",
			args: debate(unknownTop),
			want: []string{unknownTop, "line 1", `unknown key "format"`, "output.format"},
		},
		{
			name: "list-value",
			args: debate(list),
			want: []string{list, "line 2", `"data"`, "single value"},
		},
		{
			name: "section-not-mapping",
			args: debate(notMapping),
			want: []string{notMapping, "line 1", `"debate"`},
		},
		{
			// Without --rounds, which would take precedence over the file's value.
			name: "wrong-type",
			args: []string{"debate", "SYN", "--data", data, "--steps", "1", "--config", wrongType},
			want: []string{"debate.rounds", "TRADER_DEBATE_ROUNDS", "many", "not an integer"},
		},
		{
			name: "yaml-syntax",
			args: debate(syntax),
			want: []string{syntax},
		},
		{
			name: "missing-file",
			args: debate(missing),
			want: []string{"read config", missing},
			is:   os.ErrNotExist,
		},
		{
			name: "missing-file-from-env",
			args: []string{"debate", "SYN", "--data", data},
			env:  map[string]string{"TRADER_CONFIG": missing},
			want: []string{"read config", missing},
			is:   os.ErrNotExist,
		},
		{
			name: "env-not-integer",
			args: []string{"debate", "SYN", "--data", data, "--steps", "1"},
			env:  map[string]string{"TRADER_DEBATE_ROUNDS": "abc"},
			want: []string{"TRADER_DEBATE_ROUNDS", "abc", "not an integer"},
		},
		{
			name: "env-not-bool",
			args: []string{"debate", "SYN", "--data", data, "--steps", "1"},
			env:  map[string]string{"TRADER_DEBATE_HANDOFF": "maybe"},
			want: []string{"TRADER_DEBATE_HANDOFF", "maybe", "not true or false"},
		},
		{
			name: "env-format",
			args: []string{"debate", "SYN", "--data", data, "--steps", "1"},
			env:  map[string]string{"TRADER_OUTPUT_FORMAT": "html"},
			want: []string{`"html"`, "TRADER_OUTPUT_FORMAT"},
		},
	})
}

func TestConfigPrecedence(t *testing.T) {
	data := syntheticDir(t, "SYN")
	// The file also names the data directory, so the runs below need no --data.
	config := writeFile(t, "trader.yaml", []byte("data: "+data+"\ndebate:\n  rounds: 1\n  steps: 2\n  seed: 5\n"))

	tests := []struct {
		name       string
		env        map[string]string
		args       []string
		wantRounds float64
		wantSteps  float64
	}{
		{"file", nil, nil, 1, 2},
		{"env-over-file", map[string]string{"TRADER_DEBATE_ROUNDS": "3"}, nil, 3, 2},
		{"flag-over-env", map[string]string{"TRADER_DEBATE_ROUNDS": "3"}, []string{"--rounds", "2"}, 2, 2},
		{"flag-over-file", nil, []string{"--steps", "3"}, 1, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}

			doc := debateJSON(t, append([]string{"SYN", "--config", config}, tt.args...)...)

			settings := doc["settings"].(map[string]any)
			assert.Equal(t, tt.wantRounds, settings["rounds"])
			assert.Equal(t, tt.wantSteps, settings["steps"])
			assert.Equal(t, 5.0, settings["seed"], "seed from the file")
		})
	}
}

func TestConfigDefaultPath(t *testing.T) {
	data := syntheticDir(t, "SYN")
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "configs"), 0o700))
	content := "data: " + data + "\ndebate:\n  rounds: 1\n  steps: 2\noutput:\n  format: json\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, defaultConfigPath), []byte(content), 0o600))
	t.Chdir(dir)

	// With TRADER_CONFIG empty, configs/trader.yaml in the working directory is read.
	t.Setenv("TRADER_CONFIG", "")
	res := mustRunTrader(t, "debate", "SYN")
	settings := decodeObject(t, res.Stdout)["settings"].(map[string]any)
	assert.Equal(t, 1.0, settings["rounds"])
	assert.Equal(t, 2.0, settings["steps"])

	// A missing default file is not an error: the defaults apply.
	require.NoError(t, os.Remove(filepath.Join(dir, defaultConfigPath)))
	res = runTrader(t, "debate", "SYN", "--data", data, "--steps", "1", "--rounds", "1")
	require.NoError(t, res.Err)
	assert.Contains(t, res.Stdout, "SYN as of 2023-12-29")
}

func TestUnknownEnvVars(t *testing.T) {
	got := unknownEnvVars([]string{"TRADER_DEBATE_STEP=64", "TRADER_DEBATE_STEPS=64", "TRADER_CONFIG=x", "HOME=/root", "TRADER_SHARED_DATA=d"})
	assert.Equal(t, []string{"TRADER_DEBATE_STEP"}, got)
}
