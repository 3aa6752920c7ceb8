package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
)

type groupsDescribeOptions struct {
	client *clientOptions
	group  string
	output string
}

// groupDescription is what `groups describe` shows of one group.
type groupDescription struct {
	Group        string           `json:"group"`
	State        string           `json:"state"`
	ProtocolType string           `json:"protocol_type"`
	Protocol     string           `json:"protocol"`
	Coordinator  int32            `json:"coordinator"`
	Members      []groupMember    `json:"members"`
	Offsets      []groupOffsetRow `json:"offsets"`
}

// groupMember is one member of a described group.
type groupMember struct {
	MemberID   string   `json:"member_id"`
	ClientID   string   `json:"client_id"`
	Host       string   `json:"host"`
	Partitions []string `json:"partitions"` // topic-partition names assigned
}

// groupOffsetRow is one partition of a described group: the committed
// offset (-1 if none), the log end offset and the lag (-1 if unknown).
type groupOffsetRow struct {
	Topic           string `json:"topic"`
	Partition       int32  `json:"partition"`
	CommittedOffset int64  `json:"committed_offset"`
	LogEndOffset    int64  `json:"log_end_offset"`
	Lag             int64  `json:"lag"`
	MemberID        string `json:"member_id,omitempty"`
	ClientID        string `json:"client_id,omitempty"`
	Host            string `json:"host,omitempty"`
}

func newGroupsDescribeCommand(co *clientOptions) *cobra.Command {
	o := &groupsDescribeOptions{client: co}
	cmd := &cobra.Command{
		Use:   "describe [GROUP]",
		Short: "Show a group's state, members, and per-partition offsets and lag",
		Example: `  strata groups describe --group my-group
  strata groups describe my-group --output json`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeGroups(co),
		RunE:              func(cmd *cobra.Command, args []string) error { return o.run(cmd, args) },
	}
	addGroupFlag(cmd, co, &o.group, "group to describe")
	addOutputFlag(cmd, &o.output, outputTable, outputJSON)
	return cmd
}

func (o *groupsDescribeOptions) run(cmd *cobra.Command, args []string) error {
	group, err := nameArg("group", o.group, args, false)
	if err != nil {
		return err
	}
	if err := checkChoice("output", o.output, outputTable, outputJSON); err != nil {
		return err
	}
	return withSession(o.client, func(s *session) error {
		ctx, cancel := s.requestContext(cmd.Context())
		defer cancel()
		lags, err := s.adm.Lag(ctx, group)
		if err != nil {
			return err
		}
		l, ok := lags[group]
		if !ok {
			return notFoundErrorf("consumer group %s does not exist: check the name with `strata groups list`", group)
		}
		if err := l.Error(); err != nil {
			return brokerError("describe group "+group, err, "")
		}
		d := newGroupDescription(l)
		if d.State == "Dead" && len(d.Offsets) == 0 {
			return notFoundErrorf("consumer group %s does not exist: check the name with `strata groups list`", group)
		}
		if o.output == outputJSON {
			return writeJSON(cmd.OutOrStdout(), d)
		}
		return printGroupDescription(cmd.OutOrStdout(), d)
	})
}

func newGroupDescription(l kadm.DescribedGroupLag) groupDescription {
	d := groupDescription{Group: l.Group, State: l.State, ProtocolType: l.ProtocolType, Protocol: l.Protocol,
		Coordinator: l.Coordinator.NodeID, Members: []groupMember{}, Offsets: []groupOffsetRow{}}
	for _, m := range l.Members {
		gm := groupMember{MemberID: m.MemberID, ClientID: m.ClientID, Host: m.ClientHost, Partitions: []string{}}
		if ca, ok := m.Assigned.AsConsumer(); ok {
			for _, t := range ca.Topics {
				for _, p := range t.Partitions {
					gm.Partitions = append(gm.Partitions, fmt.Sprintf("%s-%d", t.Topic, p))
				}
			}
		}
		d.Members = append(d.Members, gm)
	}
	for _, ml := range l.Lag.Sorted() {
		r := groupOffsetRow{Topic: ml.Topic, Partition: ml.Partition, CommittedOffset: ml.Commit.At,
			LogEndOffset: -1, Lag: ml.Lag}
		if ml.End.Err == nil {
			r.LogEndOffset = ml.End.Offset
		}
		if ml.Member != nil {
			r.MemberID, r.ClientID, r.Host = ml.Member.MemberID, ml.Member.ClientID, ml.Member.ClientHost
		}
		d.Offsets = append(d.Offsets, r)
	}
	return d
}

func printGroupDescription(w io.Writer, d groupDescription) error {
	protocol := strings.Trim(d.ProtocolType+"/"+d.Protocol, "/")
	fmt.Fprintf(w, "Group: %s\tState: %s\tProtocol: %s\tCoordinator: %d\tMembers: %d\n\n",
		d.Group, d.State, orString(protocol, "-"), d.Coordinator, len(d.Members))
	t := newTable(w, "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID")
	for _, r := range d.Offsets {
		t.row(r.Topic, r.Partition, offsetCell(r.CommittedOffset), offsetCell(r.LogEndOffset), offsetCell(r.Lag),
			orString(r.MemberID, "-"), orString(r.Host, "-"), orString(r.ClientID, "-"))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if len(d.Members) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	mt := newTable(w, "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS", "ASSIGNMENT")
	for _, m := range d.Members {
		mt.row(m.MemberID, m.Host, m.ClientID, len(m.Partitions), orString(strings.Join(m.Partitions, ","), "-"))
	}
	return mt.flush()
}

// offsetCell shows -1 (unknown) as "-", as Kafka's tool does.
func offsetCell(n int64) string {
	if n < 0 {
		return "-"
	}
	return fmt.Sprint(n)
}
