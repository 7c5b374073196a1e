package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newReceiveCmd is a placeholder until the command lands.
func newReceiveCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "receive",
		Short: "(not built yet)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("receive: not built yet")
		},
	}
}
