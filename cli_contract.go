package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newContractCmd is a placeholder until the command lands.
func newContractCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "test",
		Short: "(not built yet)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("test: not built yet")
		},
	}
}
