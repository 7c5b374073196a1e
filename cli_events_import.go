package main

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/spf13/cobra"
)

// importOptions are the flags of `psbox events import`.
type importOptions struct {
	name, group, description string
	entry                    int
	force                    bool
}

func newEventsImportCmd(g *globals) *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "import FILE|ID --name NAME",
		Short: "Make an event of your catalog from a captured delivery",
		Long: `Write DIR/NAME.json (DIR is --catalog, default ./` + fixtures.DefaultCatalogDir + `) from a captured
delivery, so psbox can send it like a built-in event: trigger, serve, the
TUI, contract cases and psbox openapi all see it, marked as yours.

The capture is one of:
  - a file holding the raw JSON body PartnerStack sent;
  - a HAR file (psbox deliveries export --format har, or browser devtools):
    the entry with a request body, or the one --entry N names;
  - the id of an exchange psbox recorded (psbox deliveries lists them).

psbox receive prints each body it gets but records nothing: to import what a
real PartnerStack account sent it, save one printed body into a file.

Personal data is replaced by the builder's placeholders, so the file can be
committed: e-mail addresses, people's and business names, partner and
customer keys, phone numbers and key-shaped strings (appl_..., part_...).
The builder fills them from the seed, as it fills the built-in events. Read
the file before committing it: a field psbox does not recognise as personal
is kept as it was.`,
		Example: `  psbox events import captured.json --name invoice_paid
  psbox deliveries export --format har -o caught.har && psbox events import caught.har --name deal.won --entry 3
  psbox events import ex_01jd3k4m5n --name application_created   # replaces the built-in sample`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("events import takes one capture: a JSON file, a HAR file or a recorded exchange id, e.g. psbox events import body.json --name invoice_paid")
			}
			return runEventsImport(g, o, args[0], cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.name, "name", "", "the event's name (required); a built-in name replaces that event's sample")
	f.StringVar(&o.group, "group", "", "the event's group (default: the name up to its first _ or .)")
	f.StringVar(&o.description, "description", "", "what the event means (default: where it was imported from)")
	f.IntVar(&o.entry, "entry", 0, "the HAR entry to take, from 1 (default: the only one with a request body)")
	f.BoolVar(&o.force, "force", false, "overwrite DIR/NAME.json when it exists")
	return cmd
}

func runEventsImport(g *globals, o importOptions, src string, stdout, stderr io.Writer) error {
	if err := fixtures.ValidEventName(o.name); err != nil {
		if o.name == "" {
			return usageError("--name is required: the name of the new event, e.g. --name invoice_paid")
		}
		return asUsage(err)
	}
	body, from, err := capturedBody(g, src, o.entry, stderr)
	if err != nil {
		return err
	}
	dir := cmp.Or(g.catalogDir, fixtures.DefaultCatalogDir)
	path, err := fixtures.ImportEvent(fixtures.Import{Dir: dir, Name: o.name, Group: o.group, Description: o.description,
		From: from, Body: body, Force: o.force})
	if err != nil {
		return asUsage(err)
	}
	try := "psbox events show " + o.name + " --seed 1"
	if dir != fixtures.DefaultCatalogDir {
		try += " --catalog " + dir
	}
	fmt.Fprintf(stdout, "psbox: wrote %s (event %s, personal data replaced; read it before committing it); try %s\n", path, o.name, try)
	return nil
}

// capturedBody reads the payload of a capture: a file (raw JSON or HAR) or
// a recorded exchange's request body.
func capturedBody(g *globals, src string, entry int, stderr io.Writer) ([]byte, string, error) {
	if fi, err := os.Stat(src); err == nil && !fi.IsDir() {
		body, err := fixtures.ReadCapture(src, entry)
		return body, filepath.Base(src), asUsage(err)
	}
	if entry != 0 {
		return nil, "", usageError("--entry applies to a HAR file, and %s is not a file", src)
	}
	if !stateExists(g) {
		return nil, "", usageError("%s is neither a file nor a recorded exchange id (there is no psbox state in %s to look it up in)", src, g.state)
	}
	rec, err := openReader(g, stderr)
	if err != nil {
		return nil, "", err
	}
	defer rec.Close()
	ex, err := lookupExchange(rec, src)
	if err != nil {
		return nil, "", usageError("%s is neither a file nor a recorded exchange id: %v", src, err)
	}
	if len(ex.Request.Body) == 0 {
		return nil, "", usageError("exchange %s has no request body to import", ex.ID)
	}
	return []byte(ex.Request.Body), "exchange " + ex.ID, nil
}
