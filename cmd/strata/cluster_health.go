package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"
)

type clusterHealthOptions struct {
	client *clientOptions
	output string
}

// healthReport is what `cluster health` found.
type healthReport struct {
	Healthy    bool     `json:"healthy"`
	Brokers    int      `json:"brokers"`
	Topics     int      `json:"topics"`
	Partitions int      `json:"partitions"`
	Problems   []string `json:"problems"`
}

func newClusterHealthCommand(co *clientOptions) *cobra.Command {
	o := &clusterHealthOptions{client: co}
	cmd := &cobra.Command{
		Use:   "health",
		Short: "Check every broker answers and every partition has a leader",
		Long: `Check that every broker answers a Metadata request and every partition
has a leader. Exits 0 when healthy; otherwise non-zero, naming each problem.`,
		Example: "  strata cluster health\n  strata cluster health --output json && echo ok",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	addOutputFlag(cmd, &o.output, outputTable, outputJSON)
	return cmd
}

func (o *clusterHealthOptions) run(cmd *cobra.Command) error {
	if err := checkChoice("output", o.output, outputTable, outputJSON); err != nil {
		return err
	}
	return withSession(o.client, func(s *session) error {
		ctx, cancel := s.requestContext(cmd.Context())
		defer cancel()
		md, err := s.adm.Metadata(ctx)
		if err != nil {
			return err
		}
		rep := checkHealth(ctx, s, md)
		if err := o.print(cmd.OutOrStdout(), rep); err != nil {
			return err
		}
		if !rep.Healthy {
			return newCLIError(exitFailure, nil, "cluster unhealthy: %s", strings.Join(rep.Problems, "; "))
		}
		return nil
	})
}

// checkHealth asks each broker for metadata and checks partition leaders.
func checkHealth(ctx context.Context, s *session, md kadm.Metadata) healthReport {
	rep := healthReport{Brokers: len(md.Brokers), Topics: len(md.Topics), Problems: []string{}}
	for _, b := range md.Brokers {
		req := kmsg.NewPtrMetadataRequest()
		req.Topics = []kmsg.MetadataRequestTopic{}
		if _, err := req.RequestWith(ctx, s.cl.Broker(int(b.NodeID))); err != nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("broker %d (%s:%d) does not answer Metadata: %v", b.NodeID, b.Host, b.Port, err))
		}
	}
	for _, t := range md.Topics.Sorted() {
		if t.Err != nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("topic %s: %v", t.Topic, t.Err))
			continue
		}
		for _, p := range t.Partitions.Sorted() {
			rep.Partitions++
			if p.Leader < 0 || p.Err != nil {
				rep.Problems = append(rep.Problems, fmt.Sprintf("partition %s/%d has no leader", t.Topic, p.Partition))
			}
		}
	}
	if len(md.Brokers) == 0 {
		rep.Problems = append(rep.Problems, "the cluster lists no brokers")
	}
	rep.Healthy = len(rep.Problems) == 0
	return rep
}

func (o *clusterHealthOptions) print(w io.Writer, rep healthReport) error {
	if o.output == outputJSON {
		return writeJSON(w, rep)
	}
	status := "ok"
	if !rep.Healthy {
		status = "UNHEALTHY"
	}
	_, err := fmt.Fprintf(w, "%s: %d brokers, %d topics, %d partitions", status, rep.Brokers, rep.Topics, rep.Partitions)
	if rep.Healthy {
		_, err = fmt.Fprintln(w, ", every partition has a leader")
		return err
	}
	fmt.Fprintln(w)
	for _, p := range rep.Problems {
		fmt.Fprintln(w, "  "+p)
	}
	return err
}
