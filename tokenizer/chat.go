package tokenizer

import (
	"errors"
	"fmt"

	"github.com/ardanlabs/jinja"
)

// ErrNoChatTemplate is returned by ApplyChatTemplate when the tokenizer's
// source carries no chat template.
var ErrNoChatTemplate = errors.New("tokenizer has no chat template")

// Message is one chat turn: Role is "system", "user", "assistant" (or a
// template-specific role such as "tool"), Content its text.
type Message struct {
	Role, Content string
}

// ApplyChatTemplate renders msgs with the tokenizer's chat template
// (Spec().ChatTemplate), passing the BOS and EOS token strings as bos_token
// and eos_token. addGenerationPrompt asks the template to open the
// assistant's turn. The result is text to Encode with ParseSpecial on and
// AddSpecial off (templates write the BOS text themselves).
func (t *Tokenizer) ApplyChatTemplate(msgs []Message, addGenerationPrompt bool) (string, error) {
	s := t.Spec()
	if s.ChatTemplate == "" {
		return "", ErrNoChatTemplate
	}
	return RenderChatTemplate(s.ChatTemplate, msgs, addGenerationPrompt, tokenText(s, s.BOS), tokenText(s, s.EOS))
}

// tokenText is the vocabulary string of id, or "" when id is absent.
func tokenText(s *Spec, id int) string {
	if id < 0 || id >= len(s.Vocab) {
		return ""
	}
	return s.Vocab[id]
}

// RenderChatTemplate renders a Hugging Face chat template (Jinja, with
// transformers' trim_blocks and lstrip_blocks) for msgs. The template sees
// messages (a list of {role, content} dicts), add_generation_prompt,
// bos_token and eos_token, plus the globals transformers provides
// (raise_exception, strftime_now, namespace, range). A raise_exception in the
// template becomes the returned error.
func RenderChatTemplate(tmpl string, msgs []Message, addGenerationPrompt bool, bosToken, eosToken string) (string, error) {
	ct, err := jinja.Compile(tmpl)
	if err != nil {
		return "", fmt.Errorf("tokenizer: chat template: %w", err)
	}
	list := make([]any, len(msgs))
	for i, m := range msgs {
		list[i] = map[string]any{"role": m.Role, "content": m.Content}
	}
	out, err := ct.Render(map[string]any{
		"messages":              list,
		"add_generation_prompt": addGenerationPrompt,
		"bos_token":             bosToken,
		"eos_token":             eosToken,
	})
	if err != nil {
		return "", fmt.Errorf("tokenizer: chat template: %w", err)
	}
	return out, nil
}
