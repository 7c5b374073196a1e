package ui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/psbox-dev/psbox/recorder"
)

// The interfaces below are everything the UI asks of the rest of psbox.
// Package tuiapp implements them with the real mock API, dispatcher, recorder
// and contract runner; the UI's tests implement them with small fakes. Every
// call runs inside a tea.Cmd, never in Update or View.

// FireResult is the outcome of one delivery attempt started from the UI.
type FireResult struct {
	Target     string
	DeliveryID string
	OK         bool   // the receiver answered 2xx
	Status     int    // 0 when no answer came
	Reason     string // one of the recorder.Reason* constants when !OK
	Err        string // transport error text, if any
	Latency    time.Duration
}

// EventFirer sends an event. A nil body means "the payload built from seed";
// otherwise body is sent as is. Where it goes (one target, or the event's
// subscriptions) is decided by the implementation.
type EventFirer interface {
	Fire(ctx context.Context, event string, seed int64, body []byte) ([]FireResult, error)
}

// PayloadBuilder builds the payload an event would carry for a seed.
type PayloadBuilder interface {
	Build(event string, seed int64) ([]byte, error)
}

// ExchangeSource is the delivery log as the UI sees it (recorder.LogView).
type ExchangeSource interface {
	// Recent returns the summaries of up to n of the newest exchanges,
	// newest first: the first screen, while Follow reads the history.
	Recent(n int) []recorder.Summary
	// Follow streams the summary of every exchange in the log, in log
	// order: the recorded ones first, then each one any psbox process
	// appends. The channel is closed when ctx ends.
	Follow(ctx context.Context) <-chan recorder.Batch
	// Get reads one full exchange by ID.
	Get(id string) (recorder.Exchange, bool)
}

// Replayer sends a recorded delivery again.
type Replayer interface {
	Replay(ctx context.Context, ex recorder.Exchange) (FireResult, error)
}

// Webhook is a subscription as the UI shows it.
type Webhook struct {
	Key       string
	Target    string
	Events    []string
	Archived  bool
	CreatedAt time.Time
}

// WebhookStore manages subscriptions. Its errors are shown to the user as
// they are, so they should say what was wrong and how to fix it.
type WebhookStore interface {
	List(ctx context.Context) ([]Webhook, error)
	Create(ctx context.Context, target string, events []string) (Webhook, error)
	UpdateEvents(ctx context.Context, key string, events []string) (Webhook, error)
	Archive(ctx context.Context, key string) (Webhook, error)
}

// CaseResult is one contract case after a run.
type CaseResult struct {
	Name  string
	Event string
	File  string
	Pass  bool
	Diff  string // unified go-cmp diff (-want +got) when !Pass
	Err   string // the case could not run (receiver down, bad file)
	Ref   any    // the runner's own value, handed back to Accept
}

// CaseRunner runs the contract cases and accepts an actual answer as the
// new expectation (the same code as `psbox test --update`).
type CaseRunner interface {
	Run(ctx context.Context) ([]CaseResult, error)
	// Accept returns where (file:line) and what it changed.
	Accept(ctx context.Context, r CaseResult) (change string, err error)
}

// Clipboard copies text for the user.
type Clipboard interface {
	Copy(text string) error
}

// Editor opens text in the user's editor. Prepare writes text where the
// editor can open it and returns the command to hand the terminal to
// (tea.Exec) and a function that reads the edited text back once the
// command has exited. A nil cmd (and nil error) means no external editor is
// configured: the UI then edits inline.
type Editor interface {
	Prepare(text string) (cmd tea.ExecCommand, result func() (string, error), err error)
}

// Status is what the status bar shows about the running sandbox.
type Status struct {
	APIAddr   string
	PublicKey string
	SecretKey string // shown masked
	Target    string // "" means: each event's subscriptions
	// Moved lists the default ports that were busy, each with where psbox
	// listens instead ("8485 busy: receiver on 127.0.0.1:40123"); shown on
	// screen at start and in the status bar.
	Moved []string
	// TemporaryTarget: Target is a port that exists only for this run (the
	// built-in receiver moved off its busy default), so no webhook may be
	// saved with it.
	TemporaryTarget bool
}
