// Package engine generates text with a model: the KV-cached prefill/decode
// loop, sampling (greedy, temperature, top-k, top-p, min-p, repetition
// penalty, seeded), stop rules (end-of-generation tokens, stop strings) and
// timing.
package engine
