package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newEventsCmd is a placeholder until the command lands.
func newEventsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "events",
		Short: "(not built yet)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("events: not built yet")
		},
	}
}
