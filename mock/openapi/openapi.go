// Package openapi describes psbox's mock in one OpenAPI 3.1 document: the
// five /api/v2/webhooks operations of PartnerStack's Webhooks API with their
// envelope, errors and both auth schemes, psbox's own /_psbox/* routes, and,
// under the top-level "webhooks", every catalog event with a JSON Schema of
// its payload, an example from the builder, and where the event comes from
// (x-psbox-confirmed, x-psbox-source). PartnerStack publishes no such
// document; this one is psbox's reading of PartnerStack's docs.
//
//	doc, err := openapi.Document(fixtures.Builtin(), "1.0.0")
//	if err != nil { ... }
//	os.Stdout.Write(doc) // JSON; openapi.YAML(doc) for YAML
package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/psbox-dev/psbox/fixtures"
)

// Path is where the mock serves the document, without auth.
const Path = "/_psbox/openapi.json"

// schemaSeeds are the seeds whose payloads an event's schema is inferred
// from; ExampleSeed gives the example shown.
var schemaSeeds = []int64{1, 2, 3, 4}

// ExampleSeed is the seed of every event's example.
const ExampleSeed = 1

// obj is a JSON object that keeps its keys in the order they were set.
type obj []kv

type kv struct {
	k string
	v any
}

// set returns o with k set to v (replacing an earlier k).
func (o obj) set(k string, v any) obj {
	for i := range o {
		if o[i].k == k {
			o[i].v = v
			return o
		}
	}
	return append(o, kv{k, v})
}

// MarshalJSON writes the keys in order.
func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(e.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := marshal(e.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

func ref(name string) obj { return obj{{"$ref", "#/components/schemas/" + name}} }

// Document returns the OpenAPI 3.1 document of the mock API and of cat's
// events, as indented JSON. The same catalog and version give the same
// bytes.
func Document(cat *fixtures.Catalog, version string) ([]byte, error) {
	evs := cat.Events()
	names := make([]string, len(evs))
	for i, e := range evs {
		names[i] = e.Name
	}
	schemas := apiSchemas(names)
	webhooks := obj{}
	groups := map[string]bool{}
	for _, ev := range evs {
		s, example, err := eventSchema(cat, ev)
		if err != nil {
			return nil, err
		}
		schemas = schemas.set(PayloadSchema(ev.Name), s)
		webhooks = webhooks.set(ev.Name, obj{{"post", eventOperation(ev, example)}})
		groups[ev.Group] = true
	}
	tagList := []any{
		obj{{"name", "webhooks"}, {"description", "PartnerStack's Webhooks API (/api/v2/webhooks), as psbox mocks it"}},
		obj{{"name", "sandbox"}, {"description", "psbox's own control routes under /_psbox/; PartnerStack has none of them"}},
	}
	var gs []string
	for g := range groups {
		gs = append(gs, g)
	}
	sort.Strings(gs)
	for _, g := range gs {
		tagList = append(tagList, obj{{"name", eventTag(g)}, {"description", "webhook events of the " + g + " group"}})
	}
	doc := obj{
		{"openapi", "3.1.0"},
		{"info", obj{
			{"title", "psbox: mock PartnerStack Webhooks API and webhook events"},
			{"version", version},
			{"summary", "PartnerStack's Webhooks API as psbox mocks it, and the webhook events psbox sends"},
			{"description", "PartnerStack publishes no OpenAPI document of its webhooks; this is psbox's. " +
				"Each event under webhooks says in x-psbox-confirmed whether PartnerStack has published its name " +
				"and in x-psbox-source where its name and payload come from. Behaviour marked \"psbox's choice\" " +
				"is not documented by PartnerStack."},
			{"license", obj{{"name", "MIT"}, {"identifier", "MIT"}}}, // psbox's LICENSE
		}},
		{"servers", []any{obj{{"url", "http://127.0.0.1:8484"}, {"description", "psbox serve on its default address"}}}},
		{"security", []any{obj{{"basicAuth", []any{}}}, obj{{"bearerAuth", []any{}}}}},
		{"tags", tagList},
		{"paths", paths()},
		{"webhooks", webhooks},
		{"components", obj{
			{"schemas", schemas},
			{"responses", errorResponses()},
			{"headers", obj{{"Version", obj{
				{"description", "psbox's version (psbox's own header)"},
				{"schema", obj{{"type", "string"}}},
			}}}},
			{"securitySchemes", obj{
				{"basicAuth", obj{{"type", "http"}, {"scheme", "basic"}, {"description", "the public key as user name and the secret key as password, as PartnerStack's API uses"}}},
				{"bearerAuth", obj{{"type", "http"}, {"scheme", "bearer"}, {"description", "Authorization: Bearer SECRET_KEY (psbox's choice, accepted besides Basic)"}}},
			}},
		}},
	}
	b, err := marshal(doc)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// PayloadSchema is the name under components/schemas of an event's payload.
func PayloadSchema(event string) string { return event + "_payload" }

func eventTag(group string) string { return "events: " + group }

// eventSchema infers ev's payload schema from the builder's payloads at a
// few seeds, and returns the one at ExampleSeed as the example.
func eventSchema(cat *fixtures.Catalog, ev fixtures.Event) (obj, any, error) {
	n := newNode()
	var example any
	for _, seed := range schemaSeeds {
		b, err := cat.Build(ev.Name, seed)
		if err != nil {
			return nil, nil, err
		}
		v, err := decode(b)
		if err != nil {
			return nil, nil, fmt.Errorf("event %s: %v", ev.Name, err)
		}
		n.add(v)
		if seed == ExampleSeed {
			example = rawJSON(b)
		}
	}
	s := n.schema("")
	if e := n.prop["event"]; e != nil && len(e.types) == 1 && e.types["string"] && e.allStr == len(e.strs) && allEqual(e.strs, ev.Name) {
		if props, ok := get(s, "properties").(obj); ok {
			props.set("event", obj{{"const", ev.Name}})
		}
	}
	s = append(obj{{"title", ev.Name + " payload"}, {"description", ev.Description}}, s...)
	return s, example, nil
}

// rawJSON is JSON written as it is, keeping the builder's field order.
type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }

func eventOperation(ev fixtures.Event, example any) obj {
	desc := fmt.Sprintf("Sent as POST with a JSON body to each webhook subscribed to %s. Source: %s.", ev.Name, ev.Source)
	if !ev.Confirmed {
		desc += " PartnerStack has not published this event: its name and payload are a guess."
	}
	if ev.User {
		desc += " From your catalog folder, not built into psbox."
	}
	op := obj{
		{"operationId", "event." + ev.Name},
		{"summary", ev.Description},
		{"description", desc},
		{"tags", []string{eventTag(ev.Group)}},
		{"x-psbox-confirmed", ev.Confirmed},
		{"x-psbox-source", ev.Source},
		{"x-psbox-group", ev.Group},
		{"x-psbox-generation", ev.Generation},
	}
	if ev.User {
		op = op.set("x-psbox-user", true)
	}
	op = append(op,
		kv{"parameters", []any{
			obj{{"name", "X-Psbox-Event"}, {"in", "header"}, {"required", true}, {"description", "the event name (psbox's own header)"}, {"schema", obj{{"type", "string"}, {"const", ev.Name}}}},
			obj{{"name", "X-Psbox-Delivery"}, {"in", "header"}, {"required", true}, {"description", "the delivery id, the same on every attempt (psbox's own header)"}, {"schema", obj{{"type", "string"}, {"pattern", "^dlv_"}}}},
			obj{{"name", "webhook-signature"}, {"in", "header"}, {"required", false}, {"description", "Standard Webhooks signature, when psbox signs (--sign standard-webhooks), with webhook-id and webhook-timestamp"}, {"schema", obj{{"type", "string"}}}},
		}},
		kv{"requestBody", obj{
			{"required", true},
			{"content", obj{{"application/json", obj{
				{"schema", ref(PayloadSchema(ev.Name))},
				{"example", example},
			}}}},
		}},
		kv{"responses", obj{
			{"2XX", obj{{"description", "any 2xx answer counts as delivered (psbox's choice); redirects are not followed"}}},
			{"4XX", obj{{"description", "a failed delivery; psbox retries 429 when asked to (--retries)"}}},
			{"5XX", obj{{"description", "a failed delivery; psbox retries it when asked to (--retries)"}}},
		}},
		kv{"security", []any{}},
	)
	return op
}

func allEqual(vals []string, want string) bool {
	for _, v := range vals {
		if v != want {
			return false
		}
	}
	return len(vals) > 0
}

func get(o obj, k string) any {
	for _, e := range o {
		if e.k == k {
			return e.v
		}
	}
	return nil
}
