// Command upg reads, runs, evaluates and (later) compresses open-weight
// LLM checkpoints on the CPU. Run `upg help` for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	root := newRoot()
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "upg:", err)
		if errors.Is(err, context.Canceled) {
			os.Exit(130)
		}
		os.Exit(1)
	}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "upg",
		Short:         "Read, run and measure open-weight LLM checkpoints on the CPU",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newTestCmd(), newRunCmd(), newEvalCmd(), newInspectCmd(), newImportCmd(), newSynthCmd(), newBenchCmd(), newConvertCmd(), newVerifyCmd(), newDemoCmd())
	return root
}
