package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/upgtools/upg/importer"
)

func newImportCmd() *cobra.Command {
	c := &cobra.Command{Use: "import", Short: "Convert a llama2.c or GGUF model into a Hugging Face layout directory"}
	var tokPath, out, dtype string
	l2c := &cobra.Command{
		Use:   "llama2c CHECKPOINT.bin --tokenizer tokenizer.bin -o DIR",
		Short: "Import a llama2.c checkpoint and its tokenizer.bin",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if tokPath == "" || out == "" {
				return fmt.Errorf("--tokenizer and -o are required")
			}
			opt := importer.Options{DType: dtype}
			if err := importer.FromLlama2C(cmd.Context(), args[0], tokPath, out, opt); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", out)
			return nil
		},
	}
	l2c.Flags().StringVar(&tokPath, "tokenizer", "", "llama2.c tokenizer.bin")
	g := &cobra.Command{
		Use:   "gguf FILE.gguf -o DIR",
		Short: "Import a GGUF model (llama architecture; F32, F16, BF16, Q8_0 tensors)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("-o is required")
			}
			if err := importer.FromGGUF(cmd.Context(), args[0], out, importer.Options{DType: dtype}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", out)
			return nil
		},
	}
	for _, s := range []*cobra.Command{l2c, g} {
		s.Flags().StringVarP(&out, "output", "o", "", "output directory (must not exist)")
		s.Flags().StringVar(&dtype, "dtype", "", "output dtype: F32, BF16 or F16 (default: keep the source precision)")
		c.AddCommand(s)
	}
	return c
}
