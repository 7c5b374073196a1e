package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newServeCmd is a placeholder until the command lands.
func newServeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "(not built yet)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("serve: not built yet")
		},
	}
}
