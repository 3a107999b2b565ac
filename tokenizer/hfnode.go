package tokenizer

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// node is one JSON object of a tokenizer.json component (normalizer,
// pre_tokenizer, post_processor, decoder), read field by field so that every
// error can name its JSON path.
type node struct {
	path   string // e.g. "tokenizer.json: pre_tokenizer.pretokenizers[1]"
	fields map[string]json.RawMessage
}

// isNull reports whether raw is absent or JSON null.
func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

// parseNode reads an object; ok is false for null.
func parseNode(raw json.RawMessage, path string) (n node, ok bool, err error) {
	if isNull(raw) {
		return node{}, false, nil
	}
	n.path = path
	if err := json.Unmarshal(raw, &n.fields); err != nil {
		return node{}, false, fmt.Errorf("%s: want an object: %v: %w", path, err, ErrInvalid)
	}
	return n, true, nil
}

// readSection maps one optional pipeline section (normalizer,
// pre_tokenizer, post_processor, decoder) onto s with read; null or absent
// sections are skipped.
func readSection(s *Spec, raw json.RawMessage, path string, read func(*Spec, node) error) error {
	n, ok, err := parseNode(raw, path)
	if err != nil || !ok {
		return err
	}
	return read(s, n)
}

// errf returns an error about key of n wrapping sentinel.
func (n node) errf(key string, sentinel error, format string, args ...any) error {
	where := n.path
	if key != "" {
		where += "." + key
	}
	return fmt.Errorf("%s: %s: %w", where, fmt.Sprintf(format, args...), sentinel)
}

// get decodes field key into v; present is false when it is absent or null.
func (n node) get(key string, v any) (present bool, err error) {
	raw, ok := n.fields[key]
	if !ok || isNull(raw) {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, n.errf(key, ErrInvalid, "%v", err)
	}
	return true, nil
}

// typ returns the "type" field.
func (n node) typ() (string, error) {
	var t string
	if _, err := n.get("type", &t); err != nil {
		return "", err
	}
	return t, nil
}

// str returns a string field, def when absent.
func (n node) str(key, def string) (string, error) {
	v := def
	_, err := n.get(key, &v)
	return v, err
}

// boolean returns a bool field, def when absent.
func (n node) boolean(key string, def bool) (bool, error) {
	v := def
	_, err := n.get(key, &v)
	return v, err
}

// list returns the elements of an array field with their paths.
func (n node) list(key string) ([]node, error) {
	var raws []json.RawMessage
	if _, err := n.get(key, &raws); err != nil {
		return nil, err
	}
	out := make([]node, 0, len(raws))
	for i, raw := range raws {
		c, ok, err := parseNode(raw, fmt.Sprintf("%s.%s[%d]", n.path, key, i))
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, c)
		}
	}
	return out, nil
}

// child returns an object field.
func (n node) child(key string) (node, bool, error) {
	return parseNode(n.fields[key], n.path+"."+key)
}

// pattern reads a {"String": s} or {"Regex": r} pattern as a regexp.
func (n node) pattern(key string) (re string, literal string, isLiteral bool, err error) {
	p, ok, err := n.child(key)
	if err != nil {
		return "", "", false, err
	}
	if !ok {
		return "", "", false, n.errf(key, ErrInvalid, "missing pattern")
	}
	if s, err := p.str("String", ""); err != nil {
		return "", "", false, err
	} else if _, has := p.fields["String"]; has {
		return "", s, true, nil
	}
	r, err := p.str("Regex", "")
	if err != nil {
		return "", "", false, err
	}
	if _, has := p.fields["Regex"]; !has {
		return "", "", false, p.errf("", ErrInvalid, "want a String or Regex pattern")
	}
	return r, "", false, nil
}
