package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

type tierRestoreOptions struct {
	client  *clientOptions
	topic   string
	configs []string
	output  string
}

func newTierRestoreCommand(co *clientOptions) *cobra.Command {
	o := &tierRestoreOptions{client: co}
	cmd := &cobra.Command{
		Use:   "restore [TOPIC]",
		Short: "Recreate a topic from the object store",
		Long: `Recreate a topic in this cluster from the object store alone: the topic takes
the id, partition count and configs of the newest topic of that name in the
broker's bucket, and consumers can replay it from its remote log start offset.
New records follow the restored ones. The topic must not exist in the cluster.

This is CreateTopics with the topic config strata.remote.recovery=true, which
any Kafka tool can send as well.`,
		Example: `  strata tier restore --topic events
  strata tier restore events --config retention.ms=-1`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args) },
	}
	addTopicFlag(cmd, co, &o.topic, "topic to restore")
	cmd.Flags().StringArrayVar(&o.configs, "config", nil, "a topic config to set over the restored ones, as key=value (repeatable)")
	addOutputFlag(cmd, &o.output, "table", "json")
	return cmd
}

func (o *tierRestoreOptions) run(cmd *cobra.Command, args []string) error {
	topic, err := nameArg("topic", o.topic, args, false)
	if err != nil {
		return err
	}
	configs, err := parseConfigPairs("config", o.configs)
	if err != nil {
		return err
	}
	on := "true"
	configs["strata.remote.recovery"] = &on
	return withSession(o.client, func(s *session) error {
		ctx, cancel := s.requestContext(cmd.Context())
		defer cancel()
		resp, err := s.adm.CreateTopic(ctx, -1, -1, configs, topic)
		if err != nil && resp.Err == nil {
			return err
		}
		if resp.Err != nil {
			return brokerError("restore topic "+topic, resp.Err, resp.ErrMessage)
		}
		starts, err := s.adm.ListStartOffsets(ctx, topic)
		if err != nil {
			return err
		}
		ends, err := s.adm.ListEndOffsets(ctx, topic)
		if err != nil {
			return err
		}
		type restored struct {
			Partition   int32 `json:"partition"`
			StartOffset int64 `json:"start_offset"`
			EndOffset   int64 `json:"end_offset"`
		}
		var rows []restored
		for p := range resp.NumPartitions {
			start, _ := starts.Lookup(topic, p)
			end, _ := ends.Lookup(topic, p)
			rows = append(rows, restored{p, start.Offset, end.Offset})
		}
		out := cmd.OutOrStdout()
		if o.output == "json" {
			return writeJSON(out, map[string]any{"topic": topic, "topic_id": resp.ID.String(), "partitions": rows})
		}
		fmt.Fprintf(out, "Restored topic %s (id %s) with %d partitions.\n", topic, resp.ID, resp.NumPartitions)
		t := newTable(out, "PARTITION", "START-OFFSET", "END-OFFSET")
		for _, r := range rows {
			t.row(r.Partition, r.StartOffset, r.EndOffset)
		}
		return t.flush()
	})
}
