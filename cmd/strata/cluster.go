package main

import (
	"github.com/spf13/cobra"
)

// newClusterCommand is the parent of the cluster-wide commands.
func newClusterCommand(co *clientOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Describe the cluster, its brokers' API versions and its health",
		Example: `  strata cluster describe
  strata cluster api-versions
  strata cluster health`,
	}
	cmd.RunE = runParent
	cmd.SetFlagErrorFunc(flagError)
	cmd.AddCommand(newClusterDescribeCommand(co), newClusterAPIVersionsCommand(co), newClusterHealthCommand(co))
	return cmd
}

// brokerRow is one broker of the cluster.
type brokerRow struct {
	NodeID int32  `json:"node_id"`
	Host   string `json:"host"`
	Port   int32  `json:"port"`
	Rack   string `json:"rack,omitempty"`
}
