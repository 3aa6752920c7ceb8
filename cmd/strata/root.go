package main

import (
	"github.com/spf13/cobra"
)

// newRootCommand builds the strata command tree. Each subcommand lives in a
// file of its own and is added here.
func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "strata",
		Short:         "Strata: a Kafka-compatible event streaming broker with tiered storage",
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	client := &clientOptions{}
	client.register(root.PersistentFlags())
	root.AddCommand(newVersionCommand(), newServeCommand())
	root.AddCommand(newTopicsCommand(client), newProduceCommand(client), newConsumeCommand(client),
		newGroupsCommand(client), newConfigsCommand(client), newClusterCommand(client))
	root.AddCommand(newTierCommand(client), newBenchCommand(client))
	return root
}
