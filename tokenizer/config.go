package tokenizer

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

const configName = "tokenizer_config.json"

// hfConfig is the part of tokenizer_config.json this package reads.
type hfConfig struct {
	BOSToken           json.RawMessage `json:"bos_token"`
	EOSToken           json.RawMessage `json:"eos_token"`
	UNKToken           json.RawMessage `json:"unk_token"`
	PADToken           json.RawMessage `json:"pad_token"`
	AddBOSToken        *bool           `json:"add_bos_token"`
	AddEOSToken        *bool           `json:"add_eos_token"`
	ChatTemplate       json.RawMessage `json:"chat_template"`
	TokenizerClass     string          `json:"tokenizer_class"`
	AddedTokensDecoder map[string]struct {
		Content    string `json:"content"`
		LStrip     bool   `json:"lstrip"`
		RStrip     bool   `json:"rstrip"`
		SingleWord bool   `json:"single_word"`
		Normalized bool   `json:"normalized"`
		Special    bool   `json:"special"`
	} `json:"added_tokens_decoder"`
}

// applyConfig applies tokenizer_config.json to s: added_tokens_decoder
// entries missing from s, bos/eos/unk/pad tokens, add_bos_token,
// add_eos_token and chat_template. It returns tokenizer_class.
func applyConfig(s *Spec, data []byte) (string, error) {
	var c hfConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return "", fmt.Errorf("%s: %v: %w", configName, err, ErrInvalid)
	}
	if err := applyAddedDecoder(s, &c); err != nil {
		return "", err
	}
	for _, f := range []struct {
		key string
		raw json.RawMessage
		id  *int
	}{{"bos_token", c.BOSToken, &s.BOS}, {"eos_token", c.EOSToken, &s.EOS}, {"unk_token", c.UNKToken, &s.UNK}, {"pad_token", c.PADToken, &s.PAD}} {
		if f.raw == nil {
			continue
		}
		name, present, err := tokenName(f.raw)
		if err != nil {
			return "", fmt.Errorf("%s: %s: %v: %w", configName, f.key, err, ErrInvalid)
		}
		if !present {
			*f.id = -1
			continue
		}
		id, ok := findToken(s, name)
		if !ok {
			return "", fmt.Errorf("%s: %s: %q is not a token: %w", configName, f.key, name, ErrInvalid)
		}
		*f.id = id
	}
	if s.BOS < 0 {
		s.AddBOS = false
	}
	if s.EOS < 0 {
		s.AddEOS = false
	}
	if c.AddBOSToken != nil {
		if *c.AddBOSToken && s.BOS < 0 {
			return "", fmt.Errorf("%s: add_bos_token without a bos_token: %w", configName, ErrInvalid)
		}
		s.AddBOS = *c.AddBOSToken
	}
	if c.AddEOSToken != nil {
		if *c.AddEOSToken && s.EOS < 0 {
			return "", fmt.Errorf("%s: add_eos_token without an eos_token: %w", configName, ErrInvalid)
		}
		s.AddEOS = *c.AddEOSToken
	}
	tmpl, err := chatTemplate(c.ChatTemplate)
	if err != nil {
		return "", err
	}
	if tmpl != "" {
		s.ChatTemplate = tmpl
	}
	return c.TokenizerClass, nil
}

// applyAddedDecoder adds added_tokens_decoder entries not yet in s.Added.
func applyAddedDecoder(s *Spec, c *hfConfig) error {
	have := make(map[int]bool, len(s.Added))
	for _, a := range s.Added {
		have[a.ID] = true
	}
	keys := make([]int, 0, len(c.AddedTokensDecoder))
	for k := range c.AddedTokensDecoder {
		id, err := strconv.Atoi(k)
		if err != nil {
			return fmt.Errorf("%s: added_tokens_decoder key %q: not an id: %w", configName, k, ErrInvalid)
		}
		keys = append(keys, id)
	}
	sort.Ints(keys)
	for _, id := range keys {
		a := c.AddedTokensDecoder[strconv.Itoa(id)]
		if have[id] {
			continue
		}
		where := fmt.Sprintf("%s: added_tokens_decoder[%d]", configName, id)
		if a.Content == "" {
			return fmt.Errorf("%s: empty content: %w", where, ErrInvalid)
		}
		if err := placeToken(s, id, a.Content, where); err != nil {
			return err
		}
		s.Added = append(s.Added, AddedToken{
			ID: id, Content: a.Content, Special: a.Special, LStrip: a.LStrip, RStrip: a.RStrip,
			SingleWord: a.SingleWord, Normalized: a.Normalized,
		})
	}
	return nil
}

// tokenName reads a token given as a string, {"content": ...} or null.
func tokenName(raw json.RawMessage) (string, bool, error) {
	if isNull(raw) {
		return "", false, nil
	}
	var name string
	if err := json.Unmarshal(raw, &name); err == nil {
		return name, true, nil
	}
	var obj struct {
		Content *string `json:"content"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil || obj.Content == nil {
		return "", false, fmt.Errorf("want a string or {\"content\": ...}")
	}
	return *obj.Content, true, nil
}

// findToken looks a token up by added-token content, then vocab string.
func findToken(s *Spec, name string) (int, bool) {
	for _, a := range s.Added {
		if a.Content == name {
			return a.ID, true
		}
	}
	for id, v := range s.Vocab {
		if v == name {
			return id, true
		}
	}
	return -1, false
}

// chatTemplate reads chat_template: a string, or a list of {name, template}
// from which "default" is taken.
func chatTemplate(raw json.RawMessage) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	var str string
	if err := json.Unmarshal(raw, &str); err == nil {
		return str, nil
	}
	var list []struct {
		Name     string `json:"name"`
		Template string `json:"template"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return "", fmt.Errorf("%s: chat_template: want a string or [{name, template}]: %w", configName, ErrInvalid)
	}
	for _, t := range list {
		if t.Name == "default" {
			return t.Template, nil
		}
	}
	if len(list) > 0 {
		return "", fmt.Errorf("%s: chat_template: no template named \"default\": %w", configName, ErrInvalid)
	}
	return "", nil
}
