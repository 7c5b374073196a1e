package tuiapp

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/internal/desktop"
	"github.com/psbox-dev/psbox/mock"
	"github.com/psbox-dev/psbox/mock/delivery"
	"github.com/psbox-dev/psbox/recorder"
	"github.com/psbox-dev/psbox/ui"
)

// deps implements the UI's interfaces over the real pieces.
type deps struct {
	rec    *recorder.Store
	hooks  *mock.Store
	sender *delivery.Sender
	target string
	stderr io.Writer
	cat    *fixtures.Catalog
}

func (d *deps) Build(event string, seed int64) ([]byte, error) {
	return d.cat.Build(event, seed)
}

// Fire delivers to every active webhook subscribed to event, or to the
// target when none is.
func (d *deps) Fire(ctx context.Context, event string, seed int64, body []byte) ([]ui.FireResult, error) {
	if body == nil {
		var err error
		if body, err = d.cat.Build(event, seed); err != nil {
			return nil, err
		}
	}
	// Who receives it is mock.Recipients' rule, with the target as the
	// fallback when no webhook subscribes.
	dispatch := &mock.Dispatcher{Subs: d.hooks, Sender: d.sender, Fallback: d.target, Catalog: d.cat}
	results, err := dispatch.Deliver(ctx, event, body, "")
	if err != nil {
		return nil, err
	}
	out := make([]ui.FireResult, len(results))
	for i, r := range results {
		out[i] = fireResult(r)
	}
	return out, nil
}

func fireResult(r delivery.Result) ui.FireResult {
	return ui.FireResult{Target: r.Target, DeliveryID: r.DeliveryID, OK: r.OK, Status: r.Status,
		Reason: r.Reason, Err: r.Err, Latency: r.Latency}
}

// Replay sends a recorded delivery's body again to the same target.
func (d *deps) Replay(ctx context.Context, ex recorder.Exchange) (ui.FireResult, error) {
	dl, err := delivery.Replay(&ex, "")
	if err != nil {
		return ui.FireResult{}, err
	}
	return fireResult(d.sender.Send(ctx, dl)), nil
}

func toUIWebhook(w mock.Webhook) ui.Webhook {
	return ui.Webhook{Key: w.Key, Target: w.Target, Events: w.Events, Archived: w.Archived, CreatedAt: time.UnixMilli(w.CreatedAt)}
}

// Copy puts text on the clipboard (internal/desktop).
func (d *deps) Copy(text string) error {
	return desktop.Copy(text, d.stderr, desktop.IsTerminal(d.stderr))
}

// Prepare opens the payload in $VISUAL/$EDITOR (internal/desktop).
func (d *deps) Prepare(text string) (tea.ExecCommand, func() (string, error), error) {
	cmd, result, err := desktop.EditCommand(text)
	if cmd == nil || err != nil {
		return nil, nil, err
	}
	return editorCmd{cmd}, result, nil
}

// editorCmd is an *exec.Cmd as tea.Exec runs it: the terminal's streams
// for the ones the command does not set.
type editorCmd struct{ *exec.Cmd }

func (c editorCmd) SetStdin(r io.Reader) {
	if c.Stdin == nil {
		c.Stdin = r
	}
}

func (c editorCmd) SetStdout(w io.Writer) {
	if c.Stdout == nil {
		c.Stdout = w
	}
}

func (c editorCmd) SetStderr(w io.Writer) {
	if c.Stderr == nil {
		c.Stderr = w
	}
}

// webhookAdapter gives mock.Store the UI's WebhookStore shape.
type webhookAdapter struct{ s *mock.Store }

func (a webhookAdapter) List(context.Context) ([]ui.Webhook, error) {
	list := a.s.List()
	out := make([]ui.Webhook, len(list))
	for i, w := range list {
		out[i] = toUIWebhook(w)
	}
	return out, nil
}

func (a webhookAdapter) Create(_ context.Context, target string, events []string) (ui.Webhook, error) {
	w, err := a.s.Create(target, events)
	return toUIWebhook(w), err
}

func (a webhookAdapter) UpdateEvents(_ context.Context, key string, events []string) (ui.Webhook, error) {
	w, err := a.s.Update(key, nil, events)
	return toUIWebhook(w), err
}

func (a webhookAdapter) Archive(_ context.Context, key string) (ui.Webhook, error) {
	w, err := a.s.Archive(key)
	return toUIWebhook(w), err
}

// cases runs the contract cases in dir against the target, loading the
// files on every run so edits are picked up.
type cases struct {
	dir    string
	sender *delivery.Sender
	target string
	cat    *fixtures.Catalog
}

func (c *cases) Run(ctx context.Context) ([]ui.CaseResult, error) {
	cases, err := c.cat.LoadCases(c.dir)
	if err != nil {
		return nil, fixtures.CaseFilesError(err)
	}
	results := fixtures.Run(ctx, cases, c.sender.DeliverCases(c.target), fixtures.RunOptions{Concurrency: 4})
	out := make([]ui.CaseResult, len(results))
	for i, r := range results {
		out[i] = ui.CaseResult{Name: r.Case.Name, Event: r.Case.Event, File: r.Case.File, Pass: r.Pass, Diff: r.Diff, Ref: r}
		if !r.Pass && r.Answer.Status == 0 && r.Answer.Reason != "" {
			out[i].Err = fmt.Sprintf("no answer from %s (%s): %s", c.target, r.Answer.Reason, r.Answer.Err)
		}
	}
	return out, nil
}

// Accept writes the case's actual answer into its file, as `psbox test
// --update` does, and says where (file:line) and what changed. The file
// is read again first: accepting one case rewrites it, and another case
// of the same file accepted next must be found where it now is.
func (c *cases) Accept(ctx context.Context, r ui.CaseResult) (string, error) {
	res, ok := r.Ref.(fixtures.Result)
	if !ok {
		return "", fmt.Errorf("case %q has no answer to accept; run the cases first", r.Name)
	}
	if res.Case.File != "" {
		cases, err := c.cat.LoadCases(res.Case.File)
		if err != nil {
			return "", fixtures.CaseFilesError(err)
		}
		found := false
		for _, fresh := range cases {
			if fresh.Name == res.Case.Name {
				res.Case, found = fresh, true
				break
			}
		}
		if !found {
			return "", fmt.Errorf("case %q is no longer in %s; press r to run the cases again", r.Name, res.Case.File)
		}
	}
	changes, err := fixtures.UpdateFiles([]fixtures.Result{res})
	return strings.Join(changes, "; "), err
}
