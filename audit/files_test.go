package audit

import (
	"testing"

	"github.com/psbox-dev/psbox/mock/delivery"
)

func TestHeader(t *testing.T) {
	o := Options{Target: "http://127.0.0.1:1/hook", Seed: 7, Delivery: delivery.Options{Sign: delivery.SignNone}}
	if got, want := Header(o), "psbox audit of http://127.0.0.1:1/hook (seed 7; unsigned, no --effects)"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	o.Delivery.Sign, o.Effects = "standard-webhooks", "http://127.0.0.1:1/e/{event}/{key}"
	if got, want := Header(o), "psbox audit of http://127.0.0.1:1/hook (seed 7; signed standard-webhooks, effects measured)"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
