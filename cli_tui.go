package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// addTUI makes the bare `psbox` command open the terminal UI.
func addTUI(root *cobra.Command, g *globals) {
	root.RunE = func(cmd *cobra.Command, args []string) error {
		return errors.New("the terminal UI is not built yet")
	}
}
