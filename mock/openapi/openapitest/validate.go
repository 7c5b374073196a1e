// Package openapitest checks HTTP answers and webhook payloads against
// psbox's OpenAPI document with a JSON Schema 2020-12 validator
// (santhosh-tekuri/jsonschema), the dialect OpenAPI 3.1 schemas are written
// in. Tests use it; psbox itself does not.
//
//	v, err := openapitest.New(doc)
//	if err != nil { ... }
//	err = v.Answer("GET", "/api/v2/webhooks", 200, rr.Header(), rr.Body.Bytes())
package openapitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

const docURL = "mem:///openapi.json"

// Validator holds one parsed document and its compiled schemas.
type Validator struct {
	doc      map[string]any
	compiler *jsonschema.Compiler

	mu       sync.Mutex
	compiled map[string]*jsonschema.Schema
}

// New parses doc, an OpenAPI 3.1 document in JSON.
func New(doc []byte) (*Validator, error) {
	root, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("the document is not JSON: %v", err)
	}
	m, ok := root.(map[string]any)
	if !ok || m["openapi"] == nil {
		return nil, fmt.Errorf("the document has no openapi field")
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(docURL, root); err != nil {
		return nil, err
	}
	return &Validator{doc: m, compiler: c, compiled: map[string]*jsonschema.Schema{}}, nil
}

// pointer escapes JSON Pointer tokens into a URL fragment.
func pointer(tokens ...string) string {
	var b strings.Builder
	for _, t := range tokens {
		t = strings.ReplaceAll(t, "~", "~0")
		t = strings.ReplaceAll(t, "/", "~1")
		b.WriteByte('/')
		for i := 0; i < len(t); i++ {
			c := t[i]
			if c == '{' || c == '}' || c == '%' || c == ' ' || c == '#' || c >= 0x80 {
				fmt.Fprintf(&b, "%%%02X", c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	return b.String()
}

func (v *Validator) schema(tokens ...string) (*jsonschema.Schema, error) {
	loc := docURL + "#" + pointer(tokens...)
	v.mu.Lock()
	defer v.mu.Unlock()
	if s := v.compiled[loc]; s != nil {
		return s, nil
	}
	s, err := v.compiler.Compile(loc)
	if err != nil {
		return nil, fmt.Errorf("compiling %s: %v", loc, err)
	}
	v.compiled[loc] = s
	return s, nil
}

func (v *Validator) validate(body []byte, tokens ...string) error {
	s, err := v.schema(tokens...)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("the body is not JSON: %v: %.200s", err, body)
	}
	if err := s.Validate(inst); err != nil {
		return fmt.Errorf("%v\nbody: %.2000s", err, body)
	}
	return nil
}

func obj(v any, key string) map[string]any {
	m, _ := v.(map[string]any)
	if m == nil {
		return nil
	}
	o, _ := m[key].(map[string]any)
	return o
}

// Template returns the document's path template that path matches (a
// literal path before one with {parameters}).
func (v *Validator) Template(path string) (string, bool) {
	paths := obj(v.doc, "paths")
	if _, ok := paths[path]; ok {
		return path, true
	}
	got := strings.Split(path, "/")
	for tmpl := range paths {
		want := strings.Split(tmpl, "/")
		if len(want) != len(got) {
			continue
		}
		match := true
		for i := range want {
			if strings.HasPrefix(want[i], "{") && strings.HasSuffix(want[i], "}") {
				match = got[i] != ""
			} else {
				match = want[i] == got[i]
			}
			if !match {
				break
			}
		}
		if match {
			return tmpl, true
		}
	}
	return "", false
}

// Answer checks one answer of the mock: the path must be described, the
// status listed for its operation (exactly, as NXX, or by default), and a
// body described as JSON must be JSON with that Content-Type that passes
// the schema. Request methods and paths the document does not describe
// (a wrong method, an unknown route) are checked against the "default"
// answer of the path's first operation, or skipped when the path is
// unknown: the document cannot describe every path that does not exist.
func (v *Validator) Answer(method, path string, status int, h http.Header, body []byte) error {
	path, _, _ = strings.Cut(path, "?")
	tmpl, ok := v.Template(path)
	if !ok {
		return nil
	}
	item := obj(v.doc, "paths")[tmpl].(map[string]any)
	op := strings.ToLower(method)
	if item[op] == nil {
		op = ""
		for _, m := range []string{"get", "post", "patch", "delete", "put"} {
			if item[m] != nil {
				op = m
				break
			}
		}
	}
	resps := obj(item[op], "responses")
	code := strconv.Itoa(status)
	if resps[code] == nil {
		if resps[code[:1]+"XX"] != nil {
			code = code[:1] + "XX"
		} else if resps["default"] != nil {
			code = "default"
		} else {
			return fmt.Errorf("%s %s answered %d, which the document does not list", method, tmpl, status)
		}
	}
	tokens := []string{"paths", tmpl, op, "responses", code}
	resp, _ := resps[code].(map[string]any)
	if r, ok := resp["$ref"].(string); ok {
		name := strings.TrimPrefix(r, "#/components/responses/")
		tokens = []string{"components", "responses", name}
		resp = obj(obj(v.doc, "components")["responses"], name)
	}
	content := obj(resp, "content")
	if content == nil {
		return nil
	}
	if content["application/json"] == nil {
		return fmt.Errorf("%s %s %s: only application/json is checked", method, tmpl, code)
	}
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if mt != "application/json" {
		return fmt.Errorf("%s %s answered %d with Content-Type %q, want application/json", method, path, status, h.Get("Content-Type"))
	}
	if err := v.validate(body, append(tokens, "content", "application/json", "schema")...); err != nil {
		return fmt.Errorf("%s %s answered %d against the document: %v", method, path, status, err)
	}
	return nil
}

// Request checks a request body sent to the mock against its operation's
// requestBody schema.
func (v *Validator) Request(method, path string, body []byte) error {
	tmpl, ok := v.Template(path)
	if !ok {
		return fmt.Errorf("%s is not in the document", path)
	}
	return v.validate(body, "paths", tmpl, strings.ToLower(method), "requestBody", "content", "application/json", "schema")
}

// Event checks a webhook payload against the document's webhooks entry for
// event.
func (v *Validator) Event(event string, payload []byte) error {
	if obj(v.doc, "webhooks")[event] == nil {
		return fmt.Errorf("the document has no webhooks entry %q", event)
	}
	if err := v.validate(payload, "webhooks", event, "post", "requestBody", "content", "application/json", "schema"); err != nil {
		return fmt.Errorf("event %s: %v", event, err)
	}
	return nil
}

// Example returns the example of event's payload in the document.
func (v *Validator) Example(event string) ([]byte, error) {
	mt := obj(obj(obj(obj(obj(v.doc, "webhooks")[event], "post"), "requestBody"), "content"), "application/json")
	if mt == nil || mt["example"] == nil {
		return nil, fmt.Errorf("event %s has no example", event)
	}
	return json.Marshal(mt["example"])
}
