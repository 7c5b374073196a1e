package httprec

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/psbox-dev/psbox/recorder"
)

// Middleware records every request to next as a KindAPI Exchange. The first
// recorder.MaxBodyBytes of the request body are read before next runs and
// handed back to it in front of the rest, so next sees the whole body (a
// body announced larger than that is not waited for: what next reads of it
// is kept, up to the same limit); the
// response is captured through a ResponseWriter wrapper that still
// supports http.Flusher and http.ResponseController.
func Middleware(rec Recorder) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			scheme := "http"
			if r.TLS != nil {
				scheme = "https"
			}
			url := scheme + "://" + r.Host + r.URL.RequestURI()
			ex := recorder.Exchange{
				Kind:   recorder.KindAPI,
				Target: url,
				Start:  start,
				Request: recorder.Request{
					Method:  r.Method,
					URL:     url,
					Headers: recorder.CloneHeaders(r.Header),
				},
			}
			var tee *teeHead
			switch {
			case r.ContentLength > recorder.MaxBodyBytes:
				// Announced over what is kept: the handler may refuse it from
				// the header (413 at once), so keep what it reads instead
				// of waiting for the body here.
				tee = &teeHead{r: r.Body}
				r = withBody(r, readCloser{tee, r.Body})
				ex.Request.Truncated = true
			case r.Body != nil && r.Body != http.NoBody:
				head, err := io.ReadAll(io.LimitReader(r.Body, recorder.MaxBodyBytes+1))
				rest := io.Reader(r.Body)
				if err != nil {
					rest = errReader{err}
				}
				n := min(len(head), recorder.MaxBodyBytes)
				ex.Request.Body = recorder.Body(bytes.Clone(head[:n]))
				ex.Request.Truncated = len(head) > recorder.MaxBodyBytes
				r = withBody(r, readCloser{io.MultiReader(bytes.NewReader(head), rest), r.Body})
			}
			rw := &responseRecorder{StatusWriter: StatusWriter{ResponseWriter: w}}
			defer func() {
				p := recover()
				status := rw.Status
				if status == 0 {
					status = http.StatusOK
					if p != nil {
						status = http.StatusInternalServerError // what net/http's client sees: a cut connection
					}
				}
				if tee != nil {
					ex.Request.Body = recorder.Body(tee.head)
				}
				body, truncated := rw.c.body()
				rw.c.release()
				ex.Response = &recorder.Response{Status: status, Headers: recorder.CloneHeaders(w.Header()), Body: body, Truncated: truncated}
				ex.Duration = time.Since(start)
				if err := r.Context().Err(); err != nil && rw.Status == 0 {
					ex.Error = "the client went away: " + err.Error()
					ex.ErrorReason = recorder.ReasonCanceled
				}
				if p != nil {
					ex.Error = fmt.Sprintf("the handler panicked: %v", p)
					ex.ErrorReason = recorder.ReasonNetwork
				}
				rec.Append(ex)
				if p != nil {
					panic(p) // net/http logs it and closes the connection, as without the middleware
				}
			}()
			next.ServeHTTP(rw, r)
		})
	}
}

// withBody is a shallow copy of r reading body. The server's own request
// keeps its own body: after the handler, net/http looks at it to decide
// whether to drain what is left or to close the connection, and must not
// wait for a large body the handler refused.
func withBody(r *http.Request, body io.ReadCloser) *http.Request {
	r = r.WithContext(r.Context())
	r.Body = body
	return r
}

// teeHead keeps the first recorder.MaxBodyBytes read through it.
type teeHead struct {
	r    io.Reader
	head []byte
}

func (t *teeHead) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if keep := min(n, recorder.MaxBodyBytes-len(t.head)); keep > 0 {
		t.head = append(t.head, p[:keep]...)
	}
	return n, err
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

type readCloser struct {
	io.Reader
	io.Closer
}

// responseRecorder is a StatusWriter that also keeps the first
// MaxBodyBytes of the body.
type responseRecorder struct {
	StatusWriter
	c capture
}

func (w *responseRecorder) Write(p []byte) (int, error) {
	n, err := w.StatusWriter.Write(p)
	w.c.Write(p[:n])
	return n, err
}
