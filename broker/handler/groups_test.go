package handler

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/group"
	"github.com/strata-streaming/strata/broker/wire"
	"github.com/strata-streaming/strata/replication/controller"
)

// The coordinator is what the group APIs serve from in production.
var _ Groups = (*group.Coordinator)(nil)

// groupsCluster is a Cluster with only an image: node 1 and topic t with
// two partitions. groupsPartitions stands in for the partitions, which the
// group APIs never call.
type (
	groupsClusterAPI    = Cluster
	groupsPartitionsAPI = Partitions
	groupsCluster       struct {
		groupsClusterAPI
		img *controller.Image
	}
	groupsPartitions struct{ groupsPartitionsAPI }
)

func (c groupsCluster) Image() *controller.Image { return c.img }

func newGroupsHandler(t *testing.T) *Handler {
	t.Helper()
	img := &controller.Image{
		Brokers: map[int32]controller.Broker{1: {ID: 1, Host: "broker1", Port: 9092}},
		Topics:  map[string]*controller.Topic{"t": {Name: "t", Partitions: []controller.Partition{{Index: 0}, {Index: 1}}}},
	}
	cfg := group.DefaultConfig()
	cfg.InitialRebalanceDelay = 0 // a lone member's join completes at once
	coord, err := group.New(cfg, group.NewMemStore(3))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { coord.Close() })
	if err := coord.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	h, err := New(Deps{NodeID: 1, Cluster: groupsCluster{img: img}, Partitions: groupsPartitions{}, Groups: coord})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// groupServe serves msg as the wire layer would, from client "rdkafka" on
// 127.0.0.1: the request is encoded and decoded first, and the response
// as a client reads it.
func groupServe[R kmsg.Response](t *testing.T, h *Handler, msg kmsg.Request) R {
	t.Helper()
	key, version := msg.Key(), msg.GetVersion()
	if !h.Versions().Supports(key, version) {
		t.Fatalf("%s v%d is not advertised", kmsg.NameForKey(key), version)
	}
	req := kmsg.RequestForKey(key)
	req.SetVersion(version)
	if err := req.ReadFrom(msg.AppendTo(nil)); err != nil {
		t.Fatalf("decode %s v%d: %v", kmsg.NameForKey(key), version, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := h.Serve(ctx, &wire.Request{
		Key: key, Version: version, Msg: req, ClientID: kmsg.StringPtr("rdkafka"),
		RemoteAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000},
	})
	if err != nil {
		t.Fatalf("serve %s v%d: %v", kmsg.NameForKey(key), version, err)
	}
	resp.SetVersion(version)
	out := kmsg.ResponseForKey(key)
	out.SetVersion(version)
	if err := out.ReadFrom(resp.AppendTo(nil)); err != nil {
		t.Fatalf("decode %s v%d response: %v", kmsg.NameForKey(key), version, err)
	}
	return out.(R)
}

func wantGroupCode(t *testing.T, what string, code int16, want *kerr.Error) {
	t.Helper()
	var w int16
	if want != nil {
		w = want.Code
	}
	if code != w {
		t.Fatalf("%s: %v, want %v", what, kerr.ErrorForCode(code), want)
	}
}

func TestGroupAPIVersions(t *testing.T) {
	h := newGroupsHandler(t)
	want := map[kmsg.Key]int16{
		kmsg.OffsetCommit: 9, kmsg.OffsetFetch: 9, kmsg.FindCoordinator: 6, kmsg.JoinGroup: 9,
		kmsg.Heartbeat: 4, kmsg.LeaveGroup: 5, kmsg.SyncGroup: 5, kmsg.DescribeGroups: 6,
		kmsg.ListGroups: 5, kmsg.DeleteGroups: 3, kmsg.OffsetDelete: 0,
	}
	for key, maxVersion := range want {
		lo, hi, ok := h.Versions().Lookup(key.Int16())
		if !ok || lo != 0 || hi != maxVersion {
			t.Fatalf("%s: %d-%d (%v), want 0-%d", kmsg.NameForKey(key.Int16()), lo, hi, ok, maxVersion)
		}
	}
}

func TestFindCoordinator(t *testing.T) {
	h := newGroupsHandler(t)
	v0 := kmsg.NewPtrFindCoordinatorRequest()
	v0.CoordinatorKey = "g"
	r := groupServe[*kmsg.FindCoordinatorResponse](t, h, v0)
	if r.ErrorCode != 0 || r.NodeID != 1 || r.Host != "broker1" || r.Port != 9092 {
		t.Fatalf("v0 %+v", r)
	}
	txn := kmsg.NewPtrFindCoordinatorRequest()
	txn.Version, txn.CoordinatorKey, txn.CoordinatorType = 3, "tx", coordinatorTransaction
	r = groupServe[*kmsg.FindCoordinatorResponse](t, h, txn)
	wantGroupCode(t, "transaction", r.ErrorCode, kerr.CoordinatorNotAvailable)
	if r.NodeID != -1 || r.ErrorMessage == nil {
		t.Fatalf("transaction %+v", r)
	}
	batch := kmsg.NewPtrFindCoordinatorRequest()
	batch.Version, batch.CoordinatorKeys = 4, []string{"a", "b"}
	r = groupServe[*kmsg.FindCoordinatorResponse](t, h, batch)
	if len(r.Coordinators) != 2 || r.Coordinators[1].Key != "b" || r.Coordinators[1].NodeID != 1 || r.Coordinators[1].Port != 9092 {
		t.Fatalf("v4 %+v", r)
	}
	batch.Version, batch.CoordinatorType = 6, 2
	r = groupServe[*kmsg.FindCoordinatorResponse](t, h, batch)
	wantGroupCode(t, "share group", r.Coordinators[0].ErrorCode, kerr.InvalidRequest)
}

// TestClassicConsumerThroughServe drives a group as librdkafka's classic
// consumer does, from JoinGroup v0, and then the admin APIs.
func TestClassicConsumerThroughServe(t *testing.T) {
	h := newGroupsHandler(t)
	meta := (&kmsg.ConsumerMemberMetadata{Topics: []string{"t"}}).AppendTo(nil)
	join := kmsg.NewPtrJoinGroupRequest()
	join.Group, join.SessionTimeoutMillis, join.ProtocolType = "g", 10_000, "consumer"
	join.Protocols = []kmsg.JoinGroupRequestProtocol{{Name: "range", Metadata: meta}}
	jr := groupServe[*kmsg.JoinGroupResponse](t, h, join)
	wantGroupCode(t, "join", jr.ErrorCode, nil)
	if jr.Generation != 1 || jr.LeaderID != jr.MemberID || *jr.Protocol != "range" || len(jr.Members) != 1 {
		t.Fatalf("join %+v", jr)
	}
	sync := kmsg.NewPtrSyncGroupRequest()
	sync.Group, sync.Generation, sync.MemberID = "g", jr.Generation, jr.MemberID
	sync.GroupAssignment = []kmsg.SyncGroupRequestGroupAssignment{{MemberID: jr.MemberID, MemberAssignment: []byte("all of t")}}
	if sr := groupServe[*kmsg.SyncGroupResponse](t, h, sync); sr.ErrorCode != 0 || string(sr.MemberAssignment) != "all of t" {
		t.Fatalf("sync %+v", sr)
	}
	hb := kmsg.NewPtrHeartbeatRequest()
	hb.Group, hb.Generation, hb.MemberID = "g", jr.Generation, jr.MemberID
	wantGroupCode(t, "heartbeat", groupServe[*kmsg.HeartbeatResponse](t, h, hb).ErrorCode, nil)

	commit := kmsg.NewPtrOffsetCommitRequest()
	commit.Version, commit.Group, commit.Generation, commit.MemberID = 2, "g", jr.Generation, jr.MemberID
	commit.Topics = []kmsg.OffsetCommitRequestTopic{
		{Topic: "t", Partitions: []kmsg.OffsetCommitRequestTopicPartition{{Partition: 0, Offset: 42}, {Partition: 5, Offset: 1}}},
		{Topic: "nope", Partitions: []kmsg.OffsetCommitRequestTopicPartition{{Partition: 0, Offset: 1}}},
	}
	cr := groupServe[*kmsg.OffsetCommitResponse](t, h, commit)
	wantGroupCode(t, "commit", cr.Topics[0].Partitions[0].ErrorCode, nil)
	wantGroupCode(t, "partition out of range", cr.Topics[0].Partitions[1].ErrorCode, kerr.UnknownTopicOrPartition)
	wantGroupCode(t, "unknown topic", cr.Topics[1].Partitions[0].ErrorCode, kerr.UnknownTopicOrPartition)

	fetch := kmsg.NewPtrOffsetFetchRequest()
	fetch.Version, fetch.Group = 1, "g"
	fetch.Topics = []kmsg.OffsetFetchRequestTopic{{Topic: "t", Partitions: []int32{0, 1}}}
	fr := groupServe[*kmsg.OffsetFetchResponse](t, h, fetch)
	if p := fr.Topics[0].Partitions; p[0].Offset != 42 || p[1].Offset != -1 {
		t.Fatalf("fetch %+v", fr)
	}
	fetch8 := kmsg.NewPtrOffsetFetchRequest()
	fetch8.Version, fetch8.Groups = 8, []kmsg.OffsetFetchRequestGroup{{Group: "g"}}
	if fr := groupServe[*kmsg.OffsetFetchResponse](t, h, fetch8); len(fr.Groups[0].Topics) != 1 || fr.Groups[0].Topics[0].Partitions[0].Offset != 42 {
		t.Fatalf("fetch v8 %+v", fr)
	}

	checkAdminAPIs(t, h, jr.MemberID)
}

// checkAdminAPIs describes, lists, deletes offsets of and deletes the
// stable group g whose one member is id.
func checkAdminAPIs(t *testing.T, h *Handler, id string) {
	t.Helper()
	describe := kmsg.NewPtrDescribeGroupsRequest()
	describe.Version, describe.Groups, describe.IncludeAuthorizedOperations = 3, []string{"g"}, true
	d := groupServe[*kmsg.DescribeGroupsResponse](t, h, describe).Groups[0]
	if d.State != "Stable" || d.AuthorizedOperations != allGroupOperations || d.Members[0].ClientID != "rdkafka" ||
		d.Members[0].ClientHost != "/127.0.0.1" || string(d.Members[0].MemberAssignment) != "all of t" {
		t.Fatalf("describe %+v", d)
	}
	list := kmsg.NewPtrListGroupsRequest()
	list.Version, list.StatesFilter = 4, []string{"Stable"}
	if l := groupServe[*kmsg.ListGroupsResponse](t, h, list); len(l.Groups) != 1 || l.Groups[0].Group != "g" {
		t.Fatalf("list %+v", l)
	}
	del := kmsg.NewPtrOffsetDeleteRequest()
	del.Group = "g"
	del.Topics = []kmsg.OffsetDeleteRequestTopic{
		{Topic: "t", Partitions: []kmsg.OffsetDeleteRequestTopicPartition{{Partition: 0}}},
		{Topic: "nope", Partitions: []kmsg.OffsetDeleteRequestTopicPartition{{Partition: 0}}},
	}
	od := groupServe[*kmsg.OffsetDeleteResponse](t, h, del)
	wantGroupCode(t, "subscribed", od.Topics[0].Partitions[0].ErrorCode, kerr.GroupSubscribedToTopic)
	wantGroupCode(t, "unknown topic", od.Topics[1].Partitions[0].ErrorCode, kerr.UnknownTopicOrPartition)

	deleteGroups := kmsg.NewPtrDeleteGroupsRequest()
	deleteGroups.Version, deleteGroups.Groups = 3, []string{"g"}
	wantGroupCode(t, "delete active", groupServe[*kmsg.DeleteGroupsResponse](t, h, deleteGroups).Groups[0].ErrorCode, kerr.NonEmptyGroup)
	leave := kmsg.NewPtrLeaveGroupRequest()
	leave.Group, leave.MemberID = "g", id
	wantGroupCode(t, "leave", groupServe[*kmsg.LeaveGroupResponse](t, h, leave).ErrorCode, nil)
	wantGroupCode(t, "delete", groupServe[*kmsg.DeleteGroupsResponse](t, h, deleteGroups).Groups[0].ErrorCode, nil)
	if l := groupServe[*kmsg.ListGroupsResponse](t, h, kmsg.NewPtrListGroupsRequest()); len(l.Groups) != 0 {
		t.Fatalf("groups after delete %+v", l.Groups)
	}
}

func TestJoinGroupV9ThroughServe(t *testing.T) {
	h := newGroupsHandler(t)
	join := kmsg.NewPtrJoinGroupRequest()
	join.Version, join.Group, join.SessionTimeoutMillis, join.RebalanceTimeoutMillis = 9, "g", 10_000, 10_000
	join.ProtocolType, join.Reason = "consumer", kmsg.StringPtr("starting")
	join.Protocols = []kmsg.JoinGroupRequestProtocol{{Name: "cooperative-sticky", Metadata: []byte{0, 3}}}
	r := groupServe[*kmsg.JoinGroupResponse](t, h, join)
	wantGroupCode(t, "first join", r.ErrorCode, kerr.MemberIDRequired)
	join.MemberID = r.MemberID
	r = groupServe[*kmsg.JoinGroupResponse](t, h, join)
	wantGroupCode(t, "join", r.ErrorCode, nil)
	if *r.ProtocolType != "consumer" || *r.Protocol != "cooperative-sticky" || r.MemberID != join.MemberID {
		t.Fatalf("join %+v", r)
	}
	leave := kmsg.NewPtrLeaveGroupRequest()
	leave.Version, leave.Group = 5, "g"
	leave.Members = []kmsg.LeaveGroupRequestMember{{MemberID: r.MemberID, Reason: kmsg.StringPtr("closing")}}
	if lr := groupServe[*kmsg.LeaveGroupResponse](t, h, leave); lr.ErrorCode != 0 || lr.Members[0].ErrorCode != 0 {
		t.Fatalf("leave %+v", lr)
	}
}
