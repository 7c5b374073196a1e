package mock

import (
	"testing"
	"time"
)

func TestRequestLine_Format(t *testing.T) {
	at := time.Date(2026, 3, 14, 9, 26, 53, 120e6, time.Local)
	if got := RequestLine(at, "PATCH", "/api/v2/webhooks/whook_1", 404, 1500*time.Microsecond); got != "09:26:53.120 PATCH  /api/v2/webhooks/whook_1 404 1.5ms\n" {
		t.Errorf("got %q", got)
	}
}
