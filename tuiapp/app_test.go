package tuiapp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/mock"
	"github.com/psbox-dev/psbox/mock/delivery"
	"github.com/psbox-dev/psbox/receiver"
	"github.com/psbox-dev/psbox/recorder"
	"github.com/psbox-dev/psbox/recorder/httprec"
)

// The adapters over the real pieces: firing records an exchange that the
// subscription streams, to the target or to the subscribed webhooks, and
// replay marks the new attempt.
func TestDeps_FireRecordsAndStreams(t *testing.T) {
	dir := t.TempDir()
	rec, err := recorder.Open(dir, recorder.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	hooks, err := mock.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := hooks.Close(); err != nil {
			t.Error(err)
		}
	}()
	target := httptest.NewServer(receiver.New(io.Discard, receiver.Options{Status: http.StatusOK, Quiet: true}))
	defer target.Close()
	hooked := httptest.NewServer(receiver.New(io.Discard, receiver.Options{Status: http.StatusOK, Quiet: true}))
	defer hooked.Close()
	sender, err := delivery.New(delivery.Options{UserAgent: "psbox/test",
		Wrap: func(rt http.RoundTripper) http.RoundTripper { return httprec.Transport(rt, rec) }})
	if err != nil {
		t.Fatal(err)
	}
	defer sender.Close()
	d := &deps{rec: rec, hooks: hooks, sender: sender, target: target.URL}

	ctx := context.Background()
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	view := recorder.NewLogView(rec)
	ch := &followed{t: t, log: view, ch: view.Follow(fctx)}

	res, err := d.Fire(ctx, "application_created", 7, nil)
	if err != nil || len(res) != 1 || !res[0].OK || res[0].Target != target.URL {
		t.Fatalf("Fire = %+v, %v; want one delivery to the target", res, err)
	}
	ex := ch.next()
	want, _ := d.Build("application_created", 7)
	if ex.Event != "application_created" || !bytes.Equal(ex.Request.Body, want) || ex.Status() != 200 {
		t.Errorf("recorded %s %d %q; want the seed-7 payload answered 200", ex.Event, ex.Status(), ex.Request.Body)
	}
	var body map[string]any
	if err := json.Unmarshal(ex.Response.Body, &body); err != nil || body["received"] != true {
		t.Errorf("receiver answered %q, want the built-in receiver's {\"received\": true}", ex.Response.Body)
	}

	if _, err := (webhookAdapter{hooks}).Create(ctx, hooked.URL, []string{"application_approved"}); err != nil {
		t.Fatal(err)
	}
	res, err = d.Fire(ctx, "application_approved", 1, []byte(`{"edited":true}`))
	if err != nil || len(res) != 1 || res[0].Target != hooked.URL {
		t.Fatalf("Fire = %+v, %v; want one delivery to the subscribed webhook", res, err)
	}
	if ex2 := ch.next(); string(ex2.Request.Body) != `{"edited":true}` {
		t.Errorf("sent %q, want the edited body as is", ex2.Request.Body)
	}

	r, err := d.Replay(ctx, ex)
	if err != nil || !r.OK {
		t.Fatalf("Replay = %+v, %v", r, err)
	}
	if ex3 := ch.next(); ex3.ReplayOf != ex.DeliveryID || !bytes.Equal(ex3.Request.Body, ex.Request.Body) {
		t.Errorf("replay recorded replay_of %q body %q; want %q and the same body", ex3.ReplayOf, ex3.Request.Body, ex.DeliveryID)
	}
	if n := len(view.Recent(2)); n != 2 {
		t.Errorf("Recent(2) has %d summaries, want 2", n)
	}
	if ch.seen != 3 {
		t.Errorf("followed %d exchanges, want 3", ch.seen)
	}
}

// followed reads what a LogView streams, one full exchange at a time.
type followed struct {
	t       *testing.T
	log     *recorder.LogView
	ch      <-chan recorder.Batch
	pending []recorder.Summary
	seen    int
}

func (f *followed) next() recorder.Exchange {
	f.t.Helper()
	for len(f.pending) == 0 {
		select {
		case b := <-f.ch:
			f.pending = b.Summaries
		case <-time.After(5 * time.Second):
			f.t.Fatal("no exchange followed within 5s")
		}
	}
	sm := f.pending[0]
	f.pending = f.pending[1:]
	f.seen++
	ex, ok := f.log.Get(sm.ID)
	if !ok {
		f.t.Fatalf("exchange %s followed but not found", sm.ID)
	}
	return ex
}

func TestDeps_EditorRoundTrip(t *testing.T) {
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", "")
	d := &deps{}
	if cmd, _, err := d.Prepare("{}"); cmd != nil || err != nil {
		t.Fatalf("with no editor set, Prepare = %v, %v; want nil, nil (inline editing)", cmd, err)
	}
	t.Setenv("EDITOR", "sed -i s/1/2/")
	cmd, result, err := d.Prepare(`{"n":1}`)
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	got, err := result()
	if err != nil || got != `{"n":2}` {
		t.Errorf("edited text %q, %v; want {\"n\":2}", got, err)
	}
	args := cmd.(editorCmd).Args
	if _, err := os.Stat(args[len(args)-1]); !os.IsNotExist(err) {
		t.Error("the temp file was not removed")
	}
}
