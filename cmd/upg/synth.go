package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/upgtools/upg/synth"
)

func newSynthCmd() *cobra.Command {
	var o synth.Options
	var out string
	c := &cobra.Command{
		Use:   "synth --preset NAME [--scale S] -o DIR",
		Short: "Write a random-weight checkpoint with the real config and tensor shapes of a named model",
		Long:  "Presets: " + strings.Join(synth.Presets(), ", ") + ".\nWeights are Gaussian (BF16) with a share of large outliers; --scale keeps that share of the layers.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Preset == "" || out == "" {
				return fmt.Errorf("--preset and -o are required (presets: %s)", strings.Join(synth.Presets(), ", "))
			}
			p := progress("synth "+o.Preset, false)
			err := synth.Write(cmd.Context(), out, o, func(done, total int64) {
				if p != nil {
					p(int(done>>20), int(total>>20))
				}
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", out)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&o.Preset, "preset", "", "model shape to copy")
	f.Float64Var(&o.Scale, "scale", 1, "share of the layers to keep (0,1]")
	f.IntVar(&o.Layers, "layers", 0, "exact layer count (overrides --scale)")
	f.Float64Var(&o.OutlierFrac, "outliers", 0.001, "share of weights that are large outliers")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed")
	f.StringVarP(&out, "output", "o", "", "output directory")
	return c
}
