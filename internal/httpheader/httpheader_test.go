package httpheader

import "testing"

func TestValid(t *testing.T) {
	for name, ok := range map[string]bool{"X-Team": true, "content-type": true, "": false, "X Team": false, "X:Team": false, "Ä": false} {
		if ValidName(name) != ok {
			t.Errorf("ValidName(%q) = %v", name, !ok)
		}
	}
	for v, ok := range map[string]bool{"Bearer t0k": true, "a\tb": true, "": true, "a\r\nB: 1": false, "a\x00": false, "a\x7f": false} {
		if ValidValue(v) != ok {
			t.Errorf("ValidValue(%q) = %v", v, !ok)
		}
	}
	if name, value, badName, found := Invalid(map[string][]string{"X-Ok": {"1"}, "X-Bad": {"a\nb"}}); !found || badName || name != "X-Bad" || value != "a\nb" {
		t.Errorf("Invalid = %q %q %v %v", name, value, badName, found)
	}
}
