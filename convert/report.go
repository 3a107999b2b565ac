package convert

import (
	"fmt"

	"github.com/upgtools/upg/eval"
)

// Report is what a conversion measured; it is written to the output's
// metadata.json. Sizes follow docs/measurement.md: the ratio compares the
// BF16 size of every parameter with the bytes on disk of the files holding
// weights (the .upg shards); configs, tokenizer and index are reported
// apart.
type Report struct {
	Format        string `json:"format"`
	FormatVersion string `json:"format_version"`
	Tool          string `json:"tool_version"`

	Source struct {
		Dir          string `json:"dir"`
		Architecture string `json:"architecture"`
		Params       int64  `json:"params"`
		Bytes        int64  `json:"bytes"` // tensor bytes as stored in the input
	} `json:"source"`

	BF16Bytes  int64   `json:"bf16_bytes"`
	UPGBytes   int64   `json:"upg_bytes"`   // every .upg file on disk
	OtherBytes int64   `json:"other_bytes"` // configs, tokenizer, index
	Ratio      float64 `json:"ratio"`
	BPW        float64 `json:"bpw"`
	// PayloadBPW counts the tensor data only (codes, scales, side tables,
	// plain tensors), without container headers and alignment: the
	// accounting of published bpw figures.
	PayloadBPW float64    `json:"payload_bpw"`
	Files      []FileSize `json:"files"`

	Settings struct {
		TargetRatio float64 `json:"target_ratio,omitempty"`
		Codec       string  `json:"codec,omitempty"`
		Prefer      string  `json:"prefer,omitempty"`
		Calibration string  `json:"calibration"`
		CalibText   string  `json:"calibration_text,omitempty"`
		CalibTokens int     `json:"calibration_tokens,omitempty"`
		Sensitivity string  `json:"sensitivity,omitempty"`
		Budget      string  `json:"budget"`
		Outliers    float64 `json:"outlier_share"`
		ShardBytes  int64   `json:"shard_bytes"`
	} `json:"settings"`

	ByCodec map[string]CodecTotal `json:"by_codec"`
	Tensors []TensorReport        `json:"tensors"`

	Conversion struct {
		Seconds          float64 `json:"seconds"`
		PeakRSS          int64   `json:"peak_rss_bytes"`
		Threads          int     `json:"threads"`
		ParamsPerSecCore float64 `json:"params_per_second_per_core"`
		Resumed          bool    `json:"resumed"`
	} `json:"conversion"`

	SelfCheck *SelfCheck `json:"self_check,omitempty"`
}

// FileSize is one output file.
type FileSize struct {
	Name  string `json:"name"`
	Bytes int64  `json:"bytes"`
}

// CodecTotal sums the tensors stored with one codec.
type CodecTotal struct {
	Tensors int     `json:"tensors"`
	Params  int64   `json:"params"`
	Bytes   int64   `json:"bytes"`
	BPW     float64 `json:"bpw"`
}

// TensorReport is one tensor's storage and error.
type TensorReport struct {
	Name   string  `json:"name"`
	Shape  []int64 `json:"shape"`
	Params int64   `json:"params"`
	Codec  string  `json:"codec"`           // codec name, or "plain"
	DType  string  `json:"dtype,omitempty"` // plain tensors
	Bytes  int64   `json:"bytes"`           // codec blobs or plain data, unpadded
	BPW    float64 `json:"bpw"`
	NMSE   float64 `json:"nmse"`
	WNMSE  float64 `json:"wnmse,omitempty"` // weighted by calibration input energy
	Cost   float64 `json:"estimated_damage,omitempty"`
}

// SelfCheck is the quality measured at the end of a conversion.
type SelfCheck struct {
	Text string `json:"text"`
	eval.Comparison
	Verdict    string  `json:"verdict"`
	Suggestion string  `json:"suggestion,omitempty"`
	SuggestRat float64 `json:"suggested_ratio,omitempty"`
}

// Summary is a one-line description of the result.
func (r *Report) Summary() string {
	return fmt.Sprintf("%d params: %.1f MB (BF16) → %.2f MB on disk, ratio %.2f:1, %.3f bpw", r.Source.Params, float64(r.BF16Bytes)/1e6, float64(r.UPGBytes)/1e6, r.Ratio, r.BPW)
}
