package mock

import (
	"errors"
	"strings"
	"testing"

	"github.com/psbox-dev/psbox/mock/delivery"
)

// The store says what is wrong with a target in the words of
// delivery.ValidateTarget, the one home of that rule, under the field name.
func TestValidateTarget_SaysWhatDeliverySays(t *testing.T) {
	for _, target := range []string{"", "  ", "ftp://x.test/h", "http://", "http://u:p@x.test/", "::"} {
		err := ValidateTarget(target)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "target" {
			t.Errorf("ValidateTarget(%q) = %v, want a FieldError on target", target, err)
			continue
		}
		want := delivery.ValidateTarget(target)
		if want == nil || !strings.HasSuffix(want.Error(), fe.Msg) {
			t.Errorf("ValidateTarget(%q) says %q; delivery.ValidateTarget says %v", target, fe.Msg, want)
		}
	}
	if err := ValidateTarget("http://localhost:3000/webhooks"); err != nil {
		t.Errorf("a good target: %v", err)
	}
}

func TestValidateTarget(t *testing.T) {
	for _, ok := range []string{"http://localhost:3000/webhooks", "https://example.com", "http://127.0.0.1:8485/", "https://[::1]:9/x?y=1"} {
		if err := ValidateTarget(ok); err != nil {
			t.Errorf("ValidateTarget(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "   ", "example.com/hooks", "ftp://example.com", "https://", "http://:80/x", "https://user:pw@example.com", "https://user@example.com", "http://exa mple.com", "javascript:alert(1)", "%zz"} {
		err := ValidateTarget(bad)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "target" {
			t.Errorf("ValidateTarget(%q) = %v, want a target FieldError", bad, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("error %q leaks the URL password", err)
		}
	}
}

func TestValidateEvents(t *testing.T) {
	if err := ValidateEvents([]string{"application_created", "agreement.accepted", "deal.created"}); err != nil {
		t.Errorf("known events rejected: %v", err)
	}
	for _, bad := range [][]string{nil, {}, {"nope"}, {"application_created", ""}, {"customer_created", "customer_created"}} {
		err := ValidateEvents(bad)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "events" {
			t.Errorf("ValidateEvents(%q) = %v, want an events FieldError", bad, err)
		}
	}
	if err := ValidateEvents([]string{"customer.create"}); err == nil || !strings.Contains(err.Error(), "did you mean") {
		t.Errorf("near miss gives %v, want a suggestion", err)
	}
}
