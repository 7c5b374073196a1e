package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newDeliveriesCmd is a placeholder until the command lands.
func newDeliveriesCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "deliveries",
		Short: "(not built yet)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("deliveries: not built yet")
		},
	}
}
