package recorder

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
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
	return redactorFor(extraHeaders).exchange(ex)
}

// redactor is the one table of secret header names, built once for a set
// of extra names: the Store's encoder, Redact, RedactHeaders and the HAR
// export all ask it.
type redactor struct {
	extra []string // the extra names as given (redactorFor compares them)
	names []string // every secret header name, each once in lower case
}

func newRedactor(extra []string) *redactor {
	r := &redactor{extra: slices.Clone(extra)}
	for _, n := range slices.Concat(secretHeaders, extra) {
		if n = strings.ToLower(strings.TrimSpace(n)); n != "" && !slices.Contains(r.names, n) {
			r.names = append(r.names, n)
		}
	}
	return r
}

// lastRedactor is the redactor redactorFor built last: callers pass the
// same --redact-header list with every exchange.
var lastRedactor atomic.Pointer[redactor]

// redactorFor is newRedactor(extra), built again only when extra differs
// from the last call's.
func redactorFor(extra []string) *redactor {
	if r := lastRedactor.Load(); r != nil && slices.Equal(r.extra, extra) {
		return r
	}
	r := newRedactor(extra)
	lastRedactor.Store(r)
	return r
}

// secret reports whether the header named k (in any letter case) is one
// whose values are secret. The list is short and most names differ in
// length from every entry: this costs less than hashing k.
func (r *redactor) secret(k string) bool {
	for _, n := range r.names {
		if len(n) == len(k) && strings.EqualFold(n, k) {
			return true
		}
	}
	return false
}

// lineMayHoldSecret reports whether an encoded line may hold a whsec_
// token or a secret query parameter, anywhere in it. A whsec_ token is
// plain ASCII that JSON never escapes and base64 cannot spell (no '_'), so
// the line holds one exactly when the exchange does; secretQueryRe also
// reads "&" as \u0026. Header names and user-info are the redactor's.
func lineMayHoldSecret(line []byte) bool {
	return bytes.Contains(line, whsecMarker) || hasSecretQueryBytes(line)
}

func (r *redactor) exchange(ex Exchange) Exchange {
	ex.Target = redactURL(ex.Target)
	ex.Error = redactString(ex.Error)
	ex.Request.URL = redactURL(ex.Request.URL)
	ex.Request.Headers = r.headers(ex.Request.Headers)
	ex.Request.Body = redactBody(ex.Request.Body)
	if resp := ex.Response; resp != nil {
		// A copy only when something in the response changes.
		if r.headersNeedRedaction(resp.Headers) || bytes.Contains(resp.Body, whsecMarker) || hasSecretQueryBytes(resp.Body) {
			c := *resp
			c.Headers, c.Body = r.headers(resp.Headers), redactBody(resp.Body)
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
// in it is secret. The set of names is built once for a given extra.
func RedactHeaders(h map[string][]string, extra []string) map[string][]string {
	return redactorFor(extra).headers(h)
}

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

// headers returns h itself when nothing in it is secret, else a redacted
// copy.
func (r *redactor) headers(h map[string][]string) map[string][]string {
	if h == nil || !r.headersNeedRedaction(h) {
		return h
	}
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		k = redactString(k)
		secret := r.secret(k)
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

func (r *redactor) headersNeedRedaction(h map[string][]string) bool {
	for k, vs := range h {
		if r.secret(k) || strings.Contains(k, "whsec_") {
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
