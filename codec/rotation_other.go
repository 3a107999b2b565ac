//go:build !amd64 || purego

package codec

// forwardFast reports false: without amd64 assembly (or with the purego
// tag) forward runs its Go loops.
func (r *rotation) forwardFast([]float32) bool { return false }
