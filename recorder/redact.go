package recorder

import (
	"bytes"
	"net/textproto"
	"regexp"
	"strings"
)

// Redacted replaces every secret the recorder removes.
const Redacted = "[redacted]"

// secretHeaders are always redacted, compared case-insensitively.
var secretHeaders = []string{
	"Authorization",
	"Proxy-Authorization",
	"Cookie",
	"Set-Cookie",
	"X-Api-Key",
}

// whsecRe matches a Standard Webhooks signing secret: "whsec_" and the
// base64 (standard or URL alphabet) that follows.
var whsecRe = regexp.MustCompile(`whsec_[A-Za-z0-9+/=_\-]*`)

var whsecMarker = []byte("whsec_")

// Redact returns ex with secrets replaced by "[redacted]": the values of
// Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key and of
// every header named in extraHeaders (names compared case-insensitively),
// any "whsec_" token in header names and values, URLs, bodies and error
// text, and user-info (user:password@) in URLs. Signatures are kept: they
// are derived from a secret but do not reveal it. ex itself is not changed.
// Append applies the same redaction before anything is written.
func Redact(ex Exchange, extraHeaders []string) Exchange {
	names := make(map[string]bool, len(secretHeaders)+len(extraHeaders))
	for _, h := range secretHeaders {
		names[textproto.CanonicalMIMEHeaderKey(h)] = true
	}
	for _, h := range extraHeaders {
		if h = strings.TrimSpace(h); h != "" {
			names[textproto.CanonicalMIMEHeaderKey(h)] = true
		}
	}
	return redactWith(ex, names)
}

func redactWith(ex Exchange, names map[string]bool) Exchange {
	ex.Target = redactURL(ex.Target)
	ex.Error = redactString(ex.Error)
	ex.Request.URL = redactURL(ex.Request.URL)
	ex.Request.Headers = redactHeaders(ex.Request.Headers, names)
	ex.Request.Body = redactBody(ex.Request.Body)
	if r := ex.Response; r != nil {
		// A copy only when something in the response changes.
		if headersNeedRedaction(r.Headers, names) || bytes.Contains(r.Body, whsecMarker) {
			c := *r
			c.Headers, c.Body = redactHeaders(r.Headers, names), redactBody(r.Body)
			ex.Response = &c
		}
	}
	return ex
}

func redactString(s string) string {
	if !strings.Contains(s, "whsec_") {
		return s
	}
	return whsecRe.ReplaceAllString(s, Redacted)
}

func redactBody(b Body) Body {
	if !bytes.Contains(b, whsecMarker) {
		return b
	}
	return whsecRe.ReplaceAll(b, []byte(Redacted))
}

// redactURL removes user-info and whsec_ tokens. It works on the text, so
// it also cleans strings that do not parse as URLs.
func redactURL(s string) string {
	s = redactString(s)
	i := strings.Index(s, "://")
	if i < 0 {
		return s
	}
	rest := s[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
		return s[:i+3] + Redacted + rest[at:]
	}
	return s
}

// redactHeaders returns h itself when nothing in it is secret, else a
// redacted copy.
func redactHeaders(h map[string][]string, names map[string]bool) map[string][]string {
	if h == nil || !headersNeedRedaction(h, names) {
		return h
	}
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		k = redactString(k)
		secret := names[textproto.CanonicalMIMEHeaderKey(k)]
		nv := make([]string, len(vs))
		for i, v := range vs {
			if secret {
				nv[i] = Redacted
			} else {
				nv[i] = redactString(v)
			}
		}
		out[k] = append(out[k], nv...)
	}
	return out
}

func headersNeedRedaction(h map[string][]string, names map[string]bool) bool {
	for k, vs := range h {
		if names[k] || strings.Contains(k, "whsec_") || names[textproto.CanonicalMIMEHeaderKey(k)] {
			return true
		}
		for _, v := range vs {
			if strings.Contains(v, "whsec_") {
				return true
			}
		}
	}
	return false
}
