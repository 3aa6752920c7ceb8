package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

type clusterDescribeOptions struct {
	client *clientOptions
	output string
}

// clusterDescription is what `cluster describe` shows.
type clusterDescription struct {
	ClusterID  string      `json:"cluster_id"`
	Controller int32       `json:"controller"`
	Brokers    []brokerRow `json:"brokers"`
}

func newClusterDescribeCommand(co *clientOptions) *cobra.Command {
	o := &clusterDescribeOptions{client: co}
	cmd := &cobra.Command{
		Use:     "describe",
		Short:   "Show the cluster id, the controller and the brokers",
		Example: "  strata cluster describe\n  strata cluster describe --output json",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	addOutputFlag(cmd, &o.output, outputTable, outputJSON)
	return cmd
}

func (o *clusterDescribeOptions) run(cmd *cobra.Command) error {
	if err := checkChoice("output", o.output, outputTable, outputJSON); err != nil {
		return err
	}
	return withSession(o.client, func(s *session) error {
		ctx, cancel := s.requestContext(cmd.Context())
		defer cancel()
		md, err := s.adm.BrokerMetadata(ctx)
		if err != nil {
			return err
		}
		d := clusterDescription{ClusterID: md.Cluster, Controller: md.Controller, Brokers: []brokerRow{}}
		for _, b := range md.Brokers {
			d.Brokers = append(d.Brokers, brokerRow{NodeID: b.NodeID, Host: b.Host, Port: b.Port, Rack: deref(b.Rack)})
		}
		if o.output == outputJSON {
			return writeJSON(cmd.OutOrStdout(), d)
		}
		w := cmd.OutOrStdout()
		fmt.Fprintf(w, "Cluster ID: %s\nController: %d\n\n", d.ClusterID, d.Controller)
		t := newTable(w, "BROKER", "HOST", "PORT", "RACK")
		for _, b := range d.Brokers {
			t.row(b.NodeID, b.Host, b.Port, orString(b.Rack, "-"))
		}
		return t.flush()
	})
}
