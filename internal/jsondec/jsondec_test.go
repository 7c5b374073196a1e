package jsondec

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type member struct {
	Key string
	Val any
}

type obj struct{ Members []member }

func decode(t *testing.T, s string) (any, error) {
	t.Helper()
	return Decode([]byte(s), func() *obj { return &obj{} }, func(o *obj, k string, v any) {
		o.Members = append(o.Members, member{k, v})
	})
}

// Objects come out in file order, numbers exact, arrays never nil, and a
// repeated key reaches put twice.
func TestDecode_OrderAndNumbers(t *testing.T) {
	v, err := decode(t, `{"z":1.50,"a":[],"m":{"k":null,"k":true},"n":[12345678901234567890,"s"]}`)
	if err != nil {
		t.Fatal(err)
	}
	want := &obj{Members: []member{
		{"z", json.Number("1.50")},
		{"a", []any{}},
		{"m", &obj{Members: []member{{"k", nil}, {"k", true}}}},
		{"n", []any{json.Number("12345678901234567890"), "s"}},
	}}
	if d := cmp.Diff(want, v); d != "" {
		t.Fatalf("decoded tree (-want +got):\n%s", d)
	}
}

func TestDecode_Errors(t *testing.T) {
	for _, in := range []string{``, `{"a":1} {}`, `{"a":}`, `[1,2`, `{"a" 1}`} {
		if v, err := decode(t, in); err == nil {
			t.Errorf("%q decoded to %v, want an error", in, v)
		}
	}
	if _, err := decode(t, `[] x`); err == nil || !strings.Contains(err.Error(), "after the JSON value") {
		t.Errorf("trailing data: %v, want the trailing-data error", err)
	}
}
