// Package mock is psbox's mock of the PartnerStack Webhooks API: an
// http.Handler on a Go 1.22 ServeMux over a durable subscription store, and
// the dispatcher that fires events at the subscriptions that match them.
//
// The store answers a change after it is in <state>/webhooks.journal
// (visible to other psbox commands at once, survives the server being
// killed); the journal is fsynced in the background within about 100 ms (group
// commit) and compacted into <state>/webhooks.json by Close:
//
//	st, err := mock.OpenStore(".psbox")
//	if err != nil { ... }
//	defer st.Close()
//	srv := mock.NewServer(st, mock.Options{PublicKey: "pk", SecretKey: "sk"})
package mock

import "slices"

// Webhook is one subscription, as the API returns it.
type Webhook struct {
	Key       string   `json:"key"`
	Target    string   `json:"target"`
	Events    []string `json:"events"`
	Archived  bool     `json:"archived"`
	CreatedAt int64    `json:"created_at"` // epoch ms
	UpdatedAt int64    `json:"updated_at"` // epoch ms
}

// Matches reports whether the webhook should receive event.
func (w Webhook) Matches(event string) bool {
	return !w.Archived && slices.Contains(w.Events, event)
}
