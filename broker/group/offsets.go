package group

import (
	"cmp"
	"context"
	"log/slog"
	"maps"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/tiered/batch"
)

// OffsetCommit stores committed offsets. Members commit with their
// generation and member id; a client outside group management (generation
// -1, no member id) may commit to a group without members, creating it.
// The offsets are durable in __consumer_offsets before the response.
func (c *Coordinator) OffsetCommit(ctx context.Context, req *kmsg.OffsetCommitRequest) *kmsg.OffsetCommitResponse {
	resp := kmsg.NewPtrOffsetCommitResponse()
	resp.Version = req.Version
	for _, t := range req.Topics {
		rt := kmsg.OffsetCommitResponseTopic{Topic: t.Topic}
		for _, p := range t.Partitions {
			rt.Partitions = append(rt.Partitions, kmsg.OffsetCommitResponseTopicPartition{Partition: p.Partition})
		}
		resp.Topics = append(resp.Topics, rt)
	}
	code := c.status(req.Group, true)
	if code == 0 {
		code = c.commit(ctx, req, resp)
	}
	if code != 0 {
		for i := range resp.Topics {
			for j := range resp.Topics[i].Partitions {
				resp.Topics[i].Partitions[j].ErrorCode = code
			}
		}
	}
	return resp
}

// commit validates and writes the commit, filling in per-partition codes;
// a code it returns applies to every partition.
func (c *Coordinator) commit(ctx context.Context, req *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse) int16 {
	g := c.lockGroup(req.Group, req.Generation < 0)
	if g == nil { // a generation for a group that does not exist
		return kerr.IllegalGeneration.Code
	}
	defer c.unlock(g)
	now := c.cfg.now()
	if code := g.validateCommit(req, now); code != 0 {
		return code
	}
	type commit struct {
		code *int16
		tp   topicPartition
		c    committed
	}
	var commits []commit
	var records []batch.Record
	for i, t := range req.Topics {
		for j, p := range t.Partitions {
			code := &resp.Topics[i].Partitions[j].ErrorCode
			cm := c.committed(req, &p, now)
			if utf8.RuneCountInString(cm.metadata) > c.cfg.OffsetMetadataMaxBytes {
				*code = kerr.OffsetMetadataTooLarge.Code
				continue
			}
			tp := topicPartition{t.Topic, p.Partition}
			commits = append(commits, commit{code, tp, cm})
			records = append(records, offsetRecord(g.id, tp, &cm))
		}
	}
	if len(records) == 0 {
		return 0
	}
	if err := c.write(ctx, g.partition, records); err != nil {
		c.log.Warn("group: offsets not committed", slog.String("group", g.id), slog.Any("err", err))
		for _, cm := range commits {
			*cm.code = appendCode(err, kerr.InvalidCommitOffsetSize.Code)
		}
		return 0
	}
	for _, cm := range commits {
		g.mu.offsets[cm.tp] = cm.c
	}
	return 0
}

// committed is the offset a request commits for one partition: the commit
// time is now, or v1's per-partition timestamp; v2-v4 may set an explicit
// retention, which fixes the expiry time.
func (c *Coordinator) committed(req *kmsg.OffsetCommitRequest, p *kmsg.OffsetCommitRequestTopicPartition, now time.Time) committed {
	cm := committed{offset: p.Offset, leaderEpoch: p.LeaderEpoch, commitTime: now.UnixMilli(), expireTime: -1}
	if p.Metadata != nil {
		cm.metadata = *p.Metadata
	}
	if req.Version == 1 && p.Timestamp != -1 {
		cm.commitTime = p.Timestamp
	}
	if req.Version >= 2 && req.Version <= 4 && req.RetentionTimeMillis != -1 {
		cm.expireTime = now.UnixMilli() + req.RetentionTimeMillis
	}
	return cm
}

// validateCommit checks who commits: a member (or anyone naming a
// generation, member or instance) must be a member of the current
// generation; anyone else may commit only to a group without members.
// A member committing restarts its session.
func (g *group) validateCommit(req *kmsg.OffsetCommitRequest, now time.Time) int16 {
	if req.Generation < 0 && req.MemberID == "" && req.InstanceID == nil {
		if g.mu.state != stateEmpty {
			return kerr.UnknownMemberID.Code
		}
		return 0
	}
	m, code := g.validateMember(req.MemberID, req.InstanceID)
	switch {
	case code != 0:
		return code
	case req.Generation != g.mu.generation:
		return kerr.IllegalGeneration.Code
	case g.mu.state == stateCompletingRebalance:
		return kerr.RebalanceInProgress.Code
	}
	m.deadline = now.Add(m.sessionTimeout)
	return 0
}

// OffsetFetch returns committed offsets: -1 for partitions without one,
// every committed partition when the topics are null (v2+). Before v8 it
// serves one group, from v8 a list. RequireStable (v7+) has nothing to
// wait for until transactions exist, and the v9 member fields are not
// checked for classic groups, as in Kafka. A group error is the group's
// (v2+) or, before v2, every requested partition's.
func (c *Coordinator) OffsetFetch(_ context.Context, req *kmsg.OffsetFetchRequest) *kmsg.OffsetFetchResponse {
	resp := kmsg.NewPtrOffsetFetchResponse()
	resp.Version = req.Version
	if req.Version >= 8 {
		for _, rg := range req.Groups {
			resp.Groups = append(resp.Groups, c.fetch(rg.Group, rg.Topics, rg.Topics == nil))
		}
		return resp
	}
	var topics []kmsg.OffsetFetchRequestGroupTopic
	for _, t := range req.Topics {
		topics = append(topics, kmsg.OffsetFetchRequestGroupTopic{Topic: t.Topic, Partitions: t.Partitions})
	}
	rg := c.fetch(req.Group, topics, req.Topics == nil && req.Version >= 2)
	resp.ErrorCode = rg.ErrorCode
	if rg.ErrorCode != 0 && req.Version < 2 {
		rg.Topics = fetchedOffsets(topics, nil, rg.ErrorCode)
	}
	for _, t := range rg.Topics {
		rt := kmsg.OffsetFetchResponseTopic{Topic: t.Topic}
		for _, p := range t.Partitions {
			rt.Partitions = append(rt.Partitions, kmsg.OffsetFetchResponseTopicPartition{
				Partition: p.Partition, Offset: p.Offset, LeaderEpoch: p.LeaderEpoch, Metadata: p.Metadata, ErrorCode: p.ErrorCode,
			})
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp
}

// fetch answers one group's offsets; all asks for every committed one.
func (c *Coordinator) fetch(id string, topics []kmsg.OffsetFetchRequestGroupTopic, all bool) kmsg.OffsetFetchResponseGroup {
	rg := kmsg.NewOffsetFetchResponseGroup()
	rg.Group = id
	if rg.ErrorCode = c.status(id, true); rg.ErrorCode != 0 {
		return rg
	}
	var offsets map[topicPartition]committed
	if g := c.lockGroup(id, false); g != nil {
		offsets = maps.Clone(g.mu.offsets)
		c.unlock(g)
	}
	if all {
		topics = committedTopics(offsets)
	}
	rg.Topics = fetchedOffsets(topics, offsets, 0)
	return rg
}

// fetchedOffsets answers the requested partitions from offsets, -1 where
// there is none, each with code.
func fetchedOffsets(topics []kmsg.OffsetFetchRequestGroupTopic, offsets map[topicPartition]committed, code int16) []kmsg.OffsetFetchResponseGroupTopic {
	var out []kmsg.OffsetFetchResponseGroupTopic
	for _, t := range topics {
		rt := kmsg.OffsetFetchResponseGroupTopic{Topic: t.Topic}
		for _, p := range t.Partitions {
			rp := kmsg.OffsetFetchResponseGroupTopicPartition{Partition: p, Offset: -1, LeaderEpoch: -1, Metadata: kmsg.StringPtr(""), ErrorCode: code}
			if cm, ok := offsets[topicPartition{t.Topic, p}]; ok {
				rp.Offset, rp.LeaderEpoch, rp.Metadata = cm.offset, cm.leaderEpoch, kmsg.StringPtr(cm.metadata)
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		out = append(out, rt)
	}
	return out
}

// committedTopics lists the committed partitions as a request would, in
// topic and partition order.
func committedTopics(offsets map[topicPartition]committed) []kmsg.OffsetFetchRequestGroupTopic {
	var topics []kmsg.OffsetFetchRequestGroupTopic
	for _, tp := range slices.SortedFunc(maps.Keys(offsets), compareTopicPartitions) {
		if n := len(topics); n == 0 || topics[n-1].Topic != tp.topic {
			topics = append(topics, kmsg.OffsetFetchRequestGroupTopic{Topic: tp.topic})
		}
		t := &topics[len(topics)-1]
		t.Partitions = append(t.Partitions, tp.partition)
	}
	return topics
}

// sortedOffsets lists the group's committed partitions in order.
func (g *group) sortedOffsets() []topicPartition {
	return slices.SortedFunc(maps.Keys(g.mu.offsets), compareTopicPartitions)
}

func compareTopicPartitions(a, b topicPartition) int {
	return cmp.Or(cmp.Compare(a.topic, b.topic), cmp.Compare(a.partition, b.partition))
}

// OffsetDelete deletes committed offsets of a group. An empty group loses
// any; an active consumer group only those of topics it does not
// subscribe to (GROUP_SUBSCRIBED_TO_TOPIC for the others); any other
// active group none (NON_EMPTY_GROUP).
func (c *Coordinator) OffsetDelete(ctx context.Context, req *kmsg.OffsetDeleteRequest) *kmsg.OffsetDeleteResponse {
	resp := kmsg.NewPtrOffsetDeleteResponse()
	resp.Version = req.Version
	if resp.ErrorCode = c.status(req.Group, false); resp.ErrorCode != 0 {
		return resp
	}
	g := c.lockGroup(req.Group, false)
	if g == nil {
		resp.ErrorCode = kerr.GroupIDNotFound.Code
		return resp
	}
	defer c.unlock(g)
	if g.mu.state != stateEmpty && g.mu.protocolType != consumerProtocol {
		resp.ErrorCode = kerr.NonEmptyGroup.Code
		return resp
	}
	var eligible []topicPartition
	var eligibleCodes []*int16
	for _, t := range req.Topics {
		rt := kmsg.OffsetDeleteResponseTopic{Topic: t.Topic, Partitions: make([]kmsg.OffsetDeleteResponseTopicPartition, len(t.Partitions))}
		for i, p := range t.Partitions {
			rt.Partitions[i].Partition = p.Partition
			if g.mu.state != stateEmpty && g.subscribedTo(t.Topic) {
				rt.Partitions[i].ErrorCode = kerr.GroupSubscribedToTopic.Code
				continue
			}
			eligible = append(eligible, topicPartition{t.Topic, p.Partition})
			eligibleCodes = append(eligibleCodes, &rt.Partitions[i].ErrorCode)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	if err := g.removeOffsets(ctx, eligible); err != nil {
		c.log.Warn("group: offsets not deleted", slog.String("group", g.id), slog.Any("err", err))
		for _, code := range eligibleCodes {
			*code = appendCode(err, kerr.UnknownServerError.Code)
		}
	}
	return resp
}

// removeOffsets writes tombstones for the group's offsets of tps and then
// forgets them. A group left empty without offsets is dead: its metadata
// is tombstoned in the same batch and the coordinator forgets it.
func (g *group) removeOffsets(ctx context.Context, tps []topicPartition) error {
	var records []batch.Record
	var gone []topicPartition
	for _, tp := range tps {
		if _, ok := g.mu.offsets[tp]; ok && !slices.Contains(gone, tp) {
			records = append(records, offsetRecord(g.id, tp, nil))
			gone = append(gone, tp)
		}
	}
	dead := g.mu.state == stateEmpty && len(g.mu.pending) == 0 && len(g.mu.offsets) == len(gone)
	if dead && g.mu.stored {
		records = append(records, groupTombstone(g.id))
	}
	if len(records) > 0 {
		if err := g.c.write(ctx, g.partition, records); err != nil {
			return err
		}
	}
	for _, tp := range gone {
		delete(g.mu.offsets, tp)
	}
	if dead {
		g.mu.stored = false
		g.c.drop(g)
	}
	return nil
}

// expireOffsets removes expired offsets from every group and, as Kafka's
// cleanup does, the groups left empty without offsets.
func (c *Coordinator) expireOffsets(now time.Time) {
	for _, g := range c.groupList() {
		g.mu.Lock()
		if g.mu.state != stateDead {
			expired := g.expiredOffsets(now, c.cfg.OffsetsRetention)
			if err := g.removeOffsets(c.ctx, expired); err != nil {
				c.log.Warn("group: expired offsets not removed", slog.String("group", g.id), slog.Any("err", err))
			} else if len(expired) > 0 {
				c.log.Info("group: offsets expired", slog.String("group", g.id), slog.Int("partitions", len(expired)))
			}
		}
		c.unlock(g)
	}
}

// expiredOffsets lists the offsets past retention, by Kafka's rules: in an
// empty group, retention runs from when the group became empty; in a
// stable consumer group with known subscriptions, from the last commit of
// an unsubscribed topic; in a group that only stores offsets, from the
// last commit. An offset committed with an explicit retention (v2-v4)
// expires at its own time.
func (g *group) expiredOffsets(now time.Time, retention time.Duration) []topicPartition {
	var since func(committed) int64
	skipSubscribed := false
	switch {
	case g.mu.protocolType != "" && g.mu.state == stateEmpty:
		since = func(cm committed) int64 {
			if g.mu.stateTime.IsZero() {
				return cm.commitTime
			}
			return g.mu.stateTime.UnixMilli()
		}
	case g.mu.protocolType == consumerProtocol && g.mu.subscribed != nil && g.mu.state == stateStable:
		since, skipSubscribed = func(cm committed) int64 { return cm.commitTime }, true
	case g.mu.protocolType == "":
		since = func(cm committed) int64 { return cm.commitTime }
	default:
		return nil
	}
	nowMs, retentionMs := now.UnixMilli(), retention.Milliseconds()
	var expired []topicPartition
	for tp, cm := range g.mu.offsets {
		if skipSubscribed && g.subscribedTo(tp.topic) {
			continue
		}
		if (cm.expireTime >= 0 && nowMs >= cm.expireTime) || (cm.expireTime < 0 && nowMs-since(cm) >= retentionMs) {
			expired = append(expired, tp)
		}
	}
	slices.SortFunc(expired, compareTopicPartitions)
	return expired
}
