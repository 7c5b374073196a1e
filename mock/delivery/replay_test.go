package delivery

import (
	"strings"
	"testing"

	"github.com/psbox-dev/psbox/recorder"
)

func TestReplay(t *testing.T) {
	ex := recorder.Exchange{ID: "ex_1", Kind: recorder.KindDelivery, DeliveryID: "dlv_1", Event: "e", Target: "http://r/h",
		Request: recorder.Request{Body: recorder.Body(`{"a":1}`)}}
	d, err := Replay(&ex, "")
	if err != nil || d.Target != "http://r/h" || d.ReplayOf != "dlv_1" || string(d.Body) != `{"a":1}` || d.Event != "e" {
		t.Errorf("Replay = %+v, %v", d, err)
	}
	if d, _ := Replay(&ex, "http://other/"); d.Target != "http://other/" {
		t.Errorf("Replay to another target went to %s", d.Target)
	}
	ex.Kind = recorder.KindAPI
	if _, err := Replay(&ex, ""); err == nil || !strings.Contains(err.Error(), "only deliveries can be replayed") {
		t.Errorf("Replay of an API call = %v; want a refusal", err)
	}
}
