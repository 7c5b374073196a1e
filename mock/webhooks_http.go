package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/psbox-dev/psbox/internal/handwritten"
	"github.com/psbox-dev/psbox/mock/openapi"
)

// webhookBody is a create or update request. Raw fields tell a missing
// field from one sent as null.
type webhookBody struct {
	Target    json.RawMessage `json:"target"`
	TargetURL json.RawMessage `json:"target_url"` // alias of target
	Events    json.RawMessage `json:"events"`
}

// fields decodes the body's fields; nil means the field was not sent.
func (b webhookBody) fields() (target *string, events []string, err error) {
	raw, name := b.Target, "target"
	if b.TargetURL != nil {
		if b.Target != nil {
			return nil, nil, &FieldError{"target", "sent both target and target_url; send only target"}
		}
		raw, name = b.TargetURL, "target_url"
	}
	if raw != nil {
		var t string
		if bytes.Equal(raw, []byte("null")) || json.Unmarshal(raw, &t) != nil {
			return nil, nil, &FieldError{name, fmt.Sprintf("got %s, want a URL string such as \"https://example.com/webhooks\"", clip(raw))}
		}
		target = &t
	}
	if b.Events != nil {
		if bytes.Equal(b.Events, []byte("null")) || json.Unmarshal(b.Events, &events) != nil {
			return nil, nil, &FieldError{"events", fmt.Sprintf(`got %s, want an array of event names such as ["application_created"]`, clip(b.Events))}
		}
		if events == nil {
			events = []string{}
		}
	}
	return target, events, nil
}

func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

// webhookFields reads a create or update body: the target (nil when not
// sent) and events (nil when not sent). A plain body takes a short path;
// anything else (escapes, null, unknown fields, bad syntax) goes through
// encoding/json, which gives the same answer or the precise error.
func webhookFields(w http.ResponseWriter, r *http.Request) (*string, []string, error) {
	raw, err := readJSON(w, r)
	if err != nil {
		return nil, nil, err
	}
	if handwritten.On(handwritten.PlainBody) {
		if target, events, ok := plainWebhookBody(raw); ok {
			return target, events, nil
		}
	}
	var body webhookBody
	if err := decodeStrict(raw, &body); err != nil {
		return nil, nil, err
	}
	return body.fields()
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) {
	target, events, err := webhookFields(w, r)
	if err != nil {
		WriteError(w, err)
		return
	}
	if target == nil {
		WriteError(w, &FieldError{"target", `is missing; send {"target": "https://example.com/webhooks", "events": [...]}`})
		return
	}
	if events == nil {
		WriteError(w, &FieldError{"events", `is missing; send {"target": ..., "events": ["application_created"]}`})
		return
	}
	hook, err := s.store.create(*target, events) // events are this request's own
	if err != nil {
		WriteError(w, err)
		return
	}
	writeHook(w, hook, "Webhook created")
}

func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	if _, ok := s.store.Get(key); !ok {
		WriteError(w, notFound(key))
		return
	}
	target, events, err := webhookFields(w, r)
	if err != nil {
		WriteError(w, err)
		return
	}
	if target == nil && events == nil {
		WriteError(w, &StatusError{http.StatusBadRequest, `nothing to update; send "target" and/or "events"`})
		return
	}
	hook, err := s.store.Update(key, target, events)
	switch {
	case errors.Is(err, ErrNotFound):
		WriteError(w, notFound(key))
	case errors.Is(err, ErrArchived):
		WriteError(w, &StatusError{http.StatusConflict, fmt.Sprintf("webhook %s is archived and cannot change; create a new one with POST /api/v2/webhooks", key)})
	case err != nil:
		WriteError(w, err)
	default:
		writeHook(w, hook, "Webhook updated")
	}
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	hook, ok := s.store.Get(key)
	if !ok {
		WriteError(w, notFound(key))
		return
	}
	writeHook(w, hook, "Webhook retrieved")
}

func (s *Server) archiveWebhook(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	hook, err := s.store.Archive(key)
	if errors.Is(err, ErrNotFound) {
		WriteError(w, notFound(key))
		return
	}
	if err != nil {
		WriteError(w, err)
		return
	}
	writeHook(w, hook, "Webhook archived")
}

func notFound(key string) error {
	return &StatusError{http.StatusNotFound, fmt.Sprintf("no webhook has key %q; list them with GET /api/v2/webhooks", key)}
}

// webhookList is the data of a list answer.
type webhookList struct {
	Items   []Webhook `json:"items"`
	HasMore bool      `json:"has_more"`
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := openapi.WebhooksDefaultLimit
	if v := q.Get("limit"); v != "" || q.Has("limit") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > openapi.WebhooksMaxLimit {
			WriteError(w, &FieldError{"limit", fmt.Sprintf("%q is not a whole number from 1 to %d; omit it for the default of %d", v, openapi.WebhooksMaxLimit, openapi.WebhooksDefaultLimit)})
			return
		}
		limit = n
	}
	after, before := q.Get("starting_after"), q.Get("ending_before")
	if after != "" && before != "" {
		WriteError(w, &StatusError{http.StatusBadRequest, "starting_after and ending_before cannot be combined; send one of them"})
		return
	}
	items, more, err := s.store.page(limit, after, before)
	if err != nil {
		WriteError(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, webhookList{Items: items, HasMore: more}, "Webhooks retrieved")
}
