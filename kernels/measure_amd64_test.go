//go:build amd64 && !purego

package kernels

func init() {
	if haveAsm {
		sumVariants["sumAVX2"] = func(x []float32) float32 {
			if len(x) == 0 {
				return 0
			}
			return sumAVX2(&x[0], len(x))
		}
		fmaVariants["fmaAVX2"] = struct {
			fn    func(iters int, m, c float32) float32
			lanes int
		}{fmaAVX2, 8}
	}
	if haveAVX512 {
		sumVariants["sumAVX512"] = func(x []float32) float32 {
			if len(x) == 0 {
				return 0
			}
			return sumAVX512(&x[0], len(x))
		}
		fmaVariants["fmaAVX512"] = struct {
			fn    func(iters int, m, c float32) float32
			lanes int
		}{fmaAVX512, 16}
	}
}
