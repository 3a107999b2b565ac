package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/upgtools/upg/checkpoint"
	"github.com/upgtools/upg/model"
	"github.com/upgtools/upg/upg"
)

type tensorRow struct {
	Name  string  `json:"name"`
	Shape []int64 `json:"shape"`
	DType string  `json:"dtype"` // stored dtype, or the UPG codec
	Bytes int64   `json:"bytes"`
	BPW   float64 `json:"bpw"`
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
	// UPG directories: the ratio versus BF16 and bits per weight of the
	// .upg files on disk.
	UPG   bool    `json:"upg"`
	Ratio float64 `json:"ratio,omitempty"`
	BPW   float64 `json:"bpw,omitempty"`
}

// inspectUPG describes a UPG directory: each tensor's codec and bytes.
func inspectUPG(dir string) (inspectReport, error) {
	rep := inspectReport{Dir: dir, UPG: true}
	ck, err := checkpoint.OpenConfig(dir)
	if err != nil {
		return rep, err
	}
	d, err := upg.OpenDir(dir)
	if err != nil {
		return rep, err
	}
	defer d.Close()
	_, lerr := model.LoaderFor(ck.Architecture)
	rep.Architecture, rep.Supported = ck.Architecture, lerr == nil
	for _, n := range d.Names() {
		e := d.Entry(n)
		row := tensorRow{Name: n, Shape: e.Shape, File: filepath.Base(d.FileOf(n))}
		params := int64(1)
		for _, s := range e.Shape {
			params *= s
		}
		if e.Kind == upg.KindEncoded {
			row.DType = e.Codec
			for _, b := range e.Blobs {
				row.Bytes += b.Len
			}
		} else {
			row.DType, row.Bytes = string(e.DType), e.Len
		}
		row.BPW = 8 * float64(row.Bytes) / float64(params)
		rep.Params += params
		rep.Tensors = append(rep.Tensors, row)
	}
	for _, f := range d.Files() {
		st, err := os.Stat(f)
		if err != nil {
			return rep, err
		}
		rep.Bytes += st.Size()
	}
	rep.BF16Bytes = 2 * rep.Params
	rep.Ratio = float64(rep.BF16Bytes) / float64(rep.Bytes)
	rep.BPW = 8 * float64(rep.Bytes) / float64(rep.Params)
	return rep, nil
}

func newInspectCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "inspect MODEL_DIR",
		Short: "Show a checkpoint's (or UPG directory's) architecture, parameters and every tensor's shape, dtype or codec, bytes",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if upg.IsDir(args[0]) {
				rep, err := inspectUPG(args[0])
				if err != nil {
					return err
				}
				return printInspect(cmd.OutOrStdout(), rep, asJSON, nil)
			}
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
				n := t.Shape
				params := int64(1)
				for _, s := range n {
					params *= s
				}
				rep.Tensors = append(rep.Tensors, tensorRow{Name: t.Name, Shape: t.Shape, DType: string(t.DType), Bytes: int64(len(t.Data)),
					BPW: 8 * float64(len(t.Data)) / float64(params), File: t.File})
				rep.Bytes += int64(len(t.Data))
			}
			return printInspect(cmd.OutOrStdout(), rep, asJSON, lerr)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return c
}

func printInspect(out io.Writer, rep inspectReport, asJSON bool, lerr error) error {
	if asJSON {
		return printJSON(out, rep)
	}
	sup := "supported"
	if !rep.Supported {
		sup = "NOT supported"
		if lerr != nil {
			sup += ": " + lerr.Error()
		}
	}
	fmt.Fprintf(out, "%s\narchitecture %s (%s)\nparameters %d (%.3f B)\n", rep.Dir, rep.Architecture, sup, rep.Params, float64(rep.Params)/1e9)
	if rep.UPG {
		fmt.Fprintf(out, "UPG weights %.3f MiB on disk: ratio %.2f:1 vs BF16 (%.1f MiB), %.3f bpw\n\n", mib(rep.Bytes), rep.Ratio, mib(rep.BF16Bytes), rep.BPW)
	} else {
		fmt.Fprintf(out, "weights %.1f MiB on disk (BF16 would be %.1f MiB)\n\n", mib(rep.Bytes), mib(rep.BF16Bytes))
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TENSOR\tSHAPE\tDTYPE/CODEC\tBYTES\tBPW")
	for _, t := range rep.Tensors {
		fmt.Fprintf(tw, "%s\t%v\t%s\t%d\t%.3f\n", t.Name, t.Shape, t.DType, t.Bytes, t.BPW)
	}
	return tw.Flush()
}
