package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newTriggerCmd is a placeholder until the command lands.
func newTriggerCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "trigger",
		Short: "(not built yet)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("trigger: not built yet")
		},
	}
}
