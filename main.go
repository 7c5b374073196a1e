// Command psbox is a local sandbox for PartnerStack webhooks: a mock of the
// PartnerStack Webhooks API, an event generator, a recorder of every
// exchange, contract tests against your receiver, and a terminal UI.
//
//	psbox                          # the TUI, mock API and a built-in receiver
//	psbox serve                    # the mock API, headless
//	psbox trigger application_created --to http://localhost:3000/webhooks
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/spf13/cobra"
)

// version is stamped into User-Agent and --version.
var version = "0.1.0-dev"

// globals are the flags every command shares.
type globals struct {
	state  string   // folder holding webhooks.json and deliveries.jsonl
	redact []string // extra header names redacted in the log
	// maxLogSize is --max-log-size as given ("" for no cap); logSize
	// parses it.
	maxLogSize string
	catalogDir string // the user's event folder (--catalog)

	cat *fixtures.Catalog // loaded by catalog()
}

// exitError carries an exit code: 1 a check failed, 2 bad usage or input.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageError is a user mistake: exit code 2.
func usageError(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

// asUsage marks an existing error as a user mistake (exit code 2).
func asUsage(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: 2, err: err}
}

// checkFailed is a failed check (a delivery or a contract case): exit code 1.
func checkFailed(format string, args ...any) error {
	return &exitError{code: 1, err: fmt.Errorf(format, args...)}
}

// exitInterrupted is the exit code after Ctrl-C (128 + SIGINT), as shells
// report it.
const exitInterrupted = 130

// errSilent exits 1 without printing: the command already reported why.
var errSilent = &exitError{code: 1, err: errors.New("")}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if msg := ee.Error(); msg != "" {
			fmt.Fprintf(stderr, "psbox: %s\n", msg)
		}
		return ee.code
	}
	// cobra's own errors: unknown command, bad flag, wrong arg count.
	fmt.Fprintf(stderr, "psbox: %s\nRun 'psbox --help' for usage.\n", err)
	return 2
}

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "psbox",
		Short: "A local sandbox for PartnerStack webhooks",
		Long: `psbox is a local sandbox for PartnerStack webhooks: a mock of the PartnerStack
Webhooks API, an event generator that fires realistic PartnerStack payloads,
a recorder of every exchange, contract tests and a terminal UI.

Run with no command to open the terminal UI.`,
		Example: `  psbox                                   # TUI + mock API + built-in receiver
  psbox serve                             # headless mock API on 127.0.0.1:8484
  psbox trigger application_created --to http://localhost:3000/webhooks`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          noArgs,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(flagError)

	defState := ".psbox"
	if v := os.Getenv("PSBOX_STATE"); v != "" {
		defState = v
	}
	root.PersistentFlags().StringVar(&g.state, "state", defState, "folder for webhooks.json and deliveries.jsonl (env PSBOX_STATE)")
	defMax := os.Getenv("PSBOX_MAX_LOG_SIZE")
	root.PersistentFlags().StringVar(&g.maxLogSize, "max-log-size", defMax, "rotate deliveries.jsonl into numbered segments once it reaches this `SIZE` (e.g. 500MB, 2GiB; env PSBOX_MAX_LOG_SIZE); every reader follows the segments; prune them with 'psbox deliveries prune'")
	root.PersistentFlags().StringVar(&g.catalogDir, "catalog", defaultCatalog(), catalogFlagHelp)
	root.PersistentFlags().StringSliceVar(&g.redact, "redact-header", nil, "also redact these header `NAMES` in the log (Authorization, Cookie, X-Api-Key and the like always are); repeatable or comma-separated")

	addTUI(root, g)
	root.AddCommand(
		newServeCmd(g),
		newEventsCmd(g),
		newTriggerCmd(g),
		newReceiveCmd(g),
		newDeliveriesCmd(g),
		newContractCmd(g),
		newOpenAPICmd(g),
		newAuditCmd(g),
	)
	addCompletions(root, g)
	return root
}
