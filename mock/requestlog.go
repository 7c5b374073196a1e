package mock

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/psbox-dev/psbox/internal/humanize"
	"github.com/psbox-dev/psbox/recorder/httprec"
)

// LogRequests prints one line per request to w once it is answered: the
// time, method, path (without the query, which may hold secrets), status
// and latency, as `psbox serve` shows them.
func LogRequests(next http.Handler, w io.Writer) http.Handler {
	var mu sync.Mutex
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &httprec.StatusWriter{ResponseWriter: rw}
		defer func() {
			status := sw.Status
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
