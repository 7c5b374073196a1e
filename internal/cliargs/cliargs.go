// Package cliargs words cobra's and pflag's argument and flag mistakes as
// one sentence a person understands: the nearest command or flag names, and
// what a flag's type accepts, never a parser's message. Package main marks
// its errors as usage errors (exit 2).
package cliargs

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/psbox-dev/psbox/internal/suggest"
)

// NoArgs is cobra.NoArgs in one sentence a person understands: a command
// group (and the bare psbox command, which opens the UI) names the nearest
// of its commands; any other command says it takes no arguments.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if !cmd.HasAvailableSubCommands() {
		return fmt.Errorf("%s takes no arguments (got %q); see '%s --help'", cmd.CommandPath(), strings.Join(args, " "), cmd.CommandPath())
	}
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
			names = append(names, c.Aliases...)
		}
	}
	hint := ""
	if near := suggest.Nearest(args[0], names); len(near) > 0 {
		hint = " (did you mean " + strings.Join(near, ", ") + "?)"
	}
	what := "command"
	if cmd.HasParent() {
		what = cmd.CommandPath() + " command"
	}
	return fmt.Errorf("unknown %s %q%s; run '%s --help' for the commands", what, args[0], hint, cmd.CommandPath())
}

// FlagError explains a bad flag in one sentence: what the flag wants and
// what it got, never a parser's message (strconv.ParseInt: ..., time:
// missing unit ...).
func FlagError(c *cobra.Command, err error) error {
	var iv *pflag.InvalidValueError
	if errors.As(err, &iv) {
		f := iv.GetFlag()
		return fmt.Errorf("--%s %q: %s (see '%s --help')", f.Name, iv.GetValue(), wants(f.Value.Type()), c.CommandPath())
	}
	var ne *pflag.NotExistError
	if errors.As(err, &ne) {
		name := strings.TrimLeft(ne.GetSpecifiedName(), "-")
		var names []string
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden {
				names = append(names, f.Name)
			}
		})
		if near := suggest.Nearest(name, names); len(near) > 0 && len(name) > 1 {
			return fmt.Errorf("%s (did you mean --%s?) (see '%s --help')", err, strings.Join(near, ", --"), c.CommandPath())
		}
	}
	return fmt.Errorf("%s (see '%s --help')", err, c.CommandPath())
}

// wants says what a flag of this pflag type accepts.
func wants(typ string) string {
	switch typ {
	case "int", "int64", "int32", "uint", "uint64":
		return "give a whole number, such as 3"
	case "float64", "float32":
		return "give a number, such as 2.5"
	case "duration":
		return "give a duration with its unit, such as 500ms, 5s or 2m"
	case "bool":
		return "give true or false, or leave the value out"
	case "intSlice", "int64Slice":
		return "give whole numbers separated by commas"
	}
	return fmt.Sprintf("not a valid %s", typ)
}
