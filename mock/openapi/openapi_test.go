package openapi_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/mock/openapi"
	"github.com/psbox-dev/psbox/mock/openapi/openapitest"
)

func validator(t *testing.T, cat *fixtures.Catalog) (*openapitest.Validator, map[string]any) {
	t.Helper()
	doc, err := openapi.Document(cat, "1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	v, err := openapitest.New(doc)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	return v, m
}

// TestDocument_EveryEventAtSeveralSeeds validates every catalog event's
// payload, at seeds other than the ones its schema was inferred from,
// against the document's webhooks entry.
func TestDocument_EveryEventAtSeveralSeeds(t *testing.T) {
	v, _ := validator(t, fixtures.Builtin())
	seeds := []int64{0, 7, 42, 1 << 40, -5, rand.Int64()}
	for _, ev := range fixtures.Events() {
		for _, seed := range seeds {
			// A builder that built other events first: timestamps move on.
			b := fixtures.NewBuilder(seed)
			b.Build("application_created")
			p, err := b.Build(ev.Name)
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Event(ev.Name, p); err != nil {
				t.Errorf("seed %d: %v", seed, err)
			}
		}
		ex, err := v.Example(ev.Name)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Event(ev.Name, ex); err != nil {
			t.Errorf("the example of %s fails its own schema: %v", ev.Name, err)
		}
	}
}

// TestDocument_SchemasCatchWrongPayloads: a schema that accepted anything
// would pass the test above; these payloads must fail.
func TestDocument_SchemasCatchWrongPayloads(t *testing.T) {
	v, _ := validator(t, fixtures.Builtin())
	for name, edit := range map[string]fixtures.Edit{
		"a key of the wrong shape": {Path: "key", Value: "appl_short"},
		"a number as the email":    {Path: "content.email", Value: 5},
		"not an email":             {Path: "content.email", Value: "jane"},
		"a missing field":          {Path: "content.first_name", Unset: true},
		"a string timestamp":       {Path: "created_at", Value: "yesterday"},
		"another event's name":     {Path: "event", Value: "application_approved"},
	} {
		p, err := fixtures.Build("application_created", 3, edit)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Event("application_created", p); err == nil {
			t.Errorf("%s: the payload passed: %s", name, p)
		}
	}
}

func TestDocument_Provenance(t *testing.T) {
	_, doc := validator(t, fixtures.Builtin())
	hooks := doc["webhooks"].(map[string]any)
	if len(hooks) != len(fixtures.Events()) {
		t.Errorf("%d webhooks entries, want one per catalog event (%d)", len(hooks), len(fixtures.Events()))
	}
	for _, ev := range fixtures.Events() {
		op, _ := hooks[ev.Name].(map[string]any)["post"].(map[string]any)
		if op == nil {
			t.Fatalf("no webhooks.%s.post", ev.Name)
		}
		if op["x-psbox-confirmed"] != ev.Confirmed || op["x-psbox-source"] != ev.Source {
			t.Errorf("%s: x-psbox-confirmed %v, x-psbox-source %v; want %v, %q", ev.Name, op["x-psbox-confirmed"], op["x-psbox-source"], ev.Confirmed, ev.Source)
		}
	}
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v", doc["openapi"])
	}
	paths := doc["paths"].(map[string]any)
	for _, p := range []string{"/api/v2/webhooks", "/api/v2/webhooks/{key}", "/_psbox/events", "/_psbox/health", "/_psbox/deliveries", openapi.Path} {
		if paths[p] == nil {
			t.Errorf("paths lacks %s", p)
		}
	}
}

func TestDocument_SameBytes(t *testing.T) {
	a, _ := openapi.Document(fixtures.Builtin(), "1")
	b, _ := openapi.Document(fixtures.Builtin(), "1")
	if !bytes.Equal(a, b) || !strings.HasSuffix(string(a), "}\n") {
		t.Error("two documents of one catalog differ")
	}
}
