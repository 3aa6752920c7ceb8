package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/strata-streaming/strata/broker"
)

type tierStatusOptions struct {
	adminServer string
	topic       string
	output      string
	timeout     time.Duration
}

func newTierStatusCommand(co *clientOptions) *cobra.Command {
	o := &tierStatusOptions{}
	cmd := &cobra.Command{
		Use:   "status [TOPIC]",
		Short: "Show each partition's local and remote tiers",
		Long: `Show, per partition of a broker: where its log starts (in either tier), where
its local copy starts, where it ends, its local bytes, and its remote tier: the
segments and bytes in the object store, the upload backlog, the last upload and
the last upload error. The broker answers on its admin server (strata serve
--admin-listen).`,
		Example: `  strata tier status
  strata tier status events
  strata tier status --admin-server broker-1:9644 --output json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args) },
	}
	f := cmd.Flags()
	f.StringVar(&o.adminServer, "admin-server", broker.DefaultAdminListen, "the broker's admin server (host:port)")
	f.DurationVar(&o.timeout, "timeout", 10*time.Second, "how long to wait for the broker")
	addTopicFlag(cmd, co, &o.topic, "only this topic's partitions")
	addOutputFlag(cmd, &o.output, "table", "json")
	return cmd
}

// tierStatus is the admin server's answer to GET /v1/tiers.
type tierStatus struct {
	NodeID     int32                   `json:"node_id"`
	Partitions []broker.PartitionTiers `json:"partitions"`
}

func (o *tierStatusOptions) run(cmd *cobra.Command, args []string) error {
	topic, err := nameArg("topic", o.topic, args, true)
	if err != nil {
		return err
	}
	st, err := o.fetch(cmd.Context())
	if err != nil {
		return err
	}
	var parts []broker.PartitionTiers
	for _, p := range st.Partitions {
		if topic == "" || p.Topic == topic {
			parts = append(parts, p)
		}
	}
	if topic != "" && len(parts) == 0 {
		return notFoundErrorf("topic %s has no partition on broker %d: check the name with `strata topics list`", topic, st.NodeID)
	}
	if o.output == "json" {
		return writeJSON(cmd.OutOrStdout(), tierStatus{NodeID: st.NodeID, Partitions: parts})
	}
	return printTiers(cmd.OutOrStdout(), parts)
}

// fetch reads the broker's tier status from its admin server.
func (o *tierStatusOptions) fetch(ctx context.Context) (tierStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	var st tierStatus
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+o.adminServer+"/v1/tiers", nil)
	if err != nil {
		return st, usageErrorf("--admin-server %q: %v", o.adminServer, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return st, newCLIError(exitUnreachable, err,
			"cannot reach the admin server at %s: is `strata serve` running with --admin-listen there? use --admin-server", o.adminServer)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return st, err
	}
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("admin server at %s: %s: %s", o.adminServer, resp.Status, oneLine(string(body)))
	}
	if err := json.Unmarshal(body, &st); err != nil {
		return st, fmt.Errorf("admin server at %s: unreadable tier status: %w", o.adminServer, err)
	}
	return st, nil
}

func printTiers(w io.Writer, parts []broker.PartitionTiers) error {
	t := newTable(w, "TOPIC", "PARTITION", "LOG-START", "LOCAL-START", "LOG-END", "LOCAL-BYTES",
		"REMOTE-SEGMENTS", "REMOTE-BYTES", "REMOTE-END", "UPLOAD-BACKLOG", "LAST-UPLOAD", "UPLOAD-ERROR")
	for _, p := range parts {
		if p.Remote == nil {
			t.row(p.Topic, p.Partition, p.LogStartOffset, p.LocalStartOffset, p.LogEndOffset, p.LocalBytes,
				"-", "-", "-", "-", "-", "local only")
			continue
		}
		r := p.Remote
		last, errText := "never", "-"
		if !r.LastUpload.IsZero() {
			last = r.LastUpload.Format(time.RFC3339)
		}
		if r.LastError != "" {
			errText = oneLine(r.LastError)
		}
		t.row(p.Topic, p.Partition, p.LogStartOffset, p.LocalStartOffset, p.LogEndOffset, p.LocalBytes,
			r.Segments, r.Bytes, r.EndOffset, r.BacklogBytes, last, errText)
	}
	return t.flush()
}
