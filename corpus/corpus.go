// Package corpus embeds the two small texts upg uses without a user file:
// a calibration text for the converter and an evaluation sample for
// verify, the conversion self-check and the demo. They never overlap
// (SOURCE.md).
package corpus

import (
	_ "embed"
)

// Calibration is about 24 KB of TinyStories validation text (stories run
// together, paragraphs separated by blank lines): the default text whose
// activations weight the converter's error.
//
//go:embed calibration.txt
var Calibration string

// Sample is five TinyStories stories separated by DocSeparator: the default
// evaluation text (document protocol of docs/measurement.md).
//
//go:embed sample.txt
var Sample string

// DocSeparator separates the documents of Sample.
const DocSeparator = "<|endoftext|>"
