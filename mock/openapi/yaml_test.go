package openapi

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/psbox-dev/psbox/fixtures"
	yaml "go.yaml.in/yaml/v3"
)

// roundTrip decodes YAML with a real YAML decoder and returns it as the
// JSON tree encoding/json would give.
func roundTrip(t *testing.T, y []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(y, &v); err != nil {
		t.Fatalf("the YAML does not decode: %v\n%s", err, y)
	}
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("the decoded YAML is not a JSON tree: %v", err)
	}
	var out any
	if err := json.Unmarshal(j, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestYAML_RoundTripsTheDocument(t *testing.T) {
	doc, err := Document(fixtures.Builtin(), "1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	y, err := YAML(doc)
	if err != nil {
		t.Fatal(err)
	}
	var want any
	if err := json.Unmarshal(doc, &want); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, roundTrip(t, y)); d != "" {
		t.Errorf("YAML read back differs from the JSON document (-want +got):\n%s", d)
	}
}

func TestYAML_Awkward(t *testing.T) {
	for _, in := range []string{
		`{}`, `[]`, `"x"`, `3`, `null`,
		`{"a":[],"b":{},"c":[[1,[2]],[],{"d":[{}]}],"e":[{"f":1,"g":[{"h":null}]}]}`,
		`{"a.b":1,"/x":2,"/":3,"/x/{y}":4,"a/b.c-d_e":5,"x:y":6,"200":"ok","true":false,"yes":"no","Null":null,"/a/{b}":"x","":"empty","-x":1,"a b":"c","~":"tilde"}`,
		`{"s":["line\nbreak","tab\there","quote\"back\\slash","\u0001ctl","\u2028sep","é ü 中","#not a comment","key: value","- item","'single'","  lead","trail  ","@at","*star","&amp","!bang","%pct","{brace}","[bracket]"]}`,
		`{"n":[0,-1,1.5,1e5,-2.5E-3,12345678901234567890]}`,
	} {
		y, err := YAML([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		var want any
		json.Unmarshal([]byte(in), &want)
		if d := cmp.Diff(want, roundTrip(t, y)); d != "" {
			t.Errorf("%s: read back differs (-want +got):\n%s\nYAML:\n%s", in, d, y)
		}
	}
}
