package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/internal/desktop"
	"github.com/psbox-dev/psbox/mock/delivery"
)

// defaultCaseDir is where `psbox test` looks when no PATH is given
// (psbox's choice: scanning "." would pick up unrelated JSON files).
const defaultCaseDir = "psbox-cases"

// contractOptions are the flags of `psbox test`.
type contractOptions struct {
	paths       []string
	target      string
	update      bool
	junit       string
	json        bool
	run         string
	concurrency int
	delivery    delivery.Config // --header, --sign, --secret, --timeout, --retries...
}

// validate checks the flags and returns the --run filter (nil: every case).
func (o *contractOptions) validate() (*regexp.Regexp, error) {
	if o.target == "" {
		return nil, usageError("--target is required: the URL of your webhook receiver, e.g. --target http://localhost:3000/webhooks")
	}
	if err := delivery.ValidateTarget(o.target); err != nil {
		return nil, usageError("--target: %v", err)
	}
	if o.concurrency < 1 {
		return nil, usageError("--concurrency must be 1 or more, not %d", o.concurrency)
	}
	if err := o.delivery.Validate(); err != nil {
		return nil, asUsage(err)
	}
	if len(o.paths) == 0 {
		if _, err := os.Stat(defaultCaseDir); err != nil {
			return nil, usageError("no case files: pass a case file or folder (psbox test PATH...), or put *.json cases in ./%s/", defaultCaseDir)
		}
		o.paths = []string{defaultCaseDir}
	}
	if o.run == "" {
		return nil, nil
	}
	re, err := regexp.Compile(o.run)
	if err != nil {
		return nil, usageError("--run %q is not a valid regular expression: %v", o.run, err)
	}
	return re, nil
}

func newContractCmd(g *globals) *cobra.Command {
	o := &contractOptions{}
	cmd := &cobra.Command{
		Use:   "test [PATH...] --target URL",
		Short: "Run contract cases against your webhook receiver and diff its answers",
		Long: `Run contract cases against your webhook receiver.

Each case names a catalog event, a seed and edits; psbox builds that payload,
POSTs it to --target exactly as 'psbox trigger' would, and compares the answer
with the case's "expect": the status exactly, only the headers the case lists
(names case-insensitive), a JSON body structurally (paths named, -want +got),
any other body as text. "ignore" paths are left out of the comparison.

A case file is JSON holding one case or a list of them:

  {
    "name": "approved application is acknowledged",
    "event": "application_approved",
    "seed": 7,
    "set": {"content.email": "jane@example.com"},
    "unset": ["group.slug"],
    "headers": {"Authorization": "Bearer t0k"},
    "expect": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": {"ok": true}},
    "ignore": ["body.received_at", "body.items[*].id", "headers.Date"]
  }

"set" paths must exist in the event's payload; write "+path" to create a new
field. A string "body" is compared as text with an answer that is not JSON.

PATH is a case file or a folder of *.json case files (sub-folders are not
read; files are opened inside their folder, symlinks leading out are refused).
With no PATH, psbox reads ./psbox-cases/ (psbox's choice).

"headers" are request headers this case sends, each replacing the header of
the same name given with --header (which every case sends).

--update writes what the receiver answered into every case's "expect"
(status, body, and only the headers the case already lists), leaving the
rest of the file byte for byte as it was; a case whose answer already
equals its expect is not touched. It says how many cases it updated.

--run REGEXP sends only the matching cases; the others are counted as
skipped, and listed as skipped in --junit and --json.

--junit FILE is written even when the case files are invalid (exit 2): one
<error> per problem, named by its file:line, so a CI report shows why.

Cases are sent one at a time unless --concurrency says otherwise (psbox's
choice).

` + delivery.Help + `

Exit codes: 0 every case passed (or --update wrote them), 1 a case failed,
2 bad input (missing --target, bad URL, bad or missing case files).`,
		Example: `  psbox test --target http://localhost:3000/webhooks
  psbox test cases/ --target http://localhost:3000/webhooks --junit report.xml
  psbox test cases/approved.json --target http://localhost:3000/webhooks --run approved --update`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.paths = args
			return runContract(cmd.Context(), g, o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.target, "target", "", "URL of your webhook receiver (required)")
	f.BoolVar(&o.update, "update", false, "write what the receiver answered into every case's \"expect\" (status, body, listed headers)")
	f.StringVar(&o.junit, "junit", "", "also write a JUnit XML report to `FILE`")
	f.BoolVar(&o.json, "json", false, "print one JSON object per case per line")
	f.StringVar(&o.run, "run", "", "run only cases whose name matches `REGEXP`")
	f.IntVar(&o.concurrency, "concurrency", 1, "cases in flight at once")
	o.delivery.AddFlags(f)
	return cmd
}

func runContract(ctx context.Context, g *globals, o *contractOptions, stdout, stderr io.Writer) error {
	filter, err := o.validate()
	if err != nil {
		return err
	}
	cat, err := g.catalog()
	if err != nil {
		return err
	}
	cases, err := cat.LoadCases(o.paths...)
	if err != nil {
		if o.junit != "" {
			// A CI report step then shows why nothing ran: one <error>
			// per problem, with its file:line.
			if jerr := fixtures.WriteJUnitProblemsFile(o.junit, fixtures.Problems(err)); jerr != nil {
				fmt.Fprintf(stderr, "psbox: --junit: %v\n", jerr)
			}
		}
		return caseFileError(err)
	}
	if fixtures.Matching(cases, filter) == 0 {
		return usageError("--run %q matches none of the %d cases; check the case names", o.run, len(cases))
	}
	// The attempts are recorded where psbox already keeps state; test never
	// creates a state folder of its own.
	var wrap func(http.RoundTripper) http.RoundTripper
	if stateExists(g) {
		rec, err := startRecording(g, stderr, nil)
		if err != nil {
			return err
		}
		defer rec.close()
		wrap = rec.wrap()
	} else if !o.json {
		fmt.Fprintf(stderr, "psbox: not recording the attempts: there is no psbox state in %s (pass --state to record them)\n", g.state)
	}
	sender, err := o.delivery.NewSender(delivery.Options{
		Concurrency: o.concurrency,
		UserAgent:   "psbox/" + version,
		Wrap:        wrap,
	})
	if err != nil {
		return usageError("%v", err)
	}
	defer sender.Close()

	start := time.Now()
	results := fixtures.Run(ctx, cases, sender.DeliverCases(o.target), fixtures.RunOptions{Concurrency: o.concurrency, Filter: filter})
	total := time.Since(start)

	if o.json {
		err = fixtures.WriteJSONLines(stdout, results)
	} else {
		err = fixtures.WriteText(stdout, results, fixtures.TextOptions{Color: desktop.ColorOK(stdout)})
	}
	if err != nil {
		return fmt.Errorf("writing the report: %v", err)
	}
	if o.junit != "" {
		if err := fixtures.WriteJUnitFile(o.junit, results, total); err != nil {
			return usageError("--junit: %v; check that the folder exists and is writable", err)
		}
	}
	_, failed := fixtures.Summary(results)
	if o.update {
		out := stdout
		if o.json {
			out = stderr // keep stdout JSON Lines only
		}
		if err := fixtures.WriteUpdates(out, results); err != nil {
			return checkFailed("%s", indentRest(err.Error()))
		}
		return nil
	}
	if failed > 0 {
		return errSilent
	}
	return nil
}

// caseFileError reports every problem in the case files, one a line: exit 2.
func caseFileError(err error) error { return asUsage(fixtures.CaseFilesError(err)) }

func indentRest(s string) string { return strings.ReplaceAll(s, "\n", "\n  ") }
