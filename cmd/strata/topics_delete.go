package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kerr"
)

type topicsDeleteOptions struct {
	client   *clientOptions
	topic    string
	ifExists bool
}

func newTopicsDeleteCommand(co *clientOptions) *cobra.Command {
	o := &topicsDeleteOptions{client: co}
	cmd := &cobra.Command{
		Use:   "delete [TOPIC]",
		Short: "Delete a topic and all its data",
		Example: `  strata topics delete --topic my-topic
  strata topics delete my-topic --if-exists`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeTopics(co),
		RunE:              func(cmd *cobra.Command, args []string) error { return o.run(cmd, args) },
	}
	addTopicFlag(cmd, co, &o.topic, "topic to delete")
	cmd.Flags().BoolVar(&o.ifExists, "if-exists", false, "succeed if the topic does not exist")
	return cmd
}

func (o *topicsDeleteOptions) run(cmd *cobra.Command, args []string) error {
	topic, err := nameArg("topic", o.topic, args, false)
	if err != nil {
		return err
	}
	return withSession(o.client, func(s *session) error {
		ctx, cancel := s.requestContext(cmd.Context())
		defer cancel()
		resp, err := s.adm.DeleteTopic(ctx, topic)
		if err != nil && resp.Err == nil { // a request failure, not the topic's error
			return err
		}
		if errors.Is(resp.Err, kerr.UnknownTopicOrPartition) && o.ifExists {
			return nil
		}
		if resp.Err != nil {
			return brokerError("delete topic "+topic, resp.Err, resp.ErrMessage)
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "Deleted topic %s.\n", topic)
		return err
	})
}
