//go:build !amd64 || purego

package codec

// Without amd64 assembly (or with the purego tag) DecodeRowsRotated
// expands every code with addEntry.
const useDecKernel = false

func decAddU16(dst *float32, codes *byte, npairs int, tab *uint64, dd float32) {
	panic("codec: decAddU16 without assembly")
}
