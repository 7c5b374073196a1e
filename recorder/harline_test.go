package recorder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// slowHAREntry is the encoding/json path of the export for one line.
func slowHAREntry(t testing.TB, line []byte, red *redactor) ([]byte, bool) {
	t.Helper()
	var ex Exchange
	if err := json.Unmarshal(line, &ex); err != nil {
		return nil, false
	}
	e, err := harEntryJSON(red.exchange(ex))
	if err != nil {
		t.Fatal(err)
	}
	return e, true
}

// fuzzExchange builds an exchange from the fuzzer's strings, in the places
// a log line holds text.
func fuzzExchange(seed uint64, name, value, body, query, errText string) Exchange {
	var ex Exchange
	switch seed % 4 {
	case 0:
		ex = deliveryExchange(int(seed))
	case 1:
		ex, _ = secretExchange(seed, "")
	case 2:
		ex = sampleExchange(int(seed))
	default:
		ex = deliveryExchange(int(seed))
		ex.Response = nil
		ex.ErrorReason, ex.Error = ReasonRefused, errText
	}
	ex.ID = fmt.Sprintf("ex_%026d", seed)
	ex.Request.Headers = CloneHeaders(ex.Request.Headers)
	if name != "" {
		if ex.Request.Headers == nil {
			ex.Request.Headers = map[string][]string{}
		}
		ex.Request.Headers[name] = append(ex.Request.Headers[name], value)
	}
	if seed%3 == 0 {
		ex.Request.Body = Body(body)
	} else if ex.Response != nil {
		r := *ex.Response
		r.Body = Body(body)
		r.Headers = CloneHeaders(r.Headers)
		if value != "" {
			if r.Headers == nil {
				r.Headers = map[string][]string{}
			}
			r.Headers["Location"] = []string{value}
		}
		ex.Response = &r
	}
	if query != "" {
		ex.Request.URL += "?" + query
	}
	if seed%5 == 0 {
		ex.Request.Method = ""
		ex.Request.Truncated = true
	}
	ex.Duration = time.Duration(int64(seed) - 1<<40)
	return ex
}

// Every line the Store writes that the fast path takes becomes the entry
// the encoding/json path writes, byte for byte; with secrets in it, the
// fast path leaves the line to the path that redacts.
func FuzzHAREntry(f *testing.F) {
	f.Add(uint64(0), "X-Psbox-Event", "application_created", `{"a":"b\"c"}`, "a=1&b=2", "refused")
	f.Add(uint64(1), "content-type", "text/plain; charset=utf-8", "line\nbreak\ttab\u2028\x01", "", "")
	f.Add(uint64(2), "X-Api-Key", "k1", "caf\xe9", "token=t1", "whsec_abc")
	f.Add(uint64(3), "Location", "http://u:p@host/", "", "q=%zz", "Post \"http://x/?sig=1\": EOF")
	f.Add(uint64(4), "\u00e9t\u00e9", "\ufffd\xff", "{\"x\":\"\\u0041\"}", "x=1;y=2", "")
	f.Add(uint64(7), "AUTHORIZATION", "Bearer x", "user@example.com", "email=a@b", "")
	red := newRedactor([]string{"X-Partner-Token"})
	f.Fuzz(func(t *testing.T, seed uint64, name, value, body, query, errText string) {
		ex := fuzzExchange(seed, name, value, body, query, errText)
		secretLine := appendLine(nil, &ex)
		line, _ := encodeRedacted(nil, ex, red) // as Append writes it
		for _, l := range [][]byte{line[:len(line)-1], secretLine[:len(secretLine)-1]} {
			want, wantOK := slowHAREntry(t, l, red)
			got, ok := appendHAREntry([]byte("prefix"), l, red)
			if !bytes.HasPrefix(got, []byte("prefix")) {
				t.Fatalf("appendHAREntry lost what b held: %q", got)
			}
			got = got[len("prefix"):]
			if !ok {
				if len(got) != 0 {
					t.Fatalf("appendHAREntry declined the line but wrote %q", got)
				}
				continue
			}
			if !wantOK {
				t.Fatalf("the fast path took a line encoding/json does not read:\n%s", l)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("line %s\n fast %s\n want %s", l, got, want)
			}
		}
	})
}

// FuzzHAREntry_AnyLine: whatever the line, an entry the fast path writes
// is valid JSON and means what the encoding/json path's entry means.
func FuzzHAREntry_AnyLine(f *testing.F) {
	for i := range 6 {
		ex := fuzzExchange(uint64(i), "X-Test", "v", `{"a":1}`, "a=1", "e")
		l := appendLine(nil, &ex)
		f.Add(l[:len(l)-1])
	}
	f.Add([]byte(`{"id":"ex_1","request":{"method":"GET","url":"/","headers":{"A":["1" "2"]}}}`))
	f.Add([]byte(`{"id":"ex_1","request":{"url":"/\ud800","body":"\u00e9\/"},"start":"2026-01-02T03:04:05Z"}`))
	f.Add([]byte(`{"id":"ex_1","request":{},"response":{"status":1e3}}`))
	red := newRedactor(nil)
	f.Fuzz(func(t *testing.T, line []byte) {
		got, ok := appendHAREntry(nil, line, red)
		if !ok {
			return
		}
		if !json.Valid(got) {
			t.Fatalf("line %s\ngave invalid JSON %s", line, got)
		}
		want, wantOK := slowHAREntry(t, line, red)
		if !wantOK {
			t.Fatalf("the fast path took a line encoding/json does not read:\n%s\n%s", line, got)
		}
		var a, b any
		json.Unmarshal(got, &a)
		json.Unmarshal(want, &b)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("line %s\n fast %s\n want %s", line, got, want)
		}
	})
}

// The lines psbox trigger writes take the fast path (else the fuzz tests
// above compare nothing), and so do API calls whose secrets were redacted
// when recorded.
func TestAppendHAREntry_TakesTheStoresLines(t *testing.T) {
	red := newRedactor(nil)
	api := sampleExchange(3)
	api.Kind = KindAPI
	api.Request.Method = "GET"
	api.Request.URL = "http://127.0.0.1:8484/api/v2/webhooks?limit=5"
	api.Request.Headers = map[string][]string{"Authorization": {"Basic c2s6"}, "Accept": {"*/*"}}
	for _, ex := range []Exchange{deliveryExchange(1), sampleExchange(2), api} {
		line, _ := encodeRedacted(nil, ex, red)
		line = line[:len(line)-1]
		if _, ok := appendHAREntry(nil, line, red); !ok {
			t.Errorf("the fast path declined a line the Store wrote:\n%s", line)
		}
	}
}

// An export never holds a secret, even from a log whose records were
// written unredacted (by an older psbox, or by hand): those records take
// the path that redacts, with the Store's --redact-header names too.
func TestExportHAR_RedactsAnUnredactedLog(t *testing.T) {
	dir := t.TempDir()
	var log []byte
	var secrets []string
	for seed := range uint64(200) {
		ex, sec := secretExchange(seed, "")
		ex.ID = fmt.Sprintf("ex_%026d", seed)
		log = appendLine(log, &ex)
		secrets = append(secrets, sec...)
	}
	if err := os.WriteFile(filepath.Join(dir, FileName), log, 0o600); err != nil {
		t.Fatal(err)
	}
	s := openT(t, dir, Options{ReadOnly: true, RedactHeaders: []string{"x-partner-token"}})
	var har bytes.Buffer
	n, err := ExportHAR(&har, s, Filter{}, "psbox/test")
	if err != nil || n != 200 {
		t.Fatalf("ExportHAR: %d, %v", n, err)
	}
	checkNoSecrets(t, "HAR", har.Bytes(), secrets)
	if !json.Valid(har.Bytes()) || !strings.Contains(har.String(), Redacted) {
		t.Fatalf("not a redacted HAR document:\n%.2000s", har.String())
	}
}

// The streamed export of a log is the document of its records' entries as
// the encoding/json path writes them, in the log's order, across batches.
func TestExportHAR_SameAsEncodingJSON(t *testing.T) {
	s := openT(t, t.TempDir(), Options{MaxBatch: 4096})
	for i := range 1500 { // several batches
		ex := fuzzExchange(uint64(i), "X-N", fmt.Sprint(i), fmt.Sprintf(`{"n":%d}`, i), "", "refused")
		if i%7 == 0 {
			ex.Request.Body = Body{0xff, byte(i)} // base64: the encoding/json path
		}
		if _, err := s.Append(ex); err != nil {
			t.Fatal(err)
		}
	}
	var har bytes.Buffer
	if n, err := ExportHAR(&har, s, Filter{}, "psbox/1.0"); err != nil || n != 1500 {
		t.Fatalf("ExportHAR: %d, %v", n, err)
	}
	want := bytes.NewBufferString(`{"log":{"version":"1.2","creator":{"name":"psbox","version":"1.0"},"entries":[`)
	first := true
	s.Scan(Filter{}, func(line []byte, _ *Summary) error {
		e, _ := slowHAREntry(t, line, s.redactor)
		if !first {
			want.WriteByte(',')
		}
		first = false
		want.WriteByte('\n')
		want.Write(e)
		return nil
	})
	want.WriteString("\n]}}\n")
	if !bytes.Equal(har.Bytes(), want.Bytes()) {
		a, b := har.Bytes(), want.Bytes()
		i := 0
		for i < min(len(a), len(b)) && a[i] == b[i] {
			i++
		}
		t.Fatalf("the streamed export differs at byte %d:\n got %.300s\nwant %.300s", i, a[i:], b[i:])
	}
}
