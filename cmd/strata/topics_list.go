package main

import (
	"strings"

	"github.com/spf13/cobra"
)

type topicsListOptions struct {
	client          *clientOptions
	output          string
	excludeInternal bool
}

// topicSummary is one row of `topics list`.
type topicSummary struct {
	Topic             string `json:"topic"`
	Partitions        int    `json:"partitions"`
	ReplicationFactor int    `json:"replication_factor"`
	Internal          bool   `json:"internal"`
}

func newTopicsListCommand(co *clientOptions) *cobra.Command {
	o := &topicsListOptions{client: co}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List topics",
		Example: `  strata topics list
  strata topics list --exclude-internal
  strata topics list --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	addOutputFlag(cmd, &o.output, outputTable, outputJSON)
	cmd.Flags().BoolVar(&o.excludeInternal, "exclude-internal", false, "leave out internal topics (__consumer_offsets)")
	return cmd
}

func (o *topicsListOptions) run(cmd *cobra.Command) error {
	if err := checkChoice("output", o.output, outputTable, outputJSON); err != nil {
		return err
	}
	return withSession(o.client, func(s *session) error {
		ctx, cancel := s.requestContext(cmd.Context())
		defer cancel()
		td, err := s.adm.ListTopicsWithInternal(ctx)
		if err != nil {
			return err
		}
		rows := []topicSummary{}
		for _, t := range td.Sorted() {
			if t.Err != nil || (o.excludeInternal && (t.IsInternal || strings.HasPrefix(t.Topic, "__"))) {
				continue
			}
			rows = append(rows, topicSummary{Topic: t.Topic, Partitions: len(t.Partitions),
				ReplicationFactor: t.Partitions.NumReplicas(), Internal: t.IsInternal})
		}
		return o.print(cmd, rows)
	})
}

func (o *topicsListOptions) print(cmd *cobra.Command, rows []topicSummary) error {
	if o.output == outputJSON {
		return writeJSON(cmd.OutOrStdout(), rows)
	}
	t := newTable(cmd.OutOrStdout(), "TOPIC", "PARTITIONS", "REPLICATION-FACTOR")
	for _, r := range rows {
		t.row(r.Topic, r.Partitions, r.ReplicationFactor)
	}
	return t.flush()
}
