package main

import (
	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
)

type groupsDeleteOffsetsOptions struct {
	client *clientOptions
	group  string
	topics []string
	output string
}

// deletedOffsetRow is one partition of `groups delete-offsets`.
type deletedOffsetRow struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Error     string `json:"error,omitempty"`
}

func newGroupsDeleteOffsetsCommand(co *clientOptions) *cobra.Command {
	o := &groupsDeleteOffsetsOptions{client: co}
	cmd := &cobra.Command{
		Use:   "delete-offsets",
		Short: "Delete a group's committed offsets for topics it no longer consumes",
		Example: `  strata groups delete-offsets --group my-group --topic old-topic
  strata groups delete-offsets --group my-group --topic old-topic:0,1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	addGroupFlag(cmd, co, &o.group, "group whose offsets to delete")
	cmd.Flags().StringArrayVarP(&o.topics, "topic", "t", nil, "topic, or topic:p1,p2 (repeatable)")
	cmd.RegisterFlagCompletionFunc("topic", completeTopics(co))
	addOutputFlag(cmd, &o.output, outputTable, outputJSON)
	return cmd
}

func (o *groupsDeleteOffsetsOptions) run(cmd *cobra.Command) error {
	if o.group == "" {
		return usageErrorf("no group given: pass --group NAME")
	}
	if len(o.topics) == 0 {
		return usageErrorf("no topic given: pass --topic NAME (or NAME:p1,p2)")
	}
	if err := checkChoice("output", o.output, outputTable, outputJSON); err != nil {
		return err
	}
	return withSession(o.client, func(s *session) error {
		set, err := resolveTopicSpecs(cmd.Context(), s, o.topics)
		if err != nil {
			return err
		}
		ctx, cancel := s.requestContext(cmd.Context())
		defer cancel()
		resps, err := s.adm.DeleteOffsets(ctx, o.group, set)
		if err != nil {
			return brokerError("delete offsets of group "+o.group, err, "")
		}
		return o.print(cmd, set, resps)
	})
}

func (o *groupsDeleteOffsetsOptions) print(cmd *cobra.Command, set kadm.TopicsSet, resps kadm.DeleteOffsetsResponses) error {
	rows := []deletedOffsetRow{}
	var first error
	for _, tp := range set.Sorted() {
		for _, p := range tp.Partitions {
			r := deletedOffsetRow{Topic: tp.Topic, Partition: p}
			if err := resps[tp.Topic][p]; err != nil {
				r.Error = err.Error()
				first = firstErr(first, err)
			}
			rows = append(rows, r)
		}
	}
	if o.output == outputJSON {
		if err := writeJSON(cmd.OutOrStdout(), rows); err != nil {
			return err
		}
	} else {
		t := newTable(cmd.OutOrStdout(), "TOPIC", "PARTITION", "STATUS")
		for _, r := range rows {
			t.row(r.Topic, r.Partition, orString(r.Error, "Successful"))
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	if first != nil {
		return brokerError("delete offsets of group "+o.group, first, "")
	}
	return nil
}

// firstErr keeps the first non-nil error.
func firstErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// orString is s, or def when s is empty.
func orString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
