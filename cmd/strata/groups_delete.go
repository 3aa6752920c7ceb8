package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

type groupsDeleteOptions struct {
	client *clientOptions
	group  string
}

func newGroupsDeleteCommand(co *clientOptions) *cobra.Command {
	o := &groupsDeleteOptions{client: co}
	cmd := &cobra.Command{
		Use:   "delete [GROUP]",
		Short: "Delete a consumer group and its committed offsets",
		Long:  "Delete a consumer group and its committed offsets. The group must have no active members.",
		Example: `  strata groups delete --group my-group
  strata groups delete my-group`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeGroups(co),
		RunE:              func(cmd *cobra.Command, args []string) error { return o.run(cmd, args) },
	}
	addGroupFlag(cmd, co, &o.group, "group to delete")
	return cmd
}

func (o *groupsDeleteOptions) run(cmd *cobra.Command, args []string) error {
	group, err := nameArg("group", o.group, args, false)
	if err != nil {
		return err
	}
	return withSession(o.client, func(s *session) error {
		ctx, cancel := s.requestContext(cmd.Context())
		defer cancel()
		resp, err := s.adm.DeleteGroup(ctx, group)
		if err != nil && resp.Err == nil { // a request failure, not the group's error
			return err
		}
		if resp.Err != nil {
			return brokerError("delete group "+group, resp.Err, resp.ErrMessage)
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "Deleted consumer group '%s'.\n", group)
		return err
	})
}
