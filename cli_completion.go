package main

import (
	"cmp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/recorder"
)

// enumValues are the values of psbox's enum flags, for shell completion.
var enumValues = map[string][]string{
	"sign":          {"standard-webhooks", "hmac-sha256"},
	"kind":          {"delivery", "api", "audit"},
	"retry-backoff": {"default", "standard-webhooks", "none"},
}

// addCompletions teaches cobra's completion command (psbox completion
// bash|zsh|fish|powershell) psbox's values: event names (the --catalog
// ones too) for trigger, events show and --event; recorded ids for
// deliveries show and replay; the values of enum flags.
func addCompletions(root *cobra.Command, g *globals) {
	events := func(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
		cat, err := g.catalog()
		if err != nil {
			cat = fixtures.Builtin() // a bad event file is reported when the command runs
		}
		var out []string
		for _, e := range cat.Events() {
			if strings.HasPrefix(e.Name, prefix) {
				out = append(out, e.Name+"\t"+e.Group)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
	ids := func(_ *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 || !stateExists(g) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		s, err := recorder.Open(g.state, recorder.Options{ReadOnly: true})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer s.Close()
		var out []string
		for _, h := range s.RecentIDs(prefix, 200) {
			out = append(out, h.ID+"\t"+cmp.Or(h.Event, "-"))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		switch c.CommandPath() {
		case "psbox trigger", "psbox events show":
			c.ValidArgsFunction = events
		case "psbox deliveries show", "psbox deliveries replay":
			c.ValidArgsFunction = ids
		}
		if c.Flags().Lookup("event") != nil {
			c.RegisterFlagCompletionFunc("event", events)
		}
		for name, vals := range enumValues {
			if c.Flags().Lookup(name) != nil {
				c.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(vals, cobra.ShellCompDirectiveNoFileComp))
			}
		}
		if vals, ok := formatValues[c.CommandPath()]; ok {
			c.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(vals, cobra.ShellCompDirectiveNoFileComp))
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	root.InitDefaultCompletionCmd() // after every command: it lists them
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Args = cobra.ArbitraryArgs
			c.RunE = unknownShell
		}
	}
}

// unknownShell answers `psbox completion SHELL` for a shell cobra has no
// script for (a known shell is a subcommand and never gets here); with no
// shell, the help lists them.
func unknownShell(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return c.Help()
	}
	var shells []string
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() {
			shells = append(shells, sub.Name())
		}
	}
	return usageError("psbox completion has scripts for %s, not %q; e.g. psbox completion bash > ~/.local/share/bash-completion/completions/psbox", strings.Join(shells, ", "), args[0])
}

// formatValues are the --format values of the commands that have one.
var formatValues = map[string][]string{
	"psbox deliveries export": recorder.ExportFormats,
	"psbox openapi":           {"json", "yaml"},
}
