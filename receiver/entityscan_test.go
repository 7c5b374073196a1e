package receiver

import (
	"testing"

	"github.com/psbox-dev/psbox/fixtures"
)

// entitySeeds are bodies at the edges of what scanEntity answers itself:
// names in other cases, repeated members, null and wrong-typed inner
// objects, escapes, numbers, bad JSON of every kind.
var entitySeeds = []string{
	``, ` `, `{}`, ` {} `, `{} x`, `{`, `}`, `[]`, `null`, `"s"`, `7`, `{"key": "a"} x`, `{"key": "a"`, ` [{"key": "a"}]`,
	`{"event": "customer_created", "data": {"key": "cus_1"}}`,
	`{"event": "deal_created", "data": "x", "key": 5, "partner_key": "part_1"}`,
	`{"event": 7, "team": {"key": "team_1"}}`,
	`{"EVENT": "a", "Key": "k", "DATA": {"KEY": "d"}}`,
	`{"key": "a", "key": null}`, `{"key": "a", "key": 1e999}`, `{"key": 1e999}`, `{"key": -0.5e+3}`,
	`{"data": {"key": "a"}, "data": {"partner_key": "b"}}`, `{"data": {"key": "a"}, "data": null}`,
	`{"data": {"key": "a"}, "data": "x"}`, `{"data": {"key": "a"}, "data": [1]}`, `{"data": nul}`,
	`{"team_member": {"team_key": "t"}, "partnership_key": "p"}`, `{"k\u0065y": "a"}`, `{"key": "\u0061"}`,
	`{"key": "Zoë"}`, `{"\u212aey": "a"}`, `{"key": "a\tb"}`, `{"key": "a` + "\x01" + `"}`, `{"x": "\q"}`,
	`{"x": [1, 2.5, -3e2, true, false, null, {"y": []}]}`, `{"x": 01}`, `{"x": 1.}`, `{"x": -}`, `{"x": .5}`,
	`{"x": 1e}`, `{"x": [1,]}`, `{"x": {"y": 1,}}`, `{"x" 1}`, `{,}`, `{"a":1 "b":2}`, `{"x": "\u12g4"}`,
	`{"x": tru}`, `{"x": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
}

// FuzzEntityOf holds the receiver's scanner to fixtures.ParseEntity
// (encoding/json): the same object-or-not answer, event and key for any
// body.
func FuzzEntityOf(f *testing.F) {
	for _, s := range entitySeeds {
		f.Add([]byte(s))
	}
	for _, ev := range fixtures.Events() {
		if b, err := fixtures.Build(ev.Name, 1); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, gotOK := entityOf(body)
		want, wantOK := fixtures.ParseEntity(body)
		if got != want || gotOK != wantOK {
			t.Fatalf("entityOf(%q) = %+v, %v; encoding/json says %+v, %v", body, got, gotOK, want, wantOK)
		}
	})
}

// Every catalog payload is answered by the scanner itself, not handed to
// encoding/json: the fast path is the path psbox's own deliveries take.
func TestScanEntity_CatalogPayloadsExact(t *testing.T) {
	for _, ev := range fixtures.Events() {
		for seed := int64(1); seed <= 3; seed++ {
			b, err := fixtures.Build(ev.Name, seed)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok, exact := scanEntity(b); !exact || !ok {
				t.Errorf("%s seed %d: scanned ok=%v exact=%v; want the scanner's own answer for an object", ev.Name, seed, ok, exact)
			}
		}
	}
}
