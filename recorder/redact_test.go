package recorder

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const b64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

func randToken(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = b64Alphabet[r.IntN(62)] // letters and digits: unique, never split
	}
	return string(b)
}

// randomCase spells a header name in a random mix of cases.
func randomCase(r *rand.Rand, s string) string {
	b := []byte(s)
	for i := range b {
		if r.IntN(2) == 0 {
			b[i] = bytes.ToUpper(b[i : i+1])[0]
		} else {
			b[i] = bytes.ToLower(b[i : i+1])[0]
		}
	}
	return string(b)
}

// secretExchange builds an exchange with secrets planted at places chosen
// by seed and returns it with the list of secret strings planted.
func secretExchange(seed uint64, extra string) (Exchange, []string) {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var secrets []string
	whsec := func() string {
		tok := randToken(r, 16+r.IntN(24))
		if extra != "" {
			tok += extra
		}
		secrets = append(secrets, tok)
		return "whsec_" + tok
	}
	plain := func() string {
		tok := randToken(r, 16+r.IntN(24))
		secrets = append(secrets, tok)
		return tok
	}
	ex := sampleExchange(int(seed % 1000))
	ex.Request.Headers = map[string][]string{
		"Content-Type":      {"application/json"},
		"Webhook-Signature": {"v1,c2lnbmF0dXJlLW5vdC1hLXNlY3JldA=="},
	}
	ex.Response.Headers = map[string][]string{"Content-Type": {"application/json"}}
	body := []byte(ex.Request.Body)
	respBody := []byte(ex.Response.Body)
	n := 1 + r.IntN(8)
	for range n {
		switch r.IntN(12) {
		case 0:
			ex.Request.Headers[randomCase(r, "Authorization")] = []string{"Bearer " + plain()}
		case 1:
			ex.Request.Headers[randomCase(r, "Proxy-Authorization")] = []string{"Basic " + plain()}
		case 2:
			ex.Request.Headers[randomCase(r, "Cookie")] = []string{"session=" + plain()}
		case 3:
			ex.Response.Headers[randomCase(r, "Set-Cookie")] = []string{"sid=" + plain() + "; HttpOnly"}
		case 4:
			ex.Request.Headers[randomCase(r, "X-Api-Key")] = []string{plain()}
		case 5:
			ex.Request.Headers[randomCase(r, "X-Partner-Token")] = []string{plain(), plain()}
		case 6:
			ex.Request.URL = "http://psbox:" + plain() + "@127.0.0.1:3000/hooks?secret=" + whsec()
			ex.Target = ex.Request.URL
		case 7:
			at := r.IntN(len(body))
			body = append(body[:at:at], append([]byte(whsec()), body[at:]...)...)
		case 8:
			at := r.IntN(len(respBody))
			respBody = append(respBody[:at:at], append([]byte(whsec()), respBody[at:]...)...)
		case 9:
			ex.Response.Headers["X-Echo"] = []string{"key=" + whsec() + ";"}
		case 10:
			ex.Request.Headers["X-Debug"] = []string{whsec()}
		case 11:
			ex.Error = "dial failed for secret " + whsec()
		}
	}
	ex.Request.Body, ex.Response.Body = body, respBody
	return ex, secrets
}

func checkNoSecrets(t *testing.T, where string, data []byte, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if bytes.Contains(data, []byte(s)) {
			t.Fatalf("%s contains the secret %q:\n%s", where, s, data)
		}
	}
}

func FuzzRedaction(f *testing.F) {
	for seed := range uint64(24) {
		f.Add(seed, "")
	}
	f.Add(uint64(99), "Zm9vYmFy+/==")
	f.Add(uint64(100), "-_-")
	f.Fuzz(func(t *testing.T, seed uint64, extra string) {
		// extra extends whsec_ tokens; keep it to the base64 alphabets.
		extra = strings.Map(func(r rune) rune {
			if strings.ContainsRune(b64Alphabet+"=-_", r) {
				return r
			}
			return -1
		}, extra)
		ex, secrets := secretExchange(seed, extra)
		dir := t.TempDir()
		s, err := Open(dir, Options{RedactHeaders: []string{"x-partner-token"}})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		before, _ := json.Marshal(ex)
		stored, err := s.Append(ex)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
		file, err := os.ReadFile(filepath.Join(dir, FileName))
		if err != nil {
			t.Fatal(err)
		}
		checkNoSecrets(t, "deliveries.jsonl", file, secrets)
		list, _ := json.Marshal(s.List(Filter{}))
		checkNoSecrets(t, "List", list, secrets)
		ret, _ := json.Marshal(stored)
		checkNoSecrets(t, "Append's result", ret, secrets)
		var har, jl bytes.Buffer
		if _, err := ExportHAR(&har, s, Filter{}, "psbox/test"); err != nil {
			t.Fatal(err)
		}
		checkNoSecrets(t, "HAR", har.Bytes(), secrets)
		if _, err := ExportJSONL(&jl, s, Filter{}); err != nil {
			t.Fatal(err)
		}
		checkNoSecrets(t, "JSONL", jl.Bytes(), secrets)
		// What is not secret survives.
		if got := stored.Request.Headers["Webhook-Signature"]; len(got) != 1 || got[0] != "v1,c2lnbmF0dXJlLW5vdC1hLXNlY3JldA==" {
			t.Fatalf("the signature was not kept: %v", got)
		}
		if !bytes.Contains(file, []byte("application_created")) && !bytes.Contains(file, []byte(ex.Event)) {
			t.Fatalf("the event name was lost")
		}
		// Redaction does not change the caller's exchange.
		if after, _ := json.Marshal(ex); !bytes.Equal(before, after) {
			t.Fatalf("Append changed the caller's exchange:\n%s\n%s", before, after)
		}
	})
}

func TestRedact_Examples(t *testing.T) {
	ex := Exchange{
		Target: "https://u:p4ss@example.com/x",
		Request: Request{
			URL:     "https://u:p4ss@example.com/x?k=whsec_abc+/=",
			Headers: map[string][]string{"authorization": {"Basic dTpw"}, "X-Mine": {"v"}, "X-Psbox-Signature": {"sha256=abc"}},
			Body:    Body(`{"secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw","n":1}`),
		},
	}
	got := Redact(ex, []string{"x-mine"})
	if got.Target != "https://[redacted]@example.com/x" || got.Request.URL != "https://[redacted]@example.com/x?k=[redacted]" {
		t.Errorf("urls: %q %q", got.Target, got.Request.URL)
	}
	if got.Request.Headers["authorization"][0] != Redacted || got.Request.Headers["X-Mine"][0] != Redacted || got.Request.Headers["X-Psbox-Signature"][0] != "sha256=abc" {
		t.Errorf("headers: %v", got.Request.Headers)
	}
	if string(got.Request.Body) != `{"secret":"[redacted]","n":1}` {
		t.Errorf("body: %s", got.Request.Body)
	}
	if ex.Request.Headers["authorization"][0] != "Basic dTpw" {
		t.Error("Redact changed its input")
	}
}

// Append redacts while it encodes; the line is the one redacting first and
// then encoding makes, and a clean exchange is reported as unchanged.
func TestEncodeLine_RedactsAsRedactWith(t *testing.T) {
	red := newRedactor([]string{"X-Partner-Token"})
	for seed := range uint64(500) {
		ex, _ := secretExchange(seed, "")
		if seed%5 == 0 {
			ex = sampleExchange(int(seed)) // nothing secret
		}
		got, gotEx := encodeRedacted(nil, ex, red)
		redacted := red.exchange(ex)
		want := appendLine(nil, &redacted)
		if string(got) != string(want) {
			t.Fatalf("seed %d:\n got %s\nwant %s", seed, got, want)
		}
		if exLine := appendLine(nil, &gotEx); string(exLine) != string(want) {
			t.Fatalf("seed %d: the returned exchange is not the redacted one:\n%s", seed, exLine)
		}
		if plain := appendLine(nil, &ex); string(plain) == string(want) && gotEx.Request.Headers != nil && reflect.ValueOf(gotEx.Request.Headers).Pointer() != reflect.ValueOf(ex.Request.Headers).Pointer() {
			t.Fatalf("seed %d: nothing was secret, yet the headers were copied", seed)
		}
	}
}

func TestAppend_SecretInHeaderName(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ex := sampleExchange(1)
	ex.Request.Headers = map[string][]string{"x-whsec_SeCrEtToKeN": {"v"}, "Content-Type": {"application/json"}}
	stored, err := s.Append(ex)
	if err != nil || s.Flush() != nil {
		t.Fatal(err)
	}
	file, _ := os.ReadFile(filepath.Join(dir, FileName))
	checkNoSecrets(t, "deliveries.jsonl", file, []string{"SeCrEtToKeN"})
	ret, _ := json.Marshal(stored)
	checkNoSecrets(t, "Append's result", ret, []string{"SeCrEtToKeN"})
	if _, ok := ex.Request.Headers["x-whsec_SeCrEtToKeN"]; !ok {
		t.Fatal("Append changed the caller's headers")
	}
}

// The names --redact-header adds are read in any letter case, and the set
// of names is built once for them, not again for each call.
func TestRedactHeaders_ExtraNamesBuiltOnce(t *testing.T) {
	extra := []string{" x-partner-token ", "X-Other"}
	h := map[string][]string{"X-PARTNER-TOKEN": {"t1"}, "x-other": {"t2"}, "Authorization": {"Bearer t3"}, "Content-Type": {"application/json"}}
	got := RedactHeaders(h, extra)
	for _, k := range []string{"X-PARTNER-TOKEN", "x-other", "Authorization"} {
		if v := got[k]; len(v) != 1 || v[0] != Redacted {
			t.Errorf("%s: %v, want [%s]", k, v, Redacted)
		}
	}
	if got["Content-Type"][0] != "application/json" || h["X-PARTNER-TOKEN"][0] != "t1" {
		t.Errorf("redacted too much, or changed the input: %v %v", got, h)
	}
	clean := map[string][]string{"Content-Type": {"application/json"}, "X-Request-Id": {"r1"}}
	if allocs := testing.AllocsPerRun(100, func() { RedactHeaders(clean, extra) }); allocs != 0 {
		t.Errorf("RedactHeaders with extra names allocates %v times a call on clean headers; the name set should be built once", allocs)
	}
}
