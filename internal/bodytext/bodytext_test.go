package bodytext

import "testing"

func TestPretty(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		ok   bool
	}{
		{`{"a":1,"b":[true]}`, "{\n  \"a\": 1,\n  \"b\": [\n    true\n  ]\n}", true},
		{"not json {", "not json {", true},
		{"", "", true},
		{"\xff\xfe\x00", "", false},
	} {
		got, ok := Pretty([]byte(c.in))
		if got != c.want || ok != c.ok {
			t.Errorf("Pretty(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
