package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

type groupsResetOffsetsOptions struct {
	client     *clientOptions
	group      string
	topics     []string
	allTopics  bool
	toEarliest bool
	toLatest   bool
	toOffset   int64
	toDatetime string
	shiftBy    int64
	execute    bool
	dryRun     bool
	output     string
	hasOffset  bool // --to-offset was given
	hasShift   bool // --shift-by was given
}

// resetRow is one partition of a reset plan.
type resetRow struct {
	Group         string `json:"group"`
	Topic         string `json:"topic"`
	Partition     int32  `json:"partition"`
	CurrentOffset int64  `json:"current_offset"` // -1 when the group has none
	NewOffset     int64  `json:"new_offset"`
}

// resetBounds are what a reset needs to know about one partition.
type resetBounds struct {
	current, start, end, atTime int64
}

func newGroupsResetOffsetsCommand(co *clientOptions) *cobra.Command {
	o := &groupsResetOffsetsOptions{client: co}
	cmd := &cobra.Command{
		Use:   "reset-offsets",
		Short: "Move a group's committed offsets (a dry run unless --execute)",
		Long: `Plan new committed offsets for a group and, with --execute, commit them.
Pick the partitions with --topic (topic, or topic:p1,p2; repeatable) or
--all-topics (every topic the group has offsets for), and one target:
--to-earliest, --to-latest, --to-offset N, --to-datetime, --shift-by N.
Targets outside a partition's log are clamped to its start or end. Without
--execute nothing changes. The group must have no active members.
--to-datetime takes 2006-01-02T15:04:05[.000][Z|+hh:mm] (no zone: local).`,
		Example: `  strata groups reset-offsets --group my-group --topic my-topic --to-earliest
  strata groups reset-offsets --group my-group --topic my-topic --to-earliest --execute
  strata groups reset-offsets --group my-group --topic my-topic:0,1 --to-offset 100 --execute
  strata groups reset-offsets --group my-group --all-topics --shift-by -10 --execute
  strata groups reset-offsets --group my-group --topic my-topic --to-datetime 2024-05-01T00:00:00Z --execute`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.hasOffset, o.hasShift = cmd.Flags().Changed("to-offset"), cmd.Flags().Changed("shift-by")
			return o.run(cmd)
		},
	}
	o.registerFlags(cmd)
	return cmd
}

func (o *groupsResetOffsetsOptions) registerFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	addGroupFlag(cmd, o.client, &o.group, "group whose offsets to reset")
	f.StringArrayVarP(&o.topics, "topic", "t", nil, "topic, or topic:p1,p2 (repeatable)")
	cmd.RegisterFlagCompletionFunc("topic", completeTopics(o.client))
	f.BoolVar(&o.allTopics, "all-topics", false, "every topic the group has committed offsets for")
	f.BoolVar(&o.toEarliest, "to-earliest", false, "reset to the log start offset")
	f.BoolVar(&o.toLatest, "to-latest", false, "reset to the log end offset")
	f.Int64Var(&o.toOffset, "to-offset", 0, "reset to this offset")
	f.StringVar(&o.toDatetime, "to-datetime", "", "reset to the first offset at or after this time")
	f.Int64Var(&o.shiftBy, "shift-by", 0, "move the committed offset by N (negative: back)")
	f.BoolVar(&o.execute, "execute", false, "commit the new offsets")
	f.BoolVar(&o.dryRun, "dry-run", false, "only print the plan (the default)")
	addOutputFlag(cmd, &o.output, outputTable, outputJSON)
}

// Validate checks one scope and exactly one target are given.
func (o *groupsResetOffsetsOptions) Validate() error {
	if o.group == "" {
		return usageErrorf("no group given: pass --group NAME")
	}
	if (len(o.topics) > 0) == o.allTopics {
		return usageErrorf("pick the partitions with either --topic NAME[:p1,p2] or --all-topics")
	}
	targets := 0
	for _, set := range []bool{o.toEarliest, o.toLatest, o.hasOffset, o.toDatetime != "", o.hasShift} {
		if set {
			targets++
		}
	}
	if targets != 1 {
		return usageErrorf("give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by")
	}
	if o.hasOffset && o.toOffset < 0 {
		return usageErrorf("--to-offset %d: want an offset >= 0", o.toOffset)
	}
	if o.execute && o.dryRun {
		return usageErrorf("--execute and --dry-run conflict: pick one")
	}
	if o.toDatetime != "" {
		if _, err := parseResetTime(o.toDatetime); err != nil {
			return err
		}
	}
	return checkChoice("output", o.output, outputTable, outputJSON)
}

// parseResetTime parses --to-datetime as Kafka's tool does.
func parseResetTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05", s, time.Local); err == nil {
		return t, nil
	}
	return time.Time{}, usageErrorf("--to-datetime %q: want 2006-01-02T15:04:05[.000][Z|+hh:mm]", s)
}

func (o *groupsResetOffsetsOptions) run(cmd *cobra.Command) error {
	if err := o.Validate(); err != nil {
		return err
	}
	return withSession(o.client, func(s *session) error {
		if err := o.checkInactive(cmd.Context(), s); err != nil {
			return err
		}
		rows, err := o.plan(cmd.Context(), s)
		if err != nil {
			return err
		}
		if o.execute {
			if err := o.commit(cmd.Context(), s, rows); err != nil {
				return err
			}
		} else {
			fmt.Fprintln(cmd.ErrOrStderr(), "Dry run: no offsets changed; pass --execute to commit them.")
		}
		return o.print(cmd.OutOrStdout(), rows)
	})
}

// checkInactive refuses to commit for a group with members, whose
// consumers would overwrite the reset (Kafka's tool refuses likewise).
func (o *groupsResetOffsetsOptions) checkInactive(ctx context.Context, s *session) error {
	ctx, cancel := s.requestContext(ctx)
	defer cancel()
	gs, err := s.adm.DescribeGroups(ctx, o.group)
	if err != nil {
		return err
	}
	g := gs[o.group]
	if errors.Is(g.Err, kerr.GroupIDNotFound) {
		return nil // a new group: the reset creates its offsets
	}
	if g.Err != nil {
		return brokerError("describe group "+o.group, g.Err, g.ErrMessage)
	}
	if o.execute && len(g.Members) > 0 {
		return newCLIError(exitRejected, nil, "group %s is %s with %d active members: stop its consumers, then reset its offsets",
			o.group, g.State, len(g.Members))
	}
	return nil
}

// plan computes each partition's new offset.
func (o *groupsResetOffsetsOptions) plan(ctx context.Context, s *session) ([]resetRow, error) {
	ctx, cancel := s.requestContext(ctx)
	defer cancel()
	committed, err := s.adm.FetchOffsets(ctx, o.group)
	if err != nil {
		return nil, brokerError("fetch offsets of group "+o.group, err, "")
	}
	set, err := o.partitions(ctx, s, committed)
	if err != nil {
		return nil, err
	}
	bounds, err := o.bounds(ctx, s, set, committed)
	if err != nil {
		return nil, err
	}
	rows := []resetRow{}
	for _, tp := range set.Sorted() {
		for _, p := range tp.Partitions {
			b := bounds[tp.Topic][p]
			n, err := o.target(b, tp.Topic, p)
			if err != nil {
				return nil, err
			}
			rows = append(rows, resetRow{Group: o.group, Topic: tp.Topic, Partition: p, CurrentOffset: b.current, NewOffset: n})
		}
	}
	return rows, nil
}

// partitions is the scope: --topic specs, or every committed partition.
func (o *groupsResetOffsetsOptions) partitions(ctx context.Context, s *session, committed kadm.OffsetResponses) (kadm.TopicsSet, error) {
	if !o.allTopics {
		return resolveTopicSpecs(ctx, s, o.topics)
	}
	set := kadm.TopicsSet{}
	committed.Each(func(r kadm.OffsetResponse) {
		if r.Err == nil && r.At >= 0 {
			set.Add(r.Topic, r.Partition)
		}
	})
	if len(set) == 0 {
		return nil, notFoundErrorf("group %s has no committed offsets: name the partitions with --topic", o.group)
	}
	return set, nil
}

// bounds gathers current, start, end and (for --to-datetime) time offsets.
func (o *groupsResetOffsetsOptions) bounds(ctx context.Context, s *session, set kadm.TopicsSet, committed kadm.OffsetResponses) (map[string]map[int32]resetBounds, error) {
	topics := set.Topics()
	starts, ends, err := listStartEnd(ctx, s.adm, topics...)
	if err != nil {
		return nil, err
	}
	var atTime kadm.ListedOffsets
	if o.toDatetime != "" {
		t, _ := parseResetTime(o.toDatetime)
		if atTime, err = s.adm.ListOffsetsAfterMilli(ctx, t.UnixMilli(), topics...); err != nil {
			return nil, err
		}
	}
	out := map[string]map[int32]resetBounds{}
	for _, tp := range set.Sorted() {
		out[tp.Topic] = map[int32]resetBounds{}
		for _, p := range tp.Partitions {
			b := resetBounds{current: -1, start: -1, end: -1, atTime: -1}
			if c, ok := committed.Lookup(tp.Topic, p); ok && c.Err == nil {
				b.current = c.At
			}
			b.start, b.end = listedOffset(starts, tp.Topic, p), listedOffset(ends, tp.Topic, p)
			b.atTime = listedOffset(atTime, tp.Topic, p)
			if b.start < 0 || b.end < 0 {
				return nil, fmt.Errorf("list offsets of %s/%d: partition has no leader", tp.Topic, p)
			}
			out[tp.Topic][p] = b
		}
	}
	return out, nil
}

func listedOffset(lo kadm.ListedOffsets, t string, p int32) int64 {
	if o, ok := lo.Lookup(t, p); ok && o.Err == nil {
		return o.Offset
	}
	return -1
}

// target is the new offset of one partition, clamped to its log.
func (o *groupsResetOffsetsOptions) target(b resetBounds, topic string, p int32) (int64, error) {
	var n int64
	switch {
	case o.toEarliest:
		n = b.start
	case o.toLatest:
		n = b.end
	case o.hasOffset:
		n = o.toOffset
	case o.toDatetime != "":
		n = b.atTime
		if n < 0 {
			n = b.end
		}
	case o.hasShift:
		if b.current < 0 {
			return 0, notFoundErrorf("group %s has no committed offset for %s/%d to shift: use --to-offset", o.group, topic, p)
		}
		n = b.current + o.shiftBy
	}
	return max(b.start, min(n, b.end)), nil
}

// commit writes the planned offsets.
func (o *groupsResetOffsetsOptions) commit(ctx context.Context, s *session, rows []resetRow) error {
	ctx, cancel := s.requestContext(ctx)
	defer cancel()
	offs := kadm.Offsets{}
	for _, r := range rows {
		offs.Add(kadm.Offset{Topic: r.Topic, Partition: r.Partition, At: r.NewOffset, LeaderEpoch: -1})
	}
	resps, err := s.adm.CommitOffsets(ctx, o.group, offs)
	if err != nil {
		return brokerError("commit offsets of group "+o.group, err, "")
	}
	if err := resps.Error(); err != nil {
		return brokerError("commit offsets of group "+o.group, err, "")
	}
	return nil
}

func (o *groupsResetOffsetsOptions) print(w io.Writer, rows []resetRow) error {
	if o.output == outputJSON {
		return writeJSON(w, rows)
	}
	t := newTable(w, "GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "NEW-OFFSET")
	for _, r := range rows {
		t.row(r.Group, r.Topic, r.Partition, offsetCell(r.CurrentOffset), r.NewOffset)
	}
	return t.flush()
}
