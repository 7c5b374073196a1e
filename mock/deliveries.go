package mock

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/psbox-dev/psbox/mock/openapi"
	"github.com/psbox-dev/psbox/recorder"
)

// DeliveriesHandler serves GET /_psbox/deliveries (psbox's own sandbox
// endpoint): the recorded exchanges, newest first, in the mock API's
// envelope {"data": {"items": [...]}, "message": "...", "status": 200}.
// Query parameters: event, failed (true/false), kind (delivery/api),
// delivery_id, limit (1 to openapi.DeliveriesMaxLimit, default
// openapi.DeliveriesDefaultLimit). A bad parameter gets a 400 in the
// same envelope naming it.
func DeliveriesHandler(s *recorder.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			WriteError(w, &StatusError{http.StatusMethodNotAllowed, "method " + r.Method + " is not allowed; use GET"})
			return
		}
		q := r.URL.Query()
		f := recorder.Filter{Event: q.Get("event"), DeliveryID: q.Get("delivery_id"), Limit: openapi.DeliveriesDefaultLimit}
		if v := q.Get("failed"); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				WriteError(w, &StatusError{http.StatusBadRequest, fmt.Sprintf("failed must be true or false, not %q", v)})
				return
			}
			f.Failed = b
		}
		k, err := recorder.ParseKind(q.Get("kind"))
		if err != nil {
			WriteError(w, &StatusError{http.StatusBadRequest, err.Error()})
			return
		}
		f.Kind = k
		if v := q.Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > openapi.DeliveriesMaxLimit {
				WriteError(w, &StatusError{http.StatusBadRequest, fmt.Sprintf("limit must be a whole number from 1 to %d, not %q", openapi.DeliveriesMaxLimit, v)})
				return
			}
			f.Limit = n
		}
		items := s.List(f)
		if items == nil {
			items = []recorder.Exchange{}
		}
		WriteJSON(w, http.StatusOK, map[string]any{"items": items}, fmt.Sprintf("%d exchanges", len(items)))
	})
}
