package mock

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/psbox-dev/psbox/internal/humanize"
)

// LogRequests prints one line per request to w once it is answered: the
// time, method, path (without the query, which may hold secrets), status
// and latency, as `psbox serve` shows them.
func LogRequests(next http.Handler, w io.Writer) http.Handler {
	var mu sync.Mutex
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: rw}
		defer func() {
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			line := RequestLine(start, r.Method, r.URL.Path, status, time.Since(start))
			mu.Lock()
			io.WriteString(w, line)
			mu.Unlock()
		}()
		next.ServeHTTP(sw, r)
	})
}

// RequestLine is one request as `psbox serve` prints it.
func RequestLine(at time.Time, method, path string, status int, took time.Duration) string {
	return fmt.Sprintf("%s %-6s %s %d %s\n", at.Local().Format("15:04:05.000"), method, path, status, humanize.Latency(took))
}

// statusWriter notes the status a handler answers with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
