package httprec

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestStatusWriter: the status noted is the first WriteHeader of 200 or
// more, else 200 once the body or a flush starts, else 0.
func TestStatusWriter(t *testing.T) {
	for _, tc := range []struct {
		name string
		do   func(w http.ResponseWriter)
		want int
	}{
		{"nothing sent", func(http.ResponseWriter) {}, 0},
		{"body only", func(w http.ResponseWriter) { w.Write([]byte("x")) }, 200},
		{"flush only", func(w http.ResponseWriter) { w.(http.Flusher).Flush() }, 200},
		{"informational first", func(w http.ResponseWriter) { w.WriteHeader(103); w.WriteHeader(201) }, 201},
		{"the first final status wins", func(w http.ResponseWriter) { w.WriteHeader(503); w.WriteHeader(200) }, 503},
		{"body then a late status", func(w http.ResponseWriter) { w.Write([]byte("x")); w.WriteHeader(500) }, 200},
	} {
		sw := &StatusWriter{ResponseWriter: httptest.NewRecorder()}
		tc.do(sw)
		if sw.Status != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, sw.Status, tc.want)
		}
	}
}
