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
