package tokenizer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// conversation is llama.cpp test-chat-template.cpp's fixed conversation.
var conversation = []Message{
	{"system", "You are a helpful assistant"},
	{"user", "Hello"},
	{"assistant", "Hi there"},
	{"user", "Who are you"},
	{"assistant", "   I am an assistant   "},
	{"user", "Another question"},
}

// noSystem is conversation with the system prompt folded into the first
// user turn, as llama.cpp does for templates without a system role.
var noSystem = append([]Message{{"user", "You are a helpful assistant\nHello"}}, conversation[2:]...)

func readChatTemplateFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "chat", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestChatTemplates(t *testing.T) {
	cases := []struct {
		file     string
		msgs     []Message
		bos, eos string
		want     string
	}{
		{"llama3.1.jinja", conversation, "<|begin_of_text|>", "<|eot_id|>",
			"<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n" +
				"You are a helpful assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>" +
				"<|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWho are you<|eot_id|>" +
				"<|start_header_id|>assistant<|end_header_id|>\n\nI am an assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nAnother question<|eot_id|>" +
				"<|start_header_id|>assistant<|end_header_id|>\n\n"},
		{"llama3.1.jinja", conversation[1:3], "<|begin_of_text|>", "<|eot_id|>",
			"<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>" +
				"<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|>" +
				"<|start_header_id|>assistant<|end_header_id|>\n\n"},
		// llama.cpp test-chat-template.cpp "phi-4".
		{"phi4.jinja", conversation, "", "",
			"<|im_start|>system<|im_sep|>You are a helpful assistant<|im_end|><|im_start|>user<|im_sep|>Hello<|im_end|><|im_start|>assistant<|im_sep|>Hi there<|im_end|><|im_start|>user<|im_sep|>Who are you<|im_end|><|im_start|>assistant<|im_sep|>   I am an assistant   <|im_end|><|im_start|>user<|im_sep|>Another question<|im_end|><|im_start|>assistant<|im_sep|>"},
		{"qwen2.5.jinja", conversation, "", "<|im_end|>",
			"<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there<|im_end|>\n<|im_start|>user\nWho are you<|im_end|>\n<|im_start|>assistant\n   I am an assistant   <|im_end|>\n<|im_start|>user\nAnother question<|im_end|>\n<|im_start|>assistant\n"},
		{"qwen2.5.jinja", conversation[1:2], "", "<|im_end|>",
			"<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n"},
		// llama.cpp test-chat-template.cpp Mistral "v3" case (expected_output_jinja).
		{"mistral-v0.3.jinja", conversation, "", "</s>",
			"[INST] Hello[/INST] Hi there</s>[INST] Who are you[/INST] I am an assistant</s>[INST] You are a helpful assistant\n\nAnother question[/INST]"},
		// llama.cpp's google/gemma-7b-it expected_output_jinja, after Gemma 2's leading bos_token.
		{"gemma2.jinja", noSystem, "<bos>", "<eos>",
			"<bos><start_of_turn>user\nYou are a helpful assistant\nHello<end_of_turn>\n<start_of_turn>model\nHi there<end_of_turn>\n<start_of_turn>user\nWho are you<end_of_turn>\n<start_of_turn>model\nI am an assistant<end_of_turn>\n<start_of_turn>user\nAnother question<end_of_turn>\n<start_of_turn>model\n"},
		{"deepseek-v3.jinja", conversation, "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>",
			"<｜begin▁of▁sentence｜>You are a helpful assistant<｜User｜>Hello<｜Assistant｜>Hi there<｜end▁of▁sentence｜><｜User｜>Who are you<｜Assistant｜>   I am an assistant   <｜end▁of▁sentence｜><｜User｜>Another question<｜Assistant｜>"},
		{"llama2-chat.jinja", conversation, "<s>", "</s>",
			"<s>[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\nHello [/INST] Hi there </s><s>[INST] Who are you [/INST] I am an assistant </s><s>[INST] Another question [/INST]"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			got, err := RenderChatTemplate(readChatTemplateFile(t, c.file), c.msgs, true, c.bos, c.eos)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got\n%q\nwant\n%q", got, c.want)
			}
		})
	}
}

func TestChatTemplateErrors(t *testing.T) {
	// Gemma 2 raises on a system message; Llama 2 on non-alternating roles.
	for _, c := range []struct {
		file string
		msgs []Message
		msg  string
	}{
		{"gemma2.jinja", conversation, "System role not supported"},
		{"llama2-chat.jinja", []Message{{"user", "a"}, {"user", "b"}}, "must alternate"},
	} {
		_, err := RenderChatTemplate(readChatTemplateFile(t, c.file), c.msgs, true, "", "")
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: got %v, want %q", c.file, err, c.msg)
		}
	}
	if _, err := RenderChatTemplate("{% if %}", nil, false, "", ""); err == nil {
		t.Error("bad template compiled")
	}
}

func TestApplyChatTemplate(t *testing.T) {
	spec := &Spec{Model: ModelBPE, Vocab: []string{"a", "b", "ab", "<s>", "</s>"}, Merges: [][2]string{{"a", "b"}},
		BOS: 3, EOS: 4, UNK: -1, PAD: -1, Pre: PreGPT2}
	tok, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tok.ApplyChatTemplate(conversation, true); !errors.Is(err, ErrNoChatTemplate) {
		t.Errorf("no template: %v", err)
	}
	spec.ChatTemplate = readChatTemplateFile(t, "llama2-chat.jinja")
	tok, err = New(spec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tok.ApplyChatTemplate(conversation[1:3], false)
	if want := "<s>[INST] Hello [/INST] Hi there </s>"; err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
}
