package main

import (
	"github.com/spf13/cobra"
)

type groupsListOptions struct {
	client *clientOptions
	output string
}

// groupSummary is one row of `groups list`.
type groupSummary struct {
	Group        string `json:"group"`
	State        string `json:"state"`
	ProtocolType string `json:"protocol_type"`
	Coordinator  int32  `json:"coordinator"`
}

func newGroupsListCommand(co *clientOptions) *cobra.Command {
	o := &groupsListOptions{client: co}
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List consumer groups",
		Example: "  strata groups list\n  strata groups list --output json",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	addOutputFlag(cmd, &o.output, outputTable, outputJSON)
	return cmd
}

func (o *groupsListOptions) run(cmd *cobra.Command) error {
	if err := checkChoice("output", o.output, outputTable, outputJSON); err != nil {
		return err
	}
	return withSession(o.client, func(s *session) error {
		ctx, cancel := s.requestContext(cmd.Context())
		defer cancel()
		groups, err := s.adm.ListGroups(ctx)
		if err != nil {
			return err
		}
		rows := []groupSummary{}
		for _, g := range groups.Sorted() {
			rows = append(rows, groupSummary{Group: g.Group, State: g.State, ProtocolType: g.ProtocolType, Coordinator: g.Coordinator})
		}
		if o.output == outputJSON {
			return writeJSON(cmd.OutOrStdout(), rows)
		}
		t := newTable(cmd.OutOrStdout(), "GROUP", "STATE", "PROTOCOL-TYPE", "COORDINATOR")
		for _, r := range rows {
			t.row(r.Group, r.State, r.ProtocolType, r.Coordinator)
		}
		return t.flush()
	})
}
