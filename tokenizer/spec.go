package tokenizer

// Spec is a format-neutral description of a tokenizer. Every loader fills one
// (tokenizer.json, tiktoken rank files, GGUF vocabularies, llama2.c
// tokenizer.bin, vocab.json+merges.txt) and New builds the runnable Tokenizer
// from it, so the encoding algorithms exist once whatever file they came from.
type Spec struct {
	// Model is the vocabulary algorithm: ModelBPE (merges ranked by list
	// order, or by token rank when Merges is empty and RankMerge is set) or
	// ModelSPM (SentencePiece-style: merge the adjacent pair whose merged piece
	// has the highest score).
	Model string

	// Vocab holds every token's string by id, exactly as the source stores it
	// (byte-level BPE: GPT-2 byte-to-unicode characters; SPM: '▁' for space;
	// tiktoken: the raw token bytes as a Go string). Special and added tokens are
	// included at their ids. Ids with no token are "".
	Vocab []string
	// Scores are the SPM piece scores (ModelSPM only), parallel to Vocab.
	Scores []float32
	// Merges lists BPE merges in rank order as pairs of vocab strings.
	Merges [][2]string
	// RankMerge makes BPE merge by the rank (id) of the merged token instead of
	// by a merge list, as tiktoken does. Used when Merges is empty. tiktoken
	// also emits a piece that is itself a token whole: set IgnoreMerges too
	// (FromTiktoken does).
	RankMerge bool
	// TokenTypes are optional per-id types (TypeNormal, TypeControl, ...), as
	// GGUF and SentencePiece carry them; nil means all normal.
	TokenTypes []int

	// ByteLevel says vocab strings use GPT-2's bytes_to_unicode mapping.
	ByteLevel bool
	// ByteFallback says unknown bytes are encoded as the <0xNN> tokens.
	ByteFallback bool
	// IgnoreMerges makes BPE emit a pre-tokenized word as one token when the
	// whole word is in the vocabulary (Llama 3's tokenizer.json sets it).
	IgnoreMerges bool

	// Pre names the pre-tokenizer split preset: PreNone (SPM: whole text is one
	// piece), PreGPT2, PreLlama3, PreQwen2, PreCL100K, PreO200K,
	// PreDeepSeekLLM, PreDeepSeekCoder. SplitRegexes, when set, overrides it
	// with explicit patterns applied in sequence (each splits the pieces of the
	// previous one, keeping matches and the text between them, as HF's Split
	// pre-tokenizer with behavior "Isolated").
	Pre          string
	SplitRegexes []string
	// SplitRemoved, parallel to SplitRegexes (nil: all false), drops the
	// matches of that pattern instead of keeping them as pieces (HF Split
	// behavior "Removed"; the text between matches is still kept).
	SplitRemoved []bool

	// AddPrefixSpace (SPM "add_dummy_prefix", HF Prepend("▁") normalizer,
	// Metaspace prepend_scheme "first"/"always", ByteLevel add_prefix_space)
	// prepends one space to each stretch of text at the start of the input or
	// after a matched added token, as llama.cpp does; byte-level vocabularies
	// only add it when the stretch does not already start with ' '. SPM
	// encoders also replace every ' ' by '▁'.
	AddPrefixSpace bool
	// EscapeSpaces makes a ModelBPE vocabulary character-level in the
	// SentencePiece way: ' ' is replaced by '▁' before the model runs and
	// '▁' decodes back to ' ' (HF Replace(" ", "▁") normalizer or Metaspace
	// pre-tokenizer, as in Llama 2's tokenizer.json). ModelSPM always escapes.
	EscapeSpaces bool
	// NFC records that the source asks for Unicode NFC normalization (Qwen2's
	// tokenizer.json). It is carried through MarshalTokenizerJSON but the
	// encoder does not normalize: text already in NFC (almost all text)
	// encodes exactly as the reference does.
	NFC bool
	// StripLeadingSpace makes decoding drop the one space that AddPrefixSpace
	// introduced at the start of a sequence.
	StripLeadingSpace bool

	// Added are tokens matched in the input text before the vocabulary model
	// runs (HF added_tokens). Special ones are only matched when encoding with
	// special-token parsing on, and are skipped by Decode when asked.
	Added []AddedToken

	// BOS, EOS, UNK and PAD are token ids, or -1 when the tokenizer has none.
	BOS, EOS, UNK, PAD int
	// AddBOS and AddEOS say whether Encode with addSpecial=true adds them.
	AddBOS, AddEOS bool

	// ChatTemplate is the Jinja chat template (tokenizer_config.json
	// "chat_template" or GGUF tokenizer.chat_template), "" when none.
	ChatTemplate string
}

// AddedToken is a token matched verbatim in the input before normal encoding.
type AddedToken struct {
	ID      int
	Content string
	Special bool
	// LStrip and RStrip swallow whitespace on that side of the token, as in HF.
	LStrip, RStrip bool
	// SingleWord and Normalized follow HF's added_tokens fields.
	SingleWord, Normalized bool
}

// Vocabulary algorithms for Spec.Model.
const (
	ModelBPE = "bpe"
	ModelSPM = "spm"
)

// Pre-tokenizer presets for Spec.Pre.
const (
	PreNone          = ""
	PreGPT2          = "gpt2"
	PreLlama3        = "llama3"
	PreQwen2         = "qwen2"
	PreCL100K        = "cl100k"
	PreO200K         = "o200k"
	PreDeepSeekLLM   = "deepseek-llm"
	PreDeepSeekCoder = "deepseek-coder"
)

// Token types, numbered as GGUF and SentencePiece number them.
const (
	TypeUndefined   = 0
	TypeNormal      = 1
	TypeUnknown     = 2
	TypeControl     = 3
	TypeUserDefined = 4
	TypeUnused      = 5
	TypeByte        = 6
)
