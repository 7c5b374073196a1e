package delivery

import (
	"net/http"

	"github.com/psbox-dev/psbox/recorder"
)

// Redacted is r as it may leave psbox (--json, a delivery line, an error,
// a control-API answer), through the log's one redaction: the receiver's
// secret headers (Set-Cookie, X-Api-Key, Authorization and the like, and
// extraHeaders), whsec_ values, user-info and secret-looking query
// parameters in the target and the error text. r itself is not changed.
func (r Result) Redacted(extraHeaders []string) Result {
	r.Target = recorder.RedactText(r.Target)
	r.Err = recorder.RedactText(r.Err)
	if r.ResponseHeaders != nil {
		r.ResponseHeaders = http.Header(recorder.RedactHeaders(r.ResponseHeaders, extraHeaders))
	}
	if r.ResponseBody != nil {
		r.ResponseBody = recorder.RedactBody(r.ResponseBody)
	}
	return r
}

// Summary is r without the response's headers and body: how the delivery
// ended, small whatever the receiver answered (the whole answer is in the
// log).
func (r Result) Summary() Result {
	r.ResponseHeaders, r.ResponseBody = nil, nil
	return r
}
