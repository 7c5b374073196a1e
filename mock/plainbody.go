package mock

import "unicode/utf8"

// plainWebhookBody reads the usual create or update body,
//
//	{"target": "https://…", "events": ["application_created", …]}
//
// without reflection: an object whose only keys are target, target_url
// and events, each at most once and not both target and target_url, with
// strings that hold no escapes, control characters or invalid UTF-8. It
// gives what decodeStrict plus webhookBody.fields give for such a body (a
// fuzz test holds it to that); for anything else it returns ok false and
// the caller takes that slower path, which also words every error.
func plainWebhookBody(b []byte) (target *string, events []string, ok bool) {
	p := plainParser{b: b}
	p.ws()
	if !p.eat('{') {
		return nil, nil, false
	}
	var seenTarget, seenURL, seenEvents bool
	p.ws()
	if !p.eat('}') {
		for {
			p.ws()
			key, kok := p.str()
			if !kok {
				return nil, nil, false
			}
			p.ws()
			if !p.eat(':') {
				return nil, nil, false
			}
			p.ws()
			switch key {
			case "target", "target_url":
				if seenTarget || seenURL {
					return nil, nil, false
				}
				if key == "target" {
					seenTarget = true
				} else {
					seenURL = true
				}
				t, tok := p.str()
				if !tok {
					return nil, nil, false
				}
				target = &t
			case "events":
				if seenEvents {
					return nil, nil, false
				}
				seenEvents = true
				evs, eok := p.strArray()
				if !eok {
					return nil, nil, false
				}
				events = evs
			default:
				return nil, nil, false
			}
			p.ws()
			if p.eat('}') {
				break
			}
			if !p.eat(',') {
				return nil, nil, false
			}
		}
	}
	p.ws()
	if p.i != len(p.b) {
		return nil, nil, false
	}
	return target, events, true
}

type plainParser struct {
	b []byte
	i int
}

func (p *plainParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *plainParser) eat(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a string with no escapes and no control characters, in valid
// UTF-8.
func (p *plainParser) str() (string, bool) {
	if !p.eat('"') {
		return "", false
	}
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			if !utf8.Valid(s) {
				return "", false
			}
			return string(s), true
		case c == '\\' || c < 0x20:
			return "", false
		}
		p.i++
	}
	return "", false
}

// strArray reads an array of plain strings; [] is an empty, non-nil slice.
func (p *plainParser) strArray() ([]string, bool) {
	if !p.eat('[') {
		return nil, false
	}
	out := make([]string, 0, 4)
	p.ws()
	if p.eat(']') {
		return out, true
	}
	for {
		p.ws()
		s, ok := p.str()
		if !ok {
			return nil, false
		}
		out = append(out, s)
		p.ws()
		if p.eat(']') {
			return out, true
		}
		if !p.eat(',') {
			return nil, false
		}
	}
}
