package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"
)

// newTopicsCommand is the parent of the topic commands, the counterpart of
// kafka-topics.sh.
func newTopicsCommand(co *clientOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "topics",
		Short: "Create, list, describe, alter and delete topics",
		Example: `  strata topics create --topic orders --partitions 3
  strata topics list
  strata topics describe orders
  strata topics alter orders --partitions 6
  strata topics delete orders`,
	}
	cmd.RunE = runParent
	cmd.SetFlagErrorFunc(flagError)
	cmd.AddCommand(newTopicsCreateCommand(co), newTopicsListCommand(co), newTopicsDescribeCommand(co),
		newTopicsAlterCommand(co), newTopicsDeleteCommand(co))
	return cmd
}

// completeTopics completes a topic name from the cluster's topics.
func completeTopics(co *clientOptions) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return topicNames(co), cobra.ShellCompDirectiveNoFileComp
	}
}

// topicNames lists topics for completion; on any failure it lists none.
func topicNames(co *clientOptions) []string {
	s, err := co.connect()
	if err != nil {
		return nil
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	td, err := s.adm.ListTopicsWithInternal(ctx)
	if err != nil {
		return nil
	}
	return td.Names()
}

// addTopicFlag adds --topic with completion of topic names.
func addTopicFlag(cmd *cobra.Command, co *clientOptions, dst *string, usage string) {
	cmd.Flags().StringVarP(dst, "topic", "t", "", usage)
	cmd.RegisterFlagCompletionFunc("topic", completeTopics(co))
}
