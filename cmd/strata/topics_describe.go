package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"
)

type topicsDescribeOptions struct {
	client *clientOptions
	topic  string
	output string
}

// topicDescription is what `topics describe` shows of one topic.
type topicDescription struct {
	Topic             string            `json:"topic"`
	TopicID           string            `json:"topic_id"`
	PartitionCount    int               `json:"partition_count"`
	ReplicationFactor int               `json:"replication_factor"`
	Configs           map[string]string `json:"configs"` // topic configs set on the topic itself
	Partitions        []partitionRow    `json:"partitions"`
}

// partitionRow is one partition line of `topics describe`. To add a column,
// add a field here and an entry to partitionColumns (or tierColumns).
type partitionRow struct {
	Partition      int32   `json:"partition"`
	Leader         int32   `json:"leader"`
	Replicas       []int32 `json:"replicas"`
	ISR            []int32 `json:"isr"`
	LogStartOffset int64   `json:"log_start_offset"`
	LogEndOffset   int64   `json:"log_end_offset"`
	// Tier is the partition's split between local disk and remote storage;
	// nil (and not shown) until fillTierSplit provides it.
	Tier  *tierSplit `json:"tier,omitempty"`
	Error string     `json:"error,omitempty"`
}

// tierSplit is a partition's split between the tiers: offsets below
// LocalLogStartOffset are only in the object store, and offsets up to
// LastTieredOffset are in it (-1: none yet).
type tierSplit struct {
	LocalLogStartOffset int64 `json:"local_log_start_offset"`
	LastTieredOffset    int64 `json:"last_tiered_offset"`
}

// fillTierSplit sets Tier on the rows of d from ListOffsets
// EARLIEST_LOCAL (-4) and LATEST_TIERED (-5). A broker that answers
// neither (no tiered storage) leaves every row's Tier nil, and describe
// shows no tier columns.
func fillTierSplit(ctx context.Context, s *session, d *topicDescription) error {
	local, err := s.adm.ListOffsetsAfterMilli(ctx, -4, d.Topic)
	if err != nil {
		return nil
	}
	tiered, err := s.adm.ListOffsetsAfterMilli(ctx, -5, d.Topic)
	if err != nil {
		return nil
	}
	for i := range d.Partitions {
		r := &d.Partitions[i]
		l, lok := local.Lookup(d.Topic, r.Partition)
		t, tok := tiered.Lookup(d.Topic, r.Partition)
		if lok && tok && l.Err == nil && t.Err == nil && l.Offset >= 0 {
			r.Tier = &tierSplit{LocalLogStartOffset: l.Offset, LastTieredOffset: t.Offset}
		}
	}
	return nil
}

// describeColumn is one column of the partition table.
type describeColumn struct {
	header string
	cell   func(partitionRow) string
}

var partitionColumns = []describeColumn{
	{"PARTITION", func(r partitionRow) string { return fmt.Sprint(r.Partition) }},
	{"LEADER", func(r partitionRow) string { return fmt.Sprint(r.Leader) }},
	{"REPLICAS", func(r partitionRow) string { return joinInt32s(r.Replicas) }},
	{"ISR", func(r partitionRow) string { return joinInt32s(r.ISR) }},
	{"LOG-START-OFFSET", func(r partitionRow) string { return fmt.Sprint(r.LogStartOffset) }},
	{"LOG-END-OFFSET", func(r partitionRow) string { return fmt.Sprint(r.LogEndOffset) }},
}

// tierColumns are shown when any partition has a tier split.
var tierColumns = []describeColumn{
	{"LOCAL-START-OFFSET", func(r partitionRow) string { return tierCell(r, true) }},
	{"LAST-TIERED-OFFSET", func(r partitionRow) string { return tierCell(r, false) }},
}

func tierCell(r partitionRow, local bool) string {
	switch {
	case r.Tier == nil:
		return "-"
	case local:
		return fmt.Sprint(r.Tier.LocalLogStartOffset)
	case r.Tier.LastTieredOffset < 0:
		return "-"
	}
	return fmt.Sprint(r.Tier.LastTieredOffset)
}

func newTopicsDescribeCommand(co *clientOptions) *cobra.Command {
	o := &topicsDescribeOptions{client: co}
	cmd := &cobra.Command{
		Use:   "describe [TOPIC]",
		Short: "Show a topic's partitions, leaders, replicas, ISR, offsets and configs",
		Long: `Show each partition's leader, replicas, in-sync replicas and log start and
end offsets, and the configs set on the topic. Without a topic, describe all.`,
		Example: `  strata topics describe --topic my-topic
  strata topics describe my-topic --output json
  strata topics describe`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeTopics(co),
		RunE:              func(cmd *cobra.Command, args []string) error { return o.run(cmd, args) },
	}
	addTopicFlag(cmd, co, &o.topic, "topic to describe (default: all topics)")
	addOutputFlag(cmd, &o.output, outputTable, outputJSON)
	return cmd
}

func (o *topicsDescribeOptions) run(cmd *cobra.Command, args []string) error {
	topic, err := nameArg("topic", o.topic, args, true)
	if err != nil {
		return err
	}
	if err := checkChoice("output", o.output, outputTable, outputJSON); err != nil {
		return err
	}
	return withSession(o.client, func(s *session) error {
		ds, err := describeTopics(cmd.Context(), s, topic)
		if err != nil {
			return err
		}
		if o.output == outputJSON {
			return writeJSON(cmd.OutOrStdout(), ds)
		}
		return printTopicDescriptions(cmd.OutOrStdout(), ds)
	})
}

// describeTopics gathers the descriptions of topic, or of all topics when
// topic is empty.
func describeTopics(ctx context.Context, s *session, topic string) ([]topicDescription, error) {
	ctx, cancel := s.requestContext(ctx)
	defer cancel()
	var names []string
	if topic != "" {
		names = []string{topic}
	}
	td, err := s.adm.ListTopicsWithInternal(ctx, names...)
	if err != nil {
		return nil, err
	}
	if t, ok := td[topic]; topic != "" && (!ok || t.Err != nil) {
		return nil, fmt.Errorf("%w %s", errNoTopic, topic)
	}
	all := td.Names()
	starts, ends, err := listStartEnd(ctx, s.adm, all...)
	if err != nil {
		return nil, err
	}
	configs, err := topicOverrides(ctx, s.adm, all)
	if err != nil {
		return nil, err
	}
	out := make([]topicDescription, 0, len(all))
	for _, t := range td.Sorted() {
		d := newTopicDescription(t, starts, ends, configs[t.Topic])
		if err := fillTierSplit(ctx, s, &d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func newTopicDescription(t kadm.TopicDetail, starts, ends kadm.ListedOffsets, configs map[string]string) topicDescription {
	d := topicDescription{Topic: t.Topic, TopicID: base64.RawURLEncoding.EncodeToString(t.ID[:]), PartitionCount: len(t.Partitions),
		ReplicationFactor: t.Partitions.NumReplicas(), Configs: configs, Partitions: []partitionRow{}}
	for _, p := range t.Partitions.Sorted() {
		r := partitionRow{Partition: p.Partition, Leader: p.Leader, Replicas: p.Replicas, ISR: p.ISR,
			LogStartOffset: -1, LogEndOffset: -1}
		if so, ok := starts.Lookup(t.Topic, p.Partition); ok && so.Err == nil {
			r.LogStartOffset = so.Offset
		}
		if eo, ok := ends.Lookup(t.Topic, p.Partition); ok && eo.Err == nil {
			r.LogEndOffset = eo.Offset
		}
		if p.Err != nil {
			r.Error = p.Err.Error()
		}
		d.Partitions = append(d.Partitions, r)
	}
	return d
}

// listStartEnd lists the earliest and latest offsets of topics.
func listStartEnd(ctx context.Context, adm *kadm.Client, topics ...string) (kadm.ListedOffsets, kadm.ListedOffsets, error) {
	if len(topics) == 0 {
		return nil, nil, nil
	}
	starts, err := adm.ListStartOffsets(ctx, topics...)
	if err != nil {
		return nil, nil, err
	}
	ends, err := adm.ListEndOffsets(ctx, topics...)
	return starts, ends, err
}

// topicOverrides returns, per topic, the configs set on the topic itself.
func topicOverrides(ctx context.Context, adm *kadm.Client, topics []string) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	if len(topics) == 0 {
		return out, nil
	}
	rcs, err := adm.DescribeTopicConfigs(ctx, topics...)
	if err != nil {
		return nil, err
	}
	for _, rc := range rcs {
		m := map[string]string{}
		for _, c := range rc.Configs {
			if c.Source == kmsg.ConfigSourceDynamicTopicConfig {
				m[c.Key] = c.MaybeValue()
			}
		}
		out[rc.Name] = m
	}
	return out, nil
}

// printTopicDescriptions writes Kafka-style descriptions: a summary line
// per topic, then its partitions as a table.
func printTopicDescriptions(w io.Writer, ds []topicDescription) error {
	for i, d := range ds {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "Topic: %s\tTopicId: %s\tPartitionCount: %d\tReplicationFactor: %d\tConfigs: %s\n",
			d.Topic, d.TopicID, d.PartitionCount, d.ReplicationFactor, formatConfigs(d.Configs))
		cols := slices.Clone(partitionColumns)
		if slices.ContainsFunc(d.Partitions, func(r partitionRow) bool { return r.Tier != nil }) {
			cols = append(cols, tierColumns...)
		}
		if err := printPartitionTable(w, cols, d.Partitions); err != nil {
			return err
		}
	}
	return nil
}

func printPartitionTable(w io.Writer, cols []describeColumn, rows []partitionRow) error {
	headers := make([]string, len(cols))
	for i, c := range cols {
		headers[i] = c.header
	}
	t := newTable(w, headers...)
	for _, r := range rows {
		cells := make([]any, len(cols))
		for i, c := range cols {
			cells[i] = c.cell(r)
		}
		if r.Error != "" {
			cells = append(cells, r.Error)
		}
		t.row(cells...)
	}
	return t.flush()
}

// formatConfigs writes k=v pairs sorted by key, comma-separated.
func formatConfigs(m map[string]string) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ",")
}
