package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/psbox-dev/psbox/recorder"
)

// The receiver the delivery tests send to insists on a shared-token header
// and on a valid Standard Webhooks signature, as a production receiver
// would.
const (
	strictToken  = "X-Receiver-Token: t0k-42"
	strictSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
)

// strictArgs are the delivery flags that satisfy the strict receiver.
var strictArgs = []string{"--header", strictToken, "--sign", "standard-webhooks", "--secret", strictSecret}

// strictReceiver counts what it accepted and what it refused.
type strictReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	accepted []string // X-Psbox-Event of each accepted delivery
	refused  []string // why each refused one was refused
}

// newStrictReceiver starts a receiver that answers 401 unless the request
// carries the token header and a Standard Webhooks signature that verifies.
// The verification is written here from the specification
// (https://www.standardwebhooks.com), not taken from psbox's signer:
// HMAC-SHA256 with the base64-decoded key over "id.timestamp.body",
// base64, one of the space-separated "v1,<sig>" entries, a timestamp
// within five minutes.
func newStrictReceiver(t *testing.T) *strictReceiver {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(strictSecret, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	r := &strictReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		why := ""
		name, value, _ := strings.Cut(strictToken, ": ")
		id, ts, sigs := req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp"), req.Header.Get("webhook-signature")
		switch {
		case req.Header.Get(name) != value:
			why = "no token"
		case id == "" || ts == "" || sigs == "":
			why = "unsigned"
		default:
			sec, err := strconv.ParseInt(ts, 10, 64)
			if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
				why = "stale timestamp"
				break
			}
			m := hmac.New(sha256.New, key)
			io.WriteString(m, id+"."+ts+".")
			m.Write(body)
			want := base64.StdEncoding.EncodeToString(m.Sum(nil))
			why = "bad signature"
			for _, s := range strings.Fields(sigs) {
				if v, sig, ok := strings.Cut(s, ","); ok && v == "v1" && hmac.Equal([]byte(sig), []byte(want)) {
					why = ""
				}
			}
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if why != "" {
			r.refused = append(r.refused, why)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"`+why+`"}`)
			return
		}
		r.accepted = append(r.accepted, req.Header.Get("X-Psbox-Event"))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(r.Close)
	return r
}

// counts returns how many deliveries were accepted and refused so far.
func (r *strictReceiver) counts() (accepted, refused int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.accepted), len(r.refused)
}

// TestStrictReceiver_RefusesAForgedSignature shows the receiver's check can
// fail: a signature made with another key is refused.
func TestStrictReceiver_RefusesAForgedSignature(t *testing.T) {
	r := newStrictReceiver(t)
	code, _, _ := runTriggerCmd(t, t.TempDir(), "application_created", "--to", r.URL,
		"--header", strictToken, "--sign", "standard-webhooks", "--secret", "whsec_"+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)))
	if a, f := r.counts(); code != 1 || a != 0 || f != 1 || r.refused[0] != "bad signature" {
		t.Fatalf("exit %d, accepted %d, refused %v; want the forged signature refused", code, a, r.refused)
	}
}

// Every sender takes the same delivery flags: each passes the strict
// receiver with them and gets 401 without them.
func TestDeliveryFlags_EverySenderPassesAStrictReceiver(t *testing.T) {
	t.Run("trigger", func(t *testing.T) {
		for _, signed := range []bool{true, false} {
			r := newStrictReceiver(t)
			args := []string{"application_created", "--to", r.URL}
			if signed {
				args = append(args, strictArgs...)
			}
			code, _, stderr := runTriggerCmd(t, t.TempDir(), args...)
			wantDelivered(t, r, signed, code, stderr)
		}
	})

	t.Run("psbox test", func(t *testing.T) {
		cases := filepath.Join(t.TempDir(), "cases.json")
		writeFile(t, cases, `[{"name": "created", "event": "application_created", "seed": 1, "expect": {"status": 200, "body": {"ok": true}}},
 {"name": "approved", "event": "application_approved", "seed": 1, "expect": {"status": 200}}]`)
		for _, signed := range []bool{true, false} {
			r := newStrictReceiver(t)
			args := []string{cases, "--target", r.URL}
			if signed {
				args = append(args, strictArgs...)
			}
			code, out, stderr := runContractCmd(t, args...)
			if a, f := r.counts(); signed && (code != 0 || a != 2 || f != 0) || !signed && (code != 1 || a != 0 || f != 2 || !strings.Contains(out, "401")) {
				t.Errorf("signed=%v: exit %d, accepted %d, refused %d\n%s%s", signed, code, a, f, out, stderr)
			}
		}
	})

	t.Run("deliveries replay", func(t *testing.T) {
		for _, signed := range []bool{true, false} {
			r := newStrictReceiver(t)
			state := t.TempDir()
			// Recorded once with the flags, so there is something to replay.
			if code, _, stderr := runTriggerCmd(t, state, append([]string{"application_created", "--to", r.URL}, strictArgs...)...); code != 0 {
				t.Fatalf("trigger: %s", stderr)
			}
			id := newestDelivery(t, state).ID
			args := []string{"deliveries", "replay", id, "--state", state}
			if signed {
				args = append(args, strictArgs...)
			}
			code, out, stderr := runDeliveries(t, args...)
			if a, f := r.counts(); signed && (code != 0 || a != 2 || f != 0) || !signed && (code != 1 || a != 1 || f != 1) {
				t.Errorf("signed=%v: exit %d, accepted %d, refused %d\n%s%s", signed, code, a, f, out, stderr)
			}
		}
	})

	t.Run("serve", func(t *testing.T) {
		for _, signed := range []bool{true, false} {
			hooked, direct := newStrictReceiver(t), newStrictReceiver(t)
			args := []string{"--addr", "127.0.0.1:0", "--state", t.TempDir()}
			if signed {
				args = append(args, strictArgs...)
			}
			base, cancel, code, _, _ := startServe(t, args...)
			basic := func(r *http.Request) { r.SetBasicAuth(defaultPublicKey, defaultSecretKey) }
			if c, b := serveCall(t, "POST", base+"/api/v2/webhooks", `{"target": "`+hooked.URL+`", "events": ["application_created"]}`, basic); c != 200 {
				t.Fatalf("create: %d %s", c, b)
			}
			// Fan-out to the subscription, then an explicit target.
			for _, body := range []string{`{"event": "application_created", "seed": 3}`, `{"event": "application_approved", "target": "` + direct.URL + `"}`} {
				c, b := serveCall(t, "POST", base+"/_psbox/events", body, basic)
				var env struct {
					Data struct {
						Deliveries []struct {
							OK     bool `json:"ok"`
							Status int  `json:"status"`
						} `json:"deliveries"`
					} `json:"data"`
				}
				if c != 200 || json.Unmarshal([]byte(b), &env) != nil || len(env.Data.Deliveries) != 1 {
					t.Fatalf("fire %s: %d %s", body, c, b)
				}
				if d := env.Data.Deliveries[0]; d.OK != signed || !signed && d.Status != 401 {
					t.Errorf("signed=%v: fire %s answered %s", signed, body, b)
				}
			}
			cancel()
			<-code
			for name, r := range map[string]*strictReceiver{"subscription": hooked, "target": direct} {
				if a, f := r.counts(); signed && (a != 1 || f != 0) || !signed && (a != 0 || f != 1) {
					t.Errorf("signed=%v: the %s accepted %d, refused %d", signed, name, a, f)
				}
			}
		}
	})

	t.Run("TUI fire and replay", func(t *testing.T) {
		for _, signed := range []bool{true, false} {
			r := newStrictReceiver(t)
			args := []string{"--addr", "127.0.0.1:0", "--target", r.URL}
			if signed {
				args = append(args, strictArgs...)
			}
			sess := openTUIFromFlags(t, args...)
			res, err := sess.deps.Fire(t.Context(), "application_created", 5, nil)
			if err != nil || len(res) != 1 || res[0].OK != signed || !signed && res[0].Status != 401 {
				t.Fatalf("signed=%v: Fire = %+v, %v", signed, res, err)
			}
			if err := sess.rec.Flush(); err != nil {
				t.Fatal(err)
			}
			ex, _ := sess.rec.Get(sess.rec.List(recorder.Filter{DeliveryID: res[0].DeliveryID, Limit: 1})[0].ID)
			rr, err := sess.deps.Replay(t.Context(), ex)
			if err != nil || rr.OK != signed {
				t.Fatalf("signed=%v: Replay = %+v, %v", signed, rr, err)
			}
			if a, f := r.counts(); signed && (a != 2 || f != 0) || !signed && (a != 0 || f != 2) {
				t.Errorf("signed=%v: accepted %d, refused %d", signed, a, f)
			}
		}
	})
}

// wantDelivered checks one delivery went through (signed) or was refused
// with 401 (unsigned).
func wantDelivered(t *testing.T, r *strictReceiver, signed bool, code int, stderr string) {
	t.Helper()
	a, f := r.counts()
	if signed && (code != 0 || a != 1 || f != 0) || !signed && (code != 1 || a != 0 || f != 1 || !strings.Contains(stderr, "401")) {
		t.Errorf("signed=%v: exit %d, accepted %d, refused %d; stderr %s", signed, code, a, f, stderr)
	}
}

// openTUIFromFlags parses args as the bare psbox command's flags and opens
// what the UI runs over (mock API, log, adapters) without a terminal.
func openTUIFromFlags(t *testing.T, args ...string) *tuiSession {
	t.Helper()
	o := &tuiOptions{}
	cmd := &cobra.Command{}
	o.addFlags(cmd)
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	o.serve.resolveKeys(cmd)
	if err := o.validate(); err != nil {
		t.Fatal(err)
	}
	sess, err := openTUISession(&globals{state: t.TempDir()}, *o, t.Logf, nil, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.close(os.Stderr) })
	return sess
}

// newestDelivery is the newest delivery exchange in state's log.
func newestDelivery(t *testing.T, state string) recorder.Exchange {
	t.Helper()
	s, err := recorder.Open(state, recorder.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l := s.List(recorder.Filter{Kind: recorder.KindDelivery, Limit: 1})
	if len(l) != 1 {
		t.Fatal("no delivery recorded")
	}
	return l[0]
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The delivery flags are defined once: every sender has each of them, with
// the same default and the same help.
func TestDeliveryFlags_SameOnEveryCommand(t *testing.T) {
	root := newRootCmd(strings.NewReader(""), io.Discard, io.Discard)
	cmds := map[string]*cobra.Command{"psbox": root}
	for _, path := range [][]string{{"trigger"}, {"test"}, {"serve"}, {"deliveries", "replay"}} {
		c, _, err := root.Find(path)
		if err != nil {
			t.Fatal(err)
		}
		cmds[strings.Join(path, " ")] = c
	}
	for _, name := range []string{"header", "sign", "secret", "signature-header", "timeout", "retries", "retry-backoff", "allow-private", "insecure"} {
		want := cmds["trigger"].Flags().Lookup(name)
		if want == nil {
			t.Fatalf("trigger has no --%s", name)
		}
		for path, c := range cmds {
			f := c.Flags().Lookup(name)
			if f == nil {
				t.Errorf("%s has no --%s", path, name)
				continue
			}
			if f.Usage != want.Usage || f.DefValue != want.DefValue {
				t.Errorf("%s --%s differs from trigger's: %q (default %q)", path, name, f.Usage, f.DefValue)
			}
		}
	}
}

// A destination psbox refuses is one class everywhere: the printed result
// and the recorded exchange both say blocked_address, decided by the
// error's type (recorder.Classify), not by its words.
func TestDelivery_BlockedAddressIsOneClass(t *testing.T) {
	state := t.TempDir()
	code, out, stderr := runTriggerCmd(t, state, "application_created", "--to", "http://169.254.169.254/latest/meta-data/", "--json")
	if code != 1 || !strings.Contains(out, `"error_reason":"blocked_address"`) {
		t.Fatalf("exit %d, stdout %s stderr %s; want a blocked_address failure", code, out, stderr)
	}
	if ex := newestDelivery(t, state); ex.ErrorReason != recorder.ReasonBlocked {
		t.Errorf("recorded reason %q, want %q", ex.ErrorReason, recorder.ReasonBlocked)
	}
}
