package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"
)

// newGroupsCommand is the parent of the consumer group commands, the
// counterpart of kafka-consumer-groups.sh.
func newGroupsCommand(co *clientOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "groups",
		Aliases: []string{"consumer-groups"},
		Short:   "List, describe, reset and delete consumer groups",
		Example: `  strata groups list
  strata groups describe --group my-group
  strata groups reset-offsets --group my-group --topic my-topic --to-earliest --execute
  strata groups delete-offsets --group my-group --topic old-topic
  strata groups delete --group my-group`,
	}
	cmd.RunE = runParent
	cmd.SetFlagErrorFunc(flagError)
	cmd.AddCommand(newGroupsListCommand(co), newGroupsDescribeCommand(co), newGroupsResetOffsetsCommand(co),
		newGroupsDeleteCommand(co), newGroupsDeleteOffsetsCommand(co))
	return cmd
}

// addGroupFlag adds --group with completion of group names.
func addGroupFlag(cmd *cobra.Command, co *clientOptions, dst *string, usage string) {
	cmd.Flags().StringVarP(dst, "group", "g", "", usage)
	cmd.RegisterFlagCompletionFunc("group", completeGroups(co))
}

// completeGroups completes a group name from the cluster's groups.
func completeGroups(co *clientOptions) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		s, err := co.connect()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer s.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		groups, err := s.adm.ListGroups(ctx)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return groups.Groups(), cobra.ShellCompDirectiveNoFileComp
	}
}
