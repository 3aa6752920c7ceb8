package main

import (
	"fmt"
	"maps"
	"slices"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
)

type topicsAlterOptions struct {
	client        *clientOptions
	topic         string
	partitions    int
	configs       []string
	deleteConfigs []string
}

func newTopicsAlterCommand(co *clientOptions) *cobra.Command {
	o := &topicsAlterOptions{client: co}
	cmd := &cobra.Command{
		Use:   "alter [TOPIC]",
		Short: "Add partitions to a topic or change its configs",
		Long: `Grow a topic to --partitions N (partitions can only be added), set configs
with --config key=value and remove them with --delete-config key (they fall
back to the broker's default).`,
		Example: `  strata topics alter --topic my-topic --partitions 6
  strata topics alter my-topic --config retention.ms=3600000 --delete-config cleanup.policy`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeTopics(co),
		RunE:              func(cmd *cobra.Command, args []string) error { return o.run(cmd, args) },
	}
	f := cmd.Flags()
	addTopicFlag(cmd, co, &o.topic, "topic to alter")
	f.IntVar(&o.partitions, "partitions", 0, "the new, larger, number of partitions")
	f.StringArrayVar(&o.configs, "config", nil, "set a topic config, key=value (repeatable)")
	f.StringArrayVar(&o.deleteConfigs, "delete-config", nil, "remove a topic config (repeatable)")
	return cmd
}

func (o *topicsAlterOptions) run(cmd *cobra.Command, args []string) error {
	topic, err := nameArg("topic", o.topic, args, false)
	if err != nil {
		return err
	}
	if o.partitions < 0 {
		return usageErrorf("--partitions %d: want a positive number", o.partitions)
	}
	alters, err := configAlterations(o.configs, o.deleteConfigs, "config")
	if err != nil {
		return err
	}
	if o.partitions == 0 && len(alters) == 0 {
		return usageErrorf("nothing to alter: pass --partitions N, --config key=value or --delete-config key")
	}
	return withSession(o.client, func(s *session) error {
		if o.partitions > 0 {
			if err := o.grow(cmd, s, topic); err != nil {
				return err
			}
		}
		if len(alters) > 0 {
			return alterTopicConfigs(cmd, s, topic, alters)
		}
		return nil
	})
}

func (o *topicsAlterOptions) grow(cmd *cobra.Command, s *session, topic string) error {
	ctx, cancel := s.requestContext(cmd.Context())
	defer cancel()
	resps, err := s.adm.UpdatePartitions(ctx, o.partitions, topic)
	if err != nil {
		return err
	}
	r, ok := resps[topic]
	if !ok {
		return fmt.Errorf("%w %s", errNoTopic, topic)
	}
	if r.Err != nil {
		return brokerError("alter partitions of "+topic, r.Err, r.ErrMessage)
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "Topic %s now has %d partitions.\n", topic, o.partitions)
	return err
}

// configAlterations turns key=value settings and keys to delete into
// incremental config alterations.
func configAlterations(set, del []string, setFlag string) ([]kadm.AlterConfig, error) {
	pairs, err := parseConfigPairs(setFlag, set)
	if err != nil {
		return nil, err
	}
	var out []kadm.AlterConfig
	for _, k := range slices.Sorted(maps.Keys(pairs)) {
		out = append(out, kadm.AlterConfig{Op: kadm.SetConfig, Name: k, Value: pairs[k]})
	}
	for _, k := range del {
		if k == "" {
			return nil, usageErrorf("--delete-config: empty config name")
		}
		out = append(out, kadm.AlterConfig{Op: kadm.DeleteConfig, Name: k})
	}
	return out, nil
}

// alterTopicConfigs applies alterations with IncrementalAlterConfigs.
func alterTopicConfigs(cmd *cobra.Command, s *session, topic string, alters []kadm.AlterConfig) error {
	ctx, cancel := s.requestContext(cmd.Context())
	defer cancel()
	resps, err := s.adm.AlterTopicConfigs(ctx, alters, topic)
	if err != nil {
		return err
	}
	for _, r := range resps {
		if r.Err != nil {
			return brokerError("alter configs of topic "+topic, r.Err, r.ErrMessage)
		}
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "Altered configs of topic %s.\n", topic)
	return err
}
