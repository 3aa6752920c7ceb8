package group

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/tiered/batch"
)

// commitReq commits offsets of topic t: partition i gets offsets[i].
func commitReq(group, memberID string, generation int32, offsets ...int64) *kmsg.OffsetCommitRequest {
	r := kmsg.NewPtrOffsetCommitRequest()
	r.Version = 9
	r.Group, r.MemberID, r.Generation = group, memberID, generation
	rt := kmsg.OffsetCommitRequestTopic{Topic: "t"}
	for i, o := range offsets {
		p := kmsg.NewOffsetCommitRequestTopicPartition()
		p.Partition, p.Offset, p.LeaderEpoch = int32(i), o, 5
		p.Metadata = kmsg.StringPtr(fmt.Sprintf("m%d", i))
		rt.Partitions = append(rt.Partitions, p)
	}
	r.Topics = []kmsg.OffsetCommitRequestTopic{rt}
	return r
}

// commit commits and returns the code of every partition, checking they
// agree.
func (e *env) commit(req *kmsg.OffsetCommitRequest) int16 {
	e.t.Helper()
	resp := e.c.OffsetCommit(context.Background(), req)
	code := resp.Topics[0].Partitions[0].ErrorCode
	for _, p := range resp.Topics[0].Partitions {
		if p.ErrorCode != code {
			e.t.Fatalf("partition codes differ: %+v", resp.Topics[0].Partitions)
		}
	}
	return code
}

// fetch fetches partitions of topic t (nil for every committed one) with
// a v7 request and returns offset by partition.
func (e *env) fetch(group string, partitions ...int32) map[int32]int64 {
	e.t.Helper()
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Version = 7
	req.Group = group
	if partitions != nil {
		req.Topics = []kmsg.OffsetFetchRequestTopic{{Topic: "t", Partitions: partitions}}
	}
	resp := e.c.OffsetFetch(context.Background(), req)
	wantCode(e.t, "fetch", resp.ErrorCode, nil)
	out := map[int32]int64{}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			out[p.Partition] = p.Offset
		}
	}
	return out
}

func TestCommitAndFetch(t *testing.T) {
	e := newEnv(t)
	wantCode(t, "simple commit", e.commit(commitReq("simple", "", -1, 10, 20)), nil)
	got := e.fetch("simple", 0, 1, 7)
	if got[0] != 10 || got[1] != 20 || got[7] != -1 {
		t.Fatalf("fetched %v", got)
	}
	if all := e.fetch("simple"); len(all) != 2 {
		t.Fatalf("all offsets %v", all)
	}
	if none := e.fetch("unknown", 0); none[0] != -1 {
		t.Fatalf("unknown group %v", none)
	}

	req := kmsg.NewPtrOffsetFetchRequest()
	req.Version = 8
	req.Groups = []kmsg.OffsetFetchRequestGroup{{Group: "simple"}, {Group: "other", Topics: []kmsg.OffsetFetchRequestGroupTopic{{Topic: "t", Partitions: []int32{0}}}}}
	resp := e.c.OffsetFetch(context.Background(), req)
	p := resp.Groups[0].Topics[0].Partitions[1]
	if len(resp.Groups) != 2 || p.Offset != 20 || p.LeaderEpoch != 5 || *p.Metadata != "m1" || resp.Groups[1].Topics[0].Partitions[0].Offset != -1 {
		t.Fatalf("v8 fetch %+v", resp)
	}
	if got := e.state("simple"); got != "Empty" {
		t.Fatalf("offset-only group %s", got)
	}
}

func TestCommitVersionFields(t *testing.T) {
	e := newEnv(t)
	v1 := commitReq("g", "", -1, 10)
	v1.Version = 1
	wantCode(t, "v1 commit", e.commit(v1), nil)
	v2 := commitReq("g", "", -1, 1, 11)
	v2.Version, v2.RetentionTimeMillis = 2, 60_000
	wantCode(t, "v2 commit", e.commit(v2), nil)
	e.c.mu.Lock()
	g := e.c.mu.groups["g"]
	e.c.mu.Unlock()
	g.mu.Lock()
	p0, p1 := g.mu.offsets[topicPartition{"t", 0}], g.mu.offsets[topicPartition{"t", 1}]
	g.mu.Unlock()
	now := e.clk.Now().UnixMilli()
	if p0.expireTime != now+60_000 || p1.commitTime != now {
		t.Fatalf("offsets %+v %+v", p0, p1)
	}
	v1.Topics[0].Partitions[0].Timestamp = now - 1000
	wantCode(t, "v1 commit", e.commit(v1), nil)
	g.mu.Lock()
	p0 = g.mu.offsets[topicPartition{"t", 0}]
	g.mu.Unlock()
	if p0.commitTime != now-1000 || p0.expireTime != -1 {
		t.Fatalf("v1 offset %+v", p0)
	}
	e.advance(time.Minute + DefaultOffsetsRetentionCheckInterval) // p1's explicit retention is up
	if got := e.fetch("g", 0, 1); got[0] != 10 || got[1] != -1 {
		t.Fatalf("after expiry %v", got)
	}
}

func TestCommitChecksMembership(t *testing.T) {
	e := newEnv(t)
	ids, gen := e.stableGroup("g", 2, "t")
	wantCode(t, "member commit", e.commit(commitReq("g", ids[1], gen, 5)), nil)
	big := commitReq("g", ids[1], gen, 5)
	big.Topics[0].Partitions[0].Metadata = kmsg.StringPtr(strings.Repeat("x", DefaultOffsetMetadataMaxBytes+1))
	wantCode(t, "metadata too large", e.commit(big), kerr.OffsetMetadataTooLarge)
	cases := []struct {
		name string
		req  *kmsg.OffsetCommitRequest
		want *kerr.Error
	}{
		{"outsider", commitReq("g", "", -1, 1), kerr.UnknownMemberID},
		{"unknown member", commitReq("g", "someone", gen, 1), kerr.UnknownMemberID},
		{"old generation", commitReq("g", ids[0], gen-1, 1), kerr.IllegalGeneration},
		{"generation for a new group", commitReq("new", "x", 3, 1), kerr.IllegalGeneration},
		{"member of a new group", commitReq("new", "x", -1, 1), kerr.UnknownMemberID},
	}
	for _, tc := range cases {
		wantCode(t, tc.name, e.commit(tc.req), tc.want)
	}
	if got := e.fetch("g", 0); got[0] != 5 {
		t.Fatalf("offset %v after refused commits", got)
	}
	if d := e.describe("new"); d.State != "Dead" {
		t.Fatalf("refused commits left group new %s", d.State)
	}

	// After the join phase, before the leader syncs: REBALANCE_IN_PROGRESS.
	w := e.joinAsync(joinReq("g", ids[0], "t"))
	e.parkedJoins("g", 1)
	wantCode(t, "commit while preparing", e.commit(commitReq("g", ids[1], gen, 6)), nil)
	e.join(joinReq("g", ids[1], "t"))
	await(t, w)
	wantCode(t, "commit while completing", e.commit(commitReq("g", ids[1], gen+1, 7)), kerr.RebalanceInProgress)
}

func TestRestartRestoresGroupsAndOffsets(t *testing.T) {
	e := newEnv(t)
	ids, gen := e.stableGroup("g", 2, "t")
	wantCode(t, "commit", e.commit(commitReq("g", ids[0], gen, 100, 200)), nil)
	wantCode(t, "simple commit", e.commit(commitReq("simple", "", -1, 7)), nil)
	w := e.joinAsync(staticJoinReq("static", "", "i", "t"))
	e.parkedJoins("static", 1)
	e.advance(DefaultInitialRebalanceDelay)
	rs := await(t, w).resp
	e.sync(syncReq("static", rs.MemberID, rs.Generation, map[string][]byte{rs.MemberID: []byte("S")}))

	e = e.restart()
	d := e.describe("g")
	if d.State != "Stable" || len(d.Members) != 2 || d.Members[0].MemberID != ids[0] || string(d.Members[1].MemberAssignment) != "assignment of "+ids[1] {
		t.Fatalf("restored %+v", d)
	}
	if got := e.fetch("g"); got[0] != 100 || got[1] != 200 {
		t.Fatalf("restored offsets %v", got)
	}
	if got := e.fetch("simple"); got[0] != 7 {
		t.Fatalf("restored simple offsets %v", got)
	}
	wantCode(t, "heartbeat after restart", e.heartbeat("g", ids[1], gen), nil)
	if got := e.sync(syncReq("g", ids[1], gen, nil)); string(got.MemberAssignment) != "assignment of "+ids[1] {
		t.Fatalf("restored assignment %q", got.MemberAssignment)
	}
	r := e.join(staticJoinReq("static", "", "i", "t")) // the static member resumes without a rebalance
	if r.ErrorCode != 0 || r.Generation != rs.Generation || e.state("static") != "Stable" {
		t.Fatalf("static rejoin after restart %+v", r)
	}

	// Members that do not come back expire.
	e.advance(testSession)
	if got := e.state("g"); got != "Empty" {
		t.Fatalf("state %s after the members' sessions", got)
	}
}

func TestDeleteGroupsWritesTombstones(t *testing.T) {
	e := newEnv(t)
	ids, gen := e.stableGroup("g", 1, "t")
	wantCode(t, "commit", e.commit(commitReq("g", ids[0], gen, 1, 2)), nil)
	del := kmsg.NewPtrDeleteGroupsRequest()
	del.Version = 2
	del.Groups = []string{"g", "missing"}
	resp := e.c.DeleteGroups(context.Background(), del)
	wantCode(t, "active group", resp.Groups[0].ErrorCode, kerr.NonEmptyGroup)
	wantCode(t, "missing group", resp.Groups[1].ErrorCode, kerr.GroupIDNotFound)

	leave := kmsg.NewPtrLeaveGroupRequest()
	leave.Group, leave.MemberID = "g", ids[0]
	e.c.LeaveGroup(context.Background(), leave)
	del.Groups = []string{"g"}
	wantCode(t, "empty group", e.c.DeleteGroups(context.Background(), del).Groups[0].ErrorCode, nil)
	if got := e.fetch("g", 0); got[0] != -1 {
		t.Fatalf("offsets after delete %v", got)
	}
	recs := e.records("g")
	tail := recs[len(recs)-3:]
	for i, kind := range []recordKind{kindOffset, kindOffset, kindGroup} {
		if k, _ := kindOf(tail[i].Key); k != kind || tail[i].Value != nil {
			t.Fatalf("record %d of the delete: kind %d value %x", i, k, tail[i].Value)
		}
	}
	e = e.restart()
	if d := e.describe("g"); d.State != "Dead" {
		t.Fatalf("deleted group back as %s", d.State)
	}
}

func TestOffsetDelete(t *testing.T) {
	e := newEnv(t)
	ids, gen := e.stableGroup("g", 1, "t")
	commit := commitReq("g", ids[0], gen, 1)
	commit.Topics = append(commit.Topics, kmsg.OffsetCommitRequestTopic{Topic: "u", Partitions: commit.Topics[0].Partitions})
	e.c.OffsetCommit(context.Background(), commit)

	del := kmsg.NewPtrOffsetDeleteRequest()
	del.Group = "g"
	del.Topics = []kmsg.OffsetDeleteRequestTopic{
		{Topic: "t", Partitions: []kmsg.OffsetDeleteRequestTopicPartition{{Partition: 0}}},
		{Topic: "u", Partitions: []kmsg.OffsetDeleteRequestTopicPartition{{Partition: 0}}},
	}
	resp := e.c.OffsetDelete(context.Background(), del)
	wantCode(t, "group", resp.ErrorCode, nil)
	wantCode(t, "subscribed topic", resp.Topics[0].Partitions[0].ErrorCode, kerr.GroupSubscribedToTopic)
	wantCode(t, "other topic", resp.Topics[1].Partitions[0].ErrorCode, nil)
	if got := e.fetch("g", 0); got[0] != 1 {
		t.Fatalf("subscribed offset deleted: %v", got)
	}

	del.Group = "missing"
	wantCode(t, "missing group", e.c.OffsetDelete(context.Background(), del).ErrorCode, kerr.GroupIDNotFound)
	del.Group = ""
	wantCode(t, "empty id", e.c.OffsetDelete(context.Background(), del).ErrorCode, kerr.InvalidGroupID)

	connect := joinReq("c", "")
	connect.Version, connect.ProtocolType = 3, "connect"
	w := e.joinAsync(connect)
	e.parkedJoins("c", 1)
	del.Group = "c"
	wantCode(t, "active connect group", e.c.OffsetDelete(context.Background(), del).ErrorCode, kerr.NonEmptyGroup)
	e.advance(DefaultInitialRebalanceDelay)
	await(t, w)

	// Once the last offset of an empty group goes, so does the group.
	wantCode(t, "simple commit", e.commit(commitReq("simple", "", -1, 3)), nil)
	del.Group = "simple"
	del.Topics = del.Topics[:1]
	wantCode(t, "simple", e.c.OffsetDelete(context.Background(), del).Topics[0].Partitions[0].ErrorCode, nil)
	if d := e.describe("simple"); d.State != "Dead" {
		t.Fatalf("group without offsets is %s", d.State)
	}
}

func TestOffsetsExpire(t *testing.T) {
	e := newEnv(t)
	wantCode(t, "simple commit", e.commit(commitReq("simple", "", -1, 3)), nil)
	ids, gen := e.stableGroup("g", 1, "t")
	wantCode(t, "member commit", e.commit(commitReq("g", ids[0], gen, 4)), nil)
	e.advance(DefaultOffsetsRetention / 2)
	leave := kmsg.NewPtrLeaveGroupRequest()
	leave.Group, leave.MemberID = "g", ids[0]
	e.c.LeaveGroup(context.Background(), leave)
	wantCode(t, "heartbeat", e.heartbeat("g", ids[0], gen), kerr.UnknownMemberID)

	e.advance(DefaultOffsetsRetention / 2) // the simple group's commit is a retention old
	if d := e.describe("simple"); d.State != "Dead" {
		t.Fatalf("simple group %s after retention", d.State)
	}
	if got := e.fetch("g", 0); got[0] != 4 { // retention runs from when g emptied
		t.Fatalf("g offsets %v", got)
	}
	e.advance(DefaultOffsetsRetention / 2)
	if d := e.describe("g"); d.State != "Dead" {
		t.Fatalf("g %s after retention", d.State)
	}
	recs := e.records("g")
	if last := recs[len(recs)-1]; last.Value != nil {
		t.Fatal("no group tombstone after expiry")
	}
	e = e.restart()
	if d := e.describe("g"); d.State != "Dead" {
		t.Fatalf("expired group back as %s", d.State)
	}
}

// failingStore fails appends with err while fail is set.
type failingStore struct {
	*MemStore
	fail atomic.Bool
	err  error
}

func (s *failingStore) Append(ctx context.Context, partition int32, records []batch.Record) error {
	if s.fail.Load() {
		return s.err
	}
	return s.MemStore.Append(ctx, partition, records)
}

func TestStoreFailures(t *testing.T) {
	cases := []struct {
		err        error
		commit     *kerr.Error
		assignment *kerr.Error
	}{
		{errors.New("disk on fire"), kerr.CoordinatorNotAvailable, kerr.CoordinatorNotAvailable},
		{fmt.Errorf("replication: %w", kerr.NotLeaderForPartition), kerr.NotCoordinator, kerr.NotCoordinator},
		{kerr.MessageTooLarge, kerr.InvalidCommitOffsetSize, kerr.UnknownServerError},
	}
	for _, tc := range cases {
		store := &failingStore{MemStore: NewMemStore(2), err: tc.err}
		e := startEnv(t, store, newClock())
		ids, gen := e.stableGroup("g", 1, "t")
		wantCode(t, "commit", e.commit(commitReq("g", ids[0], gen, 1)), nil)
		store.fail.Store(true)
		wantCode(t, "failed commit", e.commit(commitReq("g", ids[0], gen, 2)), tc.commit)
		if got := e.fetch("g", 0); got[0] != 1 {
			t.Fatalf("failed commit applied: %v", got)
		}
		e.join(joinReq("g", ids[0], "t"))
		wantCode(t, "failed sync", e.sync(syncReq("g", ids[0], gen+1, nil)).ErrorCode, tc.assignment)
		if got := e.state("g"); got != "PreparingRebalance" {
			t.Fatalf("state %s after a failed sync", got)
		}
		store.fail.Store(false)
	}
}

func TestRecordFormats(t *testing.T) {
	e := newEnv(t)
	wantCode(t, "commit", e.commit(commitReq("g", "", -1, 42)), nil)
	ids, gen := e.stableGroup("g", 1, "t")
	recs := e.records("g")
	var k kmsg.OffsetCommitKey
	var v kmsg.OffsetCommitValue
	if err := k.ReadFrom(recs[0].Key); err != nil || k.Version != 1 || k.Group != "g" || k.Topic != "t" || k.Partition != 0 {
		t.Fatalf("offset key %+v %v", k, err)
	}
	if err := v.ReadFrom(recs[0].Value); err != nil || v.Version != 3 || v.Offset != 42 || v.LeaderEpoch != 5 || v.Metadata != "m0" ||
		v.CommitTimestamp != e.clk.Now().UnixMilli()-2*DefaultInitialRebalanceDelay.Milliseconds() {
		t.Fatalf("offset value %+v %v", v, err)
	}
	var gk kmsg.GroupMetadataKey
	var gv kmsg.GroupMetadataValue
	last := recs[len(recs)-1]
	if err := gk.ReadFrom(last.Key); err != nil || gk.Version != 2 || gk.Group != "g" {
		t.Fatalf("group key %+v %v", gk, err)
	}
	if err := gv.ReadFrom(last.Value); err != nil || gv.Version != 3 || gv.ProtocolType != consumerProtocol ||
		gv.Generation != gen || *gv.Protocol != "range" || *gv.Leader != ids[0] || len(gv.Members) != 1 {
		t.Fatalf("group value %+v %v", gv, err)
	}
	m := gv.Members[0]
	if m.MemberID != ids[0] || m.ClientID != "client" || m.ClientHost != "/127.0.0.1" || m.SessionTimeoutMillis != 10_000 ||
		m.RebalanceTimeoutMillis != 30_000 || string(m.Subscription) != string(consumerMeta("t")) || string(m.Assignment) != "assignment of "+ids[0] {
		t.Fatalf("group member %+v", m)
	}
}

func TestPartitionFor(t *testing.T) {
	cases := []struct {
		group string
		hash  int32
	}{
		{"", 0},
		{"a", 97},
		{"hello", 99162322},
		{"polygenelubricants", -1 << 31}, // Utils.abs makes it 0
		{"\U0001F600", 0xD83D*31 + 0xDE00},
		{"ab-c", 2985399},
	}
	for _, tc := range cases {
		if got := javaStringHash(tc.group); got != tc.hash {
			t.Fatalf("hash of %q: %d, want %d", tc.group, got, tc.hash)
		}
	}
	if p := PartitionFor("polygenelubricants", 50); p != 0 {
		t.Fatalf("MinInt32 hash in partition %d", p)
	}
	if p := PartitionFor("hello", 50); p != 99162322%50 {
		t.Fatalf("partition %d", p)
	}
	if p := PartitionFor("-", 50); p != 45 {
		t.Fatalf("partition %d", p)
	}
}
