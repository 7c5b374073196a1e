package ui

import (
	"context"
	"errors"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/psbox-dev/psbox/recorder"
)

// MESSAGES: each says what happened.

// errMsg is a recoverable error for the status line. Wrap the error in
// fatalError to end the program with an error view instead.
type errMsg struct{ err error }

// fatalError marks an error the UI cannot recover from.
type fatalError struct{ err error }

func (f fatalError) Error() string { return f.err.Error() }
func (f fatalError) Unwrap() error { return f.err }

// statusMsg is an informational line for the status line.
type statusMsg string

// statusClearedMsg clears the status line if nothing newer replaced it.
type statusClearedMsg struct{ seq int }

type payloadBuiltMsg struct {
	event string
	seed  int64
	body  []byte
	err   error
}

type eventFiredMsg struct {
	event   string
	results []FireResult
}

// exchangesFirstPageMsg carries the newest exchanges, newest first, for
// the first screen while the whole log is read.
type exchangesFirstPageMsg struct{ list []recorder.Summary }

// exchangesFollowedMsg carries the next summaries read from the log.
type exchangesFollowedMsg struct {
	batch recorder.Batch
	ch    <-chan recorder.Batch
}

// exchangeStreamEndedMsg: the log is no longer followed.
type exchangeStreamEndedMsg struct{}

// exchangeLoadedMsg carries one full exchange for the detail view.
type exchangeLoadedMsg struct{ ex recorder.Exchange }

type exchangeReplayedMsg struct {
	id     string
	result FireResult
}

type payloadCopiedMsg struct{ bytes int }

type webhooksLoadedMsg struct{ list []Webhook }

type webhookSavedMsg struct {
	hook Webhook
	verb string // "created", "updated", "archived"
}

// webhookRejectedMsg is a store error about the open form, shown inline.
type webhookRejectedMsg struct{ err error }

type casesRanMsg struct{ results []CaseResult }

// caseAcceptedMsg: the case's file now expects the actual answer; change
// says where (file:line) and what.
type caseAcceptedMsg struct{ name, file, change string }

// casesFailedMsg: the case files could not be loaded; err says every
// problem, one a line.
type casesFailedMsg struct{ err error }

// editorReadyMsg: the payload was written for the editor; run it.
type editorReadyMsg struct {
	event  string
	cmd    tea.ExecCommand
	result func() (string, error)
}

// payloadEditedMsg carries the text the user saved in the editor.
type payloadEditedMsg struct {
	event string
	text  string
}

// inlineEditRequestedMsg: no external editor; edit in a textarea.
type inlineEditRequestedMsg struct{ event string }

// COMMANDS: verb phrases returning tea.Cmd. Every call to a dependency runs
// inside the returned closure.

func reportError(err error) tea.Cmd {
	return func() tea.Msg { return errMsg{err} }
}

func reportStatus(s string) tea.Cmd {
	return func() tea.Msg { return statusMsg(s) }
}

func clearStatusAfter(d time.Duration, seq int) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return statusClearedMsg{seq} })
}

func buildPayload(b PayloadBuilder, event string, seed int64) tea.Cmd {
	return func() tea.Msg {
		if b == nil {
			return payloadBuiltMsg{event: event, seed: seed, err: errors.New("no payload builder")}
		}
		body, err := b.Build(event, seed)
		return payloadBuiltMsg{event: event, seed: seed, body: body, err: err}
	}
}

func fireEvent(ctx context.Context, f EventFirer, event string, seed int64, body []byte) tea.Cmd {
	return func() tea.Msg {
		if f == nil {
			return errMsg{errors.New("firing events is not available here")}
		}
		res, err := f.Fire(ctx, event, seed, body)
		if err != nil {
			return errMsg{err}
		}
		return eventFiredMsg{event: event, results: res}
	}
}

// firstPage is how many of the newest summaries the first frame shows.
const firstPage = 500

// loadFirstPage reads the newest exchanges from the end of the log.
func loadFirstPage(src ExchangeSource) tea.Cmd {
	if src == nil {
		return nil
	}
	return func() tea.Msg { return exchangesFirstPageMsg{src.Recent(firstPage)} }
}

// followExchanges starts following the log.
func followExchanges(ctx context.Context, src ExchangeSource) tea.Cmd {
	if src == nil {
		return nil
	}
	return waitForExchanges(src.Follow(ctx))
}

// waitForExchanges blocks for the next batch; Update issues it again after
// each one, so the stream re-arms itself.
func waitForExchanges(ch <-chan recorder.Batch) tea.Cmd {
	return func() tea.Msg {
		b, ok := <-ch
		if !ok {
			return exchangeStreamEndedMsg{}
		}
		return exchangesFollowedMsg{b, ch}
	}
}

func replayExchange(ctx context.Context, src ExchangeSource, r Replayer, id string) tea.Cmd {
	return func() tea.Msg {
		if r == nil || src == nil {
			return errMsg{errors.New("replay is not available here")}
		}
		ex, ok := src.Get(id)
		if !ok {
			return errMsg{gone(id)}
		}
		res, err := r.Replay(ctx, ex)
		if err != nil {
			return errMsg{err}
		}
		return exchangeReplayedMsg{id: id, result: res}
	}
}

func gone(id string) error {
	return errors.New("exchange " + id + " is no longer in the delivery log (pruned or rewritten)")
}

func loadExchange(src ExchangeSource, id string) tea.Cmd {
	return func() tea.Msg {
		if src == nil {
			return errMsg{errors.New("no recorder available")}
		}
		ex, ok := src.Get(id)
		if !ok {
			return errMsg{gone(id)}
		}
		return exchangeLoadedMsg{ex}
	}
}

// copyPayload copies the request body of exchange id.
func copyPayload(src ExchangeSource, c Clipboard, id string) tea.Cmd {
	return func() tea.Msg {
		if c == nil {
			return errMsg{errors.New("no clipboard available: open the detail and select the text with the mouse")}
		}
		if src == nil {
			return errMsg{errors.New("no recorder available")}
		}
		ex, ok := src.Get(id)
		if !ok {
			return errMsg{gone(id)}
		}
		text := string(ex.Request.Body)
		if err := c.Copy(text); err != nil {
			return errMsg{err}
		}
		return payloadCopiedMsg{bytes: len(text)}
	}
}

func loadWebhooks(ctx context.Context, s WebhookStore) tea.Cmd {
	return func() tea.Msg {
		if s == nil {
			return webhooksLoadedMsg{}
		}
		list, err := s.List(ctx)
		if err != nil {
			return errMsg{err}
		}
		return webhooksLoadedMsg{list}
	}
}

func createWebhook(ctx context.Context, s WebhookStore, target string, events []string) tea.Cmd {
	return func() tea.Msg {
		h, err := s.Create(ctx, target, events)
		if err != nil {
			return webhookRejectedMsg{err}
		}
		return webhookSavedMsg{h, "created"}
	}
}

func updateWebhookEvents(ctx context.Context, s WebhookStore, key string, events []string) tea.Cmd {
	return func() tea.Msg {
		h, err := s.UpdateEvents(ctx, key, events)
		if err != nil {
			return webhookRejectedMsg{err}
		}
		return webhookSavedMsg{h, "updated"}
	}
}

func archiveWebhook(ctx context.Context, s WebhookStore, key string) tea.Cmd {
	return func() tea.Msg {
		h, err := s.Archive(ctx, key)
		if err != nil {
			return errMsg{err}
		}
		return webhookSavedMsg{h, "archived"}
	}
}

func runCases(ctx context.Context, r CaseRunner) tea.Cmd {
	return func() tea.Msg {
		res, err := r.Run(ctx)
		if err != nil {
			return casesFailedMsg{err}
		}
		return casesRanMsg{res}
	}
}

func acceptCase(ctx context.Context, r CaseRunner, c CaseResult) tea.Cmd {
	return func() tea.Msg {
		change, err := r.Accept(ctx, c)
		if err != nil {
			return errMsg{err}
		}
		return caseAcceptedMsg{c.Name, c.File, change}
	}
}

// editPayload prepares the external editor, or asks for the inline one.
func editPayload(ed Editor, event, text string) tea.Cmd {
	return func() tea.Msg {
		if ed == nil {
			return inlineEditRequestedMsg{event}
		}
		cmd, result, err := ed.Prepare(text)
		if err != nil {
			return errMsg{err}
		}
		if cmd == nil {
			return inlineEditRequestedMsg{event}
		}
		return editorReadyMsg{event: event, cmd: cmd, result: result}
	}
}

// runEditor hands the terminal to the editor and reads the text back.
func runEditor(m editorReadyMsg) tea.Cmd {
	return tea.Exec(m.cmd, func(err error) tea.Msg {
		if err != nil {
			return errMsg{errors.New("the editor failed (" + err.Error() + "); check $EDITOR")}
		}
		text, err := m.result()
		if err != nil {
			return errMsg{err}
		}
		return payloadEditedMsg{event: m.event, text: text}
	})
}
