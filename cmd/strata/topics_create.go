package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kerr"
)

type topicsCreateOptions struct {
	client            *clientOptions
	topic             string
	partitions        int32
	replicationFactor int16
	configs           []string
	ifNotExists       bool
}

func newTopicsCreateCommand(co *clientOptions) *cobra.Command {
	o := &topicsCreateOptions{client: co}
	cmd := &cobra.Command{
		Use:   "create [TOPIC]",
		Short: "Create a topic",
		Long: `Create a topic. Partitions and replication factor default to the broker's
num.partitions and default.replication.factor; --config sets topic configs.`,
		Example: `  strata topics create --topic my-topic --partitions 3 --replication-factor 1
  strata topics create events --config retention.ms=86400000 --config cleanup.policy=compact
  strata topics create events --if-not-exists`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args) },
	}
	f := cmd.Flags()
	addTopicFlag(cmd, co, &o.topic, "topic to create")
	f.Int32Var(&o.partitions, "partitions", 0, "number of partitions (0: the broker's num.partitions)")
	f.Int16Var(&o.replicationFactor, "replication-factor", 0, "replicas per partition (0: the broker's default.replication.factor)")
	f.StringArrayVar(&o.configs, "config", nil, "a topic config as key=value (repeatable)")
	f.BoolVar(&o.ifNotExists, "if-not-exists", false, "succeed if the topic already exists")
	return cmd
}

func (o *topicsCreateOptions) run(cmd *cobra.Command, args []string) error {
	topic, err := nameArg("topic", o.topic, args, false)
	if err != nil {
		return err
	}
	if o.partitions < 0 {
		return usageErrorf("--partitions %d: want a positive number", o.partitions)
	}
	if o.replicationFactor < 0 {
		return usageErrorf("--replication-factor %d: want a positive number", o.replicationFactor)
	}
	configs, err := parseConfigPairs("config", o.configs)
	if err != nil {
		return err
	}
	return withSession(o.client, func(s *session) error {
		return o.create(cmd, s, topic, configs)
	})
}

func (o *topicsCreateOptions) create(cmd *cobra.Command, s *session, topic string, configs map[string]*string) error {
	ctx, cancel := s.requestContext(cmd.Context())
	defer cancel()
	resp, err := s.adm.CreateTopic(ctx, orBrokerDefault(o.partitions), int16(orBrokerDefault(int32(o.replicationFactor))), configs, topic)
	if err != nil && resp.Err == nil { // a request failure, not the topic's error
		return err
	}
	if errors.Is(resp.Err, kerr.TopicAlreadyExists) && o.ifNotExists {
		return nil
	}
	if resp.Err != nil {
		return brokerError("create topic "+topic, resp.Err, resp.ErrMessage)
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "Created topic %s.\n", topic)
	return err
}

// orBrokerDefault maps an unset (0) count to -1, which asks the broker for
// its default.
func orBrokerDefault(n int32) int32 {
	if n == 0 {
		return -1
	}
	return n
}
