package tokenizer

import (
	"fmt"
)

func readPostProcessorNode(s *Spec, n node) error {
	typ, err := n.typ()
	if err != nil {
		return err
	}
	switch typ {
	case "ByteLevel":
		return nil
	case "Sequence":
		subs, err := n.list("processors")
		if err != nil {
			return err
		}
		for _, c := range subs {
			if err := readPostProcessorNode(s, c); err != nil {
				return err
			}
		}
		return nil
	case "TemplateProcessing":
		return readTemplate(s, n)
	case "RobertaProcessing", "BertProcessing":
		var cls, sep [2]any
		if _, err := n.get("cls", &cls); err != nil {
			return err
		}
		if _, err := n.get("sep", &sep); err != nil {
			return err
		}
		c, ok1 := cls[1].(float64)
		e, ok2 := sep[1].(float64)
		if !ok1 || !ok2 || c < 0 || e < 0 || int(c) >= len(s.Vocab) || int(e) >= len(s.Vocab) {
			return n.errf("", ErrInvalid, "cls/sep want [token, id] with ids in the vocabulary")
		}
		s.BOS, s.EOS, s.AddBOS, s.AddEOS = int(c), int(e), true, true
		return nil
	}
	return n.errf("type", ErrUnsupported, "post-processor %q", typ)
}

// templatePiece is one element of TemplateProcessing "single".
type templatePiece struct {
	SpecialToken *struct {
		ID string `json:"id"`
	} `json:"SpecialToken"`
	Sequence *struct {
		ID string `json:"id"`
	} `json:"Sequence"`
}

// readTemplate reads TemplateProcessing: one special token before the
// sequence is the BOS, one after it the EOS.
func readTemplate(s *Spec, n node) error {
	var single []templatePiece
	if _, err := n.get("single", &single); err != nil {
		return err
	}
	var specials map[string]struct {
		IDs []int `json:"ids"`
	}
	if _, err := n.get("special_tokens", &specials); err != nil {
		return err
	}
	var before, after []int
	seen := false
	for i, p := range single {
		switch {
		case p.Sequence != nil:
			if seen {
				return n.errf(fmt.Sprintf("single[%d]", i), ErrUnsupported, "template with two sequences")
			}
			seen = true
		case p.SpecialToken != nil:
			st, ok := specials[p.SpecialToken.ID]
			if !ok || len(st.IDs) != 1 || st.IDs[0] < 0 || st.IDs[0] >= len(s.Vocab) {
				return n.errf(fmt.Sprintf("single[%d]", i), ErrInvalid, "special token %q needs one id in special_tokens", p.SpecialToken.ID)
			}
			if seen {
				after = append(after, st.IDs[0])
			} else {
				before = append(before, st.IDs[0])
			}
		default:
			return n.errf(fmt.Sprintf("single[%d]", i), ErrInvalid, "want SpecialToken or Sequence")
		}
	}
	if len(before) > 1 || len(after) > 1 {
		return n.errf("single", ErrUnsupported, "template adding more than one token on a side")
	}
	if len(before) == 1 {
		s.BOS, s.AddBOS = before[0], true
	}
	if len(after) == 1 {
		s.EOS, s.AddEOS = after[0], true
	}
	return nil
}

func readDecoderNode(s *Spec, n node) error {
	typ, err := n.typ()
	if err != nil {
		return err
	}
	switch typ {
	case "ByteLevel", "ByteFallback", "Fuse":
		return nil
	case "Sequence":
		subs, err := n.list("decoders")
		if err != nil {
			return err
		}
		for _, c := range subs {
			if err := readDecoderNode(s, c); err != nil {
				return err
			}
		}
		return nil
	case "Replace":
		_, lit, isLit, err := n.pattern("pattern")
		if err != nil {
			return err
		}
		content, err := n.str("content", "")
		if err != nil {
			return err
		}
		if !isLit || lit != "▁" || content != " " {
			return n.errf("", ErrUnsupported, "Replace decoder other than \"▁\" → \" \"")
		}
		return nil
	case "Strip":
		content, err := n.str("content", "")
		if err != nil {
			return err
		}
		var start, stop int
		if _, err := n.get("start", &start); err != nil {
			return err
		}
		if _, err := n.get("stop", &stop); err != nil {
			return err
		}
		if content != " " || start > 1 || stop != 0 {
			return n.errf("", ErrUnsupported, "Strip decoder other than one leading space")
		}
		s.StripLeadingSpace = s.StripLeadingSpace || start == 1
		return nil
	case "Metaspace":
		return readMetaspace(s, n, true)
	}
	return n.errf("type", ErrUnsupported, "decoder %q", typ)
}
