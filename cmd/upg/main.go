// Command upg reads, runs, evaluates and (later) compresses open-weight
// LLM checkpoints on the CPU. Run `upg help` for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"

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
	var profPath string
	var profFile *os.File
	root.PersistentFlags().StringVar(&profPath, "cpuprofile", "", "write a CPU profile of the command to this file (go tool pprof)")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if profPath == "" {
			return nil
		}
		f, err := os.Create(profPath)
		if err != nil {
			return fmt.Errorf("creating CPU profile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return fmt.Errorf("starting CPU profile %s: %w", profPath, err)
		}
		profFile = f
		return nil
	}
	root.PersistentPostRunE = func(*cobra.Command, []string) error {
		if profFile == nil {
			return nil
		}
		pprof.StopCPUProfile()
		err := profFile.Close()
		profFile = nil
		if err != nil {
			return fmt.Errorf("writing CPU profile %s: %w", profPath, err)
		}
		return nil
	}
	root.AddCommand(newTestCmd(), newRunCmd(), newEvalCmd(), newInspectCmd(), newImportCmd(), newSynthCmd(), newBenchCmd(), newConvertCmd(), newVerifyCmd(), newDemoCmd())
	return root
}
