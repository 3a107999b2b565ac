package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/upgtools/upg/checkpoint"
	"github.com/upgtools/upg/model"
)

type tensorRow struct {
	Name  string  `json:"name"`
	Shape []int64 `json:"shape"`
	DType string  `json:"dtype"`
	Bytes int64   `json:"bytes"`
	File  string  `json:"file"`
}

type inspectReport struct {
	Dir          string      `json:"dir"`
	Architecture string      `json:"architecture"`
	Supported    bool        `json:"supported"`
	Params       int64       `json:"parameters"`
	Bytes        int64       `json:"weight_bytes"`
	BF16Bytes    int64       `json:"bf16_bytes"`
	Tensors      []tensorRow `json:"tensors"`
}

func newInspectCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "inspect MODEL_DIR",
		Short: "Show a checkpoint's architecture, parameter count and every tensor's name, shape, dtype and bytes",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ck, err := checkpoint.Open(args[0])
			if err != nil {
				return err
			}
			defer ck.Close()
			_, lerr := model.LoaderFor(ck.Architecture)
			rep := inspectReport{Dir: args[0], Architecture: ck.Architecture, Supported: lerr == nil, Params: ck.ParamCount()}
			rep.BF16Bytes = 2 * rep.Params
			for _, n := range ck.Names() {
				t, err := ck.Tensor(n)
				if err != nil {
					return err
				}
				rep.Tensors = append(rep.Tensors, tensorRow{n, t.Shape, string(t.DType), int64(len(t.Data)), t.File})
				rep.Bytes += int64(len(t.Data))
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return printJSON(out, rep)
			}
			sup := "supported"
			if lerr != nil {
				sup = "NOT supported: " + lerr.Error()
			}
			fmt.Fprintf(out, "%s\narchitecture %s (%s)\nparameters %d (%.3f B)\nweights %.1f MiB on disk (BF16 would be %.1f MiB)\n\n",
				rep.Dir, rep.Architecture, sup, rep.Params, float64(rep.Params)/1e9, mib(rep.Bytes), mib(rep.BF16Bytes))
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "TENSOR\tSHAPE\tDTYPE\tBYTES")
			for _, t := range rep.Tensors {
				fmt.Fprintf(tw, "%s\t%v\t%s\t%d\n", t.Name, t.Shape, t.DType, t.Bytes)
			}
			return tw.Flush()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return c
}
