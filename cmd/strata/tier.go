package main

import "github.com/spf13/cobra"

func newTierCommand(co *clientOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tier",
		Short: "Inspect and restore tiered storage",
		Long: `Inspect the two tiers of a broker's partitions (local disk and the object
store) and restore topics from the object store.`,
		Example: `  strata tier status
  strata tier status --topic events --output json
  strata tier restore --topic events`,
		Args: cobra.ArbitraryArgs,
		RunE: runParent,
	}
	cmd.AddCommand(newTierStatusCommand(co), newTierRestoreCommand(co))
	return cmd
}
