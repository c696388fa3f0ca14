package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"github.com/spf13/viper"
	"golang.org/x/term"
)

// app carries what every command shares: the resolved configuration and the logger.
type app struct {
	v      *viper.Viper
	logger zerolog.Logger
	// stderr receives logs and progress; tests replace it.
	stderr io.Writer
}

func newRootCommand() *cobra.Command {
	a := &app{v: viper.New(), stderr: os.Stderr}
	root := &cobra.Command{
		Use:           "trader",
		Short:         "Multi-agent trading research with agents that think in a latent space",
		Long:          "trader runs a Bull researcher, a Bear researcher and a Trader over daily prices.\nEach agent thinks with an embedded recurrent-depth transformer for a chosen number of latent steps.",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return a.setup(cmd)
		},
	}
	root.PersistentFlags().String("config", "", "config file (default: $TRADER_CONFIG, else configs/trader.yaml when it exists)")
	root.PersistentFlags().String("log-level", "info", "log level on stderr: debug, info, warn, error")
	bindConfigFlags(root.PersistentFlags(), keyLogLevel)
	root.AddCommand(newDebateCommand(a), newModelCommand(a), newBacktestCommand(a), newRunCommand(a))
	return root
}

// setup reads the configuration and builds the logger before any command runs.
func (a *app) setup(cmd *cobra.Command) error {
	if cmd.ErrOrStderr() != os.Stderr {
		a.stderr = cmd.ErrOrStderr()
	}
	if err := loadConfig(a.v, cmd); err != nil {
		return err
	}
	level, err := zerolog.ParseLevel(strings.ToLower(a.v.GetString(keyLogLevel)))
	if err != nil || level == zerolog.NoLevel {
		return fmt.Errorf("invalid log level %q: use debug, info, warn or error", a.v.GetString(keyLogLevel))
	}
	var out io.Writer = a.stderr
	if f, ok := a.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		out = zerolog.ConsoleWriter{Out: a.stderr, TimeFormat: "15:04:05"}
	}
	a.logger = zerolog.New(out).Level(level).With().Timestamp().Logger()
	for _, name := range unknownEnvVars(os.Environ()) {
		a.logger.Warn().Str("variable", name).Msg("ignoring environment variable that sets no configuration key; check its spelling")
	}
	cmd.SetContext(a.logger.WithContext(cmd.Context()))
	return nil
}
