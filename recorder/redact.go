package recorder

import (
	"bytes"
	"net/textproto"
	"regexp"
	"slices"
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

// secretQueryRe matches a URL query parameter whose name looks secret and
// its value, in a URL or in text holding one (an error, a JSON body, where
// "&" may be written \u0026). A name is secret, in any letter case, when
// it is token, key, secret, signature, sig, password, passwd, pwd, auth,
// session, credential or credentials, optionally after a prefix ending in
// "_", "-" or "." (api_key, access_token, client_secret, X-Amz-Signature,
// x-api-key), or apikey or accesstoken. The value goes up to the next &, #,
// quote, backslash or space.
var secretQueryRe = regexp.MustCompile(`(?i)((?:[?&]|\\u0026)(?:(?:[a-z0-9_.-]*[_.-])?(?:token|key|secret|signature|sig|password|passwd|pwd|auth|session|credentials?)|apikey|accesstoken)=)[^&#\s"'\\<>]*`)

// hasSecretQuery reports whether s holds a secret-looking query parameter.
func hasSecretQuery(s string) bool {
	return strings.IndexByte(s, '?') >= 0 && strings.IndexByte(s, '=') >= 0 && secretQueryRe.MatchString(s)
}

// hasSecretQueryBytes is hasSecretQuery for bytes.
func hasSecretQueryBytes(b []byte) bool {
	return bytes.IndexByte(b, '?') >= 0 && bytes.IndexByte(b, '=') >= 0 && secretQueryRe.Match(b)
}

// Redact returns ex with secrets replaced by "[redacted]": the values of
// Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key and of
// every header named in extraHeaders (names compared case-insensitively),
// any "whsec_" token in header names and values, URLs, bodies and error
// text, secret-looking query parameters (secretQueryRe) in the same
// places, and user-info (user:password@) in URLs. Signatures are kept: they
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
		if headersNeedRedaction(r.Headers, names) || bytes.Contains(r.Body, whsecMarker) || hasSecretQueryBytes(r.Body) {
			c := *r
			c.Headers, c.Body = redactHeaders(r.Headers, names), redactBody(r.Body)
			ex.Response = &c
		}
	}
	return ex
}

func redactString(s string) string {
	if strings.Contains(s, "whsec_") {
		s = whsecRe.ReplaceAllString(s, Redacted)
	}
	if hasSecretQuery(s) {
		s = secretQueryRe.ReplaceAllString(s, "${1}"+Redacted)
	}
	return s
}

func redactBody(b Body) Body {
	if bytes.Contains(b, whsecMarker) {
		b = whsecRe.ReplaceAll(b, []byte(Redacted))
	}
	if hasSecretQueryBytes(b) {
		b = secretQueryRe.ReplaceAll(b, []byte("${1}"+Redacted))
	}
	return b
}

// RedactText is the redaction of free text leaving psbox (an error, a
// delivery line): whsec_ values, user-info in URLs and secret-looking query
// parameters, as in the log.
func RedactText(s string) string {
	s = redactString(s)
	if strings.IndexByte(s, '@') >= 0 && strings.Contains(s, "://") {
		s = userInfoRe.ReplaceAllString(s, "${1}"+Redacted+"@")
	}
	return s
}

// userInfoRe matches the user-info of a URL inside text.
var userInfoRe = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/?#@\s"]*@`)

// RedactHeaders returns h with the values of secret headers (Authorization,
// Cookie, Set-Cookie, X-Api-Key and the like, and extra names) replaced and
// whsec_ values and secret query parameters removed; h itself when nothing
// in it is secret.
func RedactHeaders(h map[string][]string, extra []string) map[string][]string {
	if len(extra) == 0 {
		return redactHeaders(h, defaultSecretNames)
	}
	names := make(map[string]bool, len(secretHeaders)+len(extra))
	for _, n := range append(slices.Clone(secretHeaders), extra...) {
		if n = strings.TrimSpace(n); n != "" {
			names[textproto.CanonicalMIMEHeaderKey(n)] = true
		}
	}
	return redactHeaders(h, names)
}

// defaultSecretNames is secretHeaders as a set of canonical names.
var defaultSecretNames = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range secretHeaders {
		m[textproto.CanonicalMIMEHeaderKey(n)] = true
	}
	return m
}()

// RedactBody is the log's redaction of a body: whsec_ values and secret
// query parameters.
func RedactBody(b []byte) []byte { return redactBody(b) }

// redactURL removes user-info, whsec_ tokens and secret query parameters. It works on the text, so
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
			if strings.Contains(v, "whsec_") || hasSecretQuery(v) {
				return true
			}
		}
	}
	return false
}
