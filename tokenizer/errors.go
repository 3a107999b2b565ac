package tokenizer

import "errors"

// Sentinel errors, usable with errors.Is on every error this package returns.
var (
	// ErrInvalid marks malformed input: bad JSON, wrong types, ids out of
	// range, merges naming unknown tokens.
	ErrInvalid = errors.New("invalid tokenizer")
	// ErrUnsupported marks well-formed input that uses a feature this package
	// does not implement (a Unigram model, a Lowercase normalizer, ...).
	ErrUnsupported = errors.New("unsupported tokenizer feature")
)
