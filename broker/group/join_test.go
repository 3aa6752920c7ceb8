package group

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestJoinRequiresMemberIDThenJoins(t *testing.T) {
	e := newEnv(t)
	id := e.newMember("g")
	if got := e.state("g"); got != "Empty" {
		t.Fatalf("state %s after MEMBER_ID_REQUIRED", got)
	}
	wait := e.joinAsync(joinReq("g", id, "t"))
	e.parkedJoins("g", 1)
	if got := e.state("g"); got != "PreparingRebalance" {
		t.Fatalf("state %s", got)
	}
	e.advance(time.Second)
	notAnswered(t, wait)
	e.advance(2 * time.Second) // the initial delay has passed
	r := await(t, wait).resp
	wantCode(t, "join", r.ErrorCode, nil)
	if r.MemberID != id || r.LeaderID != id || r.Generation != 1 || *r.Protocol != "range" || *r.ProtocolType != consumerProtocol {
		t.Fatalf("response %+v", r)
	}
	if len(r.Members) != 1 || r.Members[0].MemberID != id || !bytes.Equal(r.Members[0].ProtocolMetadata, consumerMeta("t")) {
		t.Fatalf("leader's members %+v", r.Members)
	}
	if got := e.state("g"); got != "CompletingRebalance" {
		t.Fatalf("state %s", got)
	}
}

func TestJoinBeforeV4NeedsNoMemberID(t *testing.T) {
	e := newEnv(t)
	req := joinReq("g", "")
	req.Version = 3
	wait := e.joinAsync(req)
	e.parkedJoins("g", 1)
	e.advance(DefaultInitialRebalanceDelay)
	r := await(t, wait).resp
	wantCode(t, "join", r.ErrorCode, nil)
	if !strings.HasPrefix(r.MemberID, "client-") || r.LeaderID != r.MemberID || r.Generation != 1 {
		t.Fatalf("response %+v", r)
	}
}

func TestThreeMembersJoinAndSync(t *testing.T) {
	e := newEnv(t)
	a, b, c := e.newMember("g"), e.newMember("g"), e.newMember("g")
	wa := e.joinAsync(joinReq("g", a, "t"))
	e.parkedJoins("g", 1)
	e.advance(2 * time.Second)
	wb := e.joinAsync(joinReq("g", b, "t"))
	e.parkedJoins("g", 2)
	wc := e.joinAsync(joinReq("g", c, "t"))
	e.parkedJoins("g", 3)
	e.advance(time.Second) // the first delay ends, but members arrived: it is extended
	notAnswered(t, wa)
	e.advance(DefaultInitialRebalanceDelay)
	ra, rb, rc := await(t, wa).resp, await(t, wb).resp, await(t, wc).resp
	for _, r := range []*kmsg.JoinGroupResponse{ra, rb, rc} {
		wantCode(t, "join", r.ErrorCode, nil)
		if r.Generation != 1 || r.LeaderID != a {
			t.Fatalf("response %+v", r)
		}
	}
	if len(ra.Members) != 3 || len(rb.Members) != 0 || len(rc.Members) != 0 {
		t.Fatalf("member lists: leader %d, followers %d %d", len(ra.Members), len(rb.Members), len(rc.Members))
	}

	sb, sc := e.syncAsync(syncReq("g", b, 1, nil)), e.syncAsync(syncReq("g", c, 1, nil))
	e.parkedSyncs("g", 2)
	notAnswered(t, sb)
	assign := map[string][]byte{a: []byte("A"), b: []byte("B")} // c is left out
	sa := e.sync(syncReq("g", a, 1, assign))
	wantCode(t, "leader sync", sa.ErrorCode, nil)
	if string(sa.MemberAssignment) != "A" || *sa.Protocol != "range" {
		t.Fatalf("leader sync %+v", sa)
	}
	if got := await(t, sb).resp; string(got.MemberAssignment) != "B" {
		t.Fatalf("b got %q", got.MemberAssignment)
	}
	if got := await(t, sc).resp; got.ErrorCode != 0 || len(got.MemberAssignment) != 0 {
		t.Fatalf("c got %+v", got)
	}
	d := e.describe("g")
	if d.State != "Stable" || d.Protocol != "range" || len(d.Members) != 3 || string(d.Members[1].MemberAssignment) != "B" {
		t.Fatalf("describe %+v", d)
	}
	// A member that lost its sync response gets it again.
	if got := e.sync(syncReq("g", b, 1, nil)); string(got.MemberAssignment) != "B" {
		t.Fatalf("repeated sync %+v", got)
	}
}

func TestLeaveRebalancesRemainingMembers(t *testing.T) {
	e := newEnv(t)
	ids, gen := e.stableGroup("g", 3, "t")
	leave := kmsg.NewPtrLeaveGroupRequest()
	leave.Version = 5
	leave.Group = "g"
	leave.Members = []kmsg.LeaveGroupRequestMember{{MemberID: ids[0]}, {MemberID: "nobody"}}
	resp := e.c.LeaveGroup(context.Background(), leave)
	wantCode(t, "leave", resp.Members[0].ErrorCode, nil)
	wantCode(t, "unknown leaver", resp.Members[1].ErrorCode, kerr.UnknownMemberID)
	for _, id := range ids[1:] {
		wantCode(t, "heartbeat", e.heartbeat("g", id, gen), kerr.RebalanceInProgress)
	}
	w1 := e.joinAsync(joinReq("g", ids[1], "t"))
	e.parkedJoins("g", 1)
	notAnswered(t, w1)
	w2 := e.joinAsync(joinReq("g", ids[2], "t")) // the last one in completes the join phase
	r1, r2 := await(t, w1).resp, await(t, w2).resp
	if r1.Generation != gen+1 || r2.Generation != gen+1 || r1.LeaderID != ids[1] || len(r1.Members) != 2 {
		t.Fatalf("responses %+v %+v", r1, r2)
	}
	wantCode(t, "old generation heartbeat", e.heartbeat("g", ids[1], gen), kerr.IllegalGeneration)
	wantCode(t, "heartbeat", e.heartbeat("g", ids[1], gen+1), nil)
}

func TestLeaveBeforeV3(t *testing.T) {
	e := newEnv(t)
	ids, _ := e.stableGroup("g", 1)
	leave := kmsg.NewPtrLeaveGroupRequest()
	leave.Version = 2
	leave.Group, leave.MemberID = "g", "nobody"
	wantCode(t, "unknown leaver", e.c.LeaveGroup(context.Background(), leave).ErrorCode, kerr.UnknownMemberID)
	leave.MemberID = ids[0]
	resp := e.c.LeaveGroup(context.Background(), leave)
	wantCode(t, "leave", resp.ErrorCode, nil)
	if resp.Members != nil {
		t.Fatal("v2 response with members")
	}
	if got := e.state("g"); got != "Empty" {
		t.Fatalf("state %s after the last member left", got)
	}
}

func TestSessionExpiryRemovesSilentMember(t *testing.T) {
	e := newEnv(t)
	ids, gen := e.stableGroup("g", 2, "t")
	live, silent := ids[0], ids[1]
	for range 2 {
		e.advance(testSession * 2 / 5)
		wantCode(t, "heartbeat", e.heartbeat("g", live, gen), nil)
	}
	e.advance(testSession * 2 / 5)
	if got := e.state("g"); got != "PreparingRebalance" {
		t.Fatalf("state %s after the silent member's session ended", got)
	}
	wantCode(t, "silent heartbeat", e.heartbeat("g", silent, gen), kerr.UnknownMemberID)
	wantCode(t, "live heartbeat", e.heartbeat("g", live, gen), kerr.RebalanceInProgress)
	r := e.join(joinReq("g", live, "t")) // the only member left: the join completes at once
	if r.Generation != gen+1 || len(r.Members) != 1 || r.LeaderID != live {
		t.Fatalf("rejoin %+v", r)
	}
}

func TestRebalanceTimeoutRemovesMembersThatDoNotRejoin(t *testing.T) {
	e := newEnv(t)
	ids, gen := e.stableGroup("g", 2, "t")
	w := e.joinAsync(joinReq("g", ids[0], "t")) // the leader rejoining starts a rebalance
	e.parkedJoins("g", 1)
	e.advance(testSession / 2)
	wantCode(t, "heartbeat", e.heartbeat("g", ids[1], gen), kerr.RebalanceInProgress)
	notAnswered(t, w)
	e.advance(testRebalance)
	r := await(t, w).resp
	wantCode(t, "join", r.ErrorCode, nil)
	if r.Generation != gen+1 || len(r.Members) != 1 {
		t.Fatalf("join %+v", r)
	}
	wantCode(t, "removed member", e.heartbeat("g", ids[1], gen+1), kerr.UnknownMemberID)
}

func TestPendingSyncExpiry(t *testing.T) {
	e := newEnv(t)
	ids, gen := e.stableGroup("g", 2, "t")
	leader, follower := ids[0], ids[1]
	w := e.joinAsync(joinReq("g", leader, "t"))
	e.parkedJoins("g", 1)
	wantCode(t, "follower heartbeat", e.heartbeat("g", follower, gen), kerr.RebalanceInProgress)
	wf := e.joinAsync(joinReq("g", follower, "t"))
	gen = await(t, w).resp.Generation
	await(t, wf)
	wantCode(t, "leader sync", e.sync(syncReq("g", leader, gen, nil)).ErrorCode, nil)
	for range 4 { // the follower keeps heartbeating but never syncs
		e.advance(testRebalance / 4)
		e.heartbeat("g", leader, gen)
		e.heartbeat("g", follower, gen)
	}
	if got := e.state("g"); got != "PreparingRebalance" {
		t.Fatalf("state %s", got)
	}
	wantCode(t, "unsynced member", e.heartbeat("g", follower, gen), kerr.UnknownMemberID)
}

func TestSilentMemberRemovedDuringRebalance(t *testing.T) {
	e := newEnv(t)
	e.stableGroup("g", 1, "t")
	id := e.newMember("g")
	w := e.joinAsync(joinReq("g", id, "t")) // starts a rebalance the old member ignores
	e.parkedJoins("g", 1)
	e.advance(testSession / 2)
	notAnswered(t, w)
	e.advance(testSession / 2) // the old member's session ends
	r := await(t, w).resp
	wantCode(t, "join", r.ErrorCode, nil)
	if len(r.Members) != 1 || r.LeaderID != id {
		t.Fatalf("join %+v", r)
	}
}

func TestNewMemberJoinTimeout(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.NewMemberJoinTimeout = 5 * time.Second })
	ids, gen := e.stableGroup("g", 1, "t")
	id := e.newMember("g")
	w := e.joinAsync(joinReq("g", id, "t"))
	e.parkedJoins("g", 1)
	for range 3 { // the old member stays alive but does not rejoin
		e.advance(2 * time.Second)
		wantCode(t, "old member", e.heartbeat("g", ids[0], gen), kerr.RebalanceInProgress)
	}
	wantCode(t, "timed out join", await(t, w).resp.ErrorCode, kerr.UnknownMemberID)
}

func TestStaticMemberRejoinsWithoutRebalance(t *testing.T) {
	for _, version := range []int16{5, 9} {
		e := newEnv(t)
		wa := e.joinAsync(staticJoinReq("g", "", "a", "t"))
		e.parkedJoins("g", 1)
		wb := e.joinAsync(staticJoinReq("g", "", "b", "t"))
		e.parkedJoins("g", 2)
		e.advance(DefaultInitialRebalanceDelay)
		e.advance(DefaultInitialRebalanceDelay)
		ra, rb := await(t, wa).resp, await(t, wb).resp
		gen, leader := ra.Generation, ra.MemberID
		sb := e.syncAsync(syncReq("g", rb.MemberID, gen, nil))
		e.parkedSyncs("g", 1)
		e.sync(syncReq("g", leader, gen, map[string][]byte{leader: []byte("A"), rb.MemberID: []byte("B")}))
		await(t, sb)

		req := staticJoinReq("g", "", "a", "t") // the leader restarts
		req.Version = version
		r := e.join(req)
		wantCode(t, "static rejoin", r.ErrorCode, nil)
		if r.MemberID == leader || !strings.HasPrefix(r.MemberID, "a-") || r.Generation != gen || e.state("g") != "Stable" {
			t.Fatalf("v%d rejoin %+v, state %s", version, r, e.state("g"))
		}
		if version >= 9 && (r.LeaderID != r.MemberID || !r.SkipAssignment || len(r.Members) != 2) {
			t.Fatalf("v9 rejoin of the leader %+v", r)
		}
		if version < 9 && (r.LeaderID != leader || len(r.Members) != 0) {
			t.Fatalf("v5 rejoin of the leader %+v", r)
		}
		if got := e.sync(syncReq("g", r.MemberID, gen, nil)); string(got.MemberAssignment) != "A" {
			t.Fatalf("resumed assignment %q", got.MemberAssignment)
		}
		hb := kmsg.NewPtrHeartbeatRequest()
		hb.Group, hb.MemberID, hb.Generation, hb.InstanceID = "g", leader, gen, kmsg.StringPtr("a")
		wantCode(t, "old id", e.c.Heartbeat(context.Background(), hb).ErrorCode, kerr.FencedInstanceID)
		wantCode(t, "old id without instance", e.heartbeat("g", leader, gen), kerr.UnknownMemberID)
	}
}

func TestStaticMemberWithNewSubscriptionRebalances(t *testing.T) {
	e := newEnv(t)
	w := e.joinAsync(staticJoinReq("g", "", "a", "t"))
	e.parkedJoins("g", 1)
	e.advance(DefaultInitialRebalanceDelay)
	r := await(t, w).resp
	e.sync(syncReq("g", r.MemberID, r.Generation, nil))
	w = e.joinAsync(staticJoinReq("g", "", "a", "t", "u"))
	r2 := await(t, w).resp // the only member: the rebalance completes at once
	if r2.Generation != r.Generation+1 || r2.MemberID == r.MemberID {
		t.Fatalf("rejoin %+v", r2)
	}
}

func TestStaticMemberFencing(t *testing.T) {
	e := newEnv(t)
	wa := e.joinAsync(staticJoinReq("g", "", "a", "t"))
	e.parkedJoins("g", 1)
	wb := e.joinAsync(staticJoinReq("g", "", "b", "t"))
	e.parkedJoins("g", 2)
	e.advance(DefaultInitialRebalanceDelay)
	e.advance(DefaultInitialRebalanceDelay)
	ra, rb := await(t, wa).resp, await(t, wb).resp
	wantCode(t, "wrong instance", e.join(staticJoinReq("g", rb.MemberID, "c", "t")).ErrorCode, kerr.UnknownMemberID)
	wantCode(t, "instance of another", e.join(staticJoinReq("g", rb.MemberID, "a", "t")).ErrorCode, kerr.FencedInstanceID)

	// A second process with b's instance id takes over; the first is
	// fenced in its parked sync and afterwards.
	s := e.syncAsync(syncReq("g", rb.MemberID, rb.Generation, nil))
	e.parkedSyncs("g", 1)
	wb2 := e.joinAsync(staticJoinReq("g", "", "b", "t"))
	wantCode(t, "fenced sync", await(t, s).resp.ErrorCode, kerr.FencedInstanceID)
	e.parkedJoins("g", 1)
	wa2 := e.joinAsync(staticJoinReq("g", ra.MemberID, "a", "t")) // the leader rejoins the rebalance
	rb2 := await(t, wb2).resp
	wantCode(t, "takeover", rb2.ErrorCode, nil)
	if rb2.Generation != ra.Generation+1 || rb2.MemberID == rb.MemberID {
		t.Fatalf("takeover %+v", rb2)
	}
	await(t, wa2)
	wantCode(t, "stale join", e.join(staticJoinReq("g", rb.MemberID, "b", "t")).ErrorCode, kerr.FencedInstanceID)
}

func TestJoinErrors(t *testing.T) {
	e := newEnv(t)
	ids, _ := e.stableGroup("g", 1, "t")
	short := joinReq("g", "")
	short.SessionTimeoutMillis = 100
	long := joinReq("g", "")
	long.SessionTimeoutMillis = int32(DefaultMaxSessionTimeout.Milliseconds()) + 1
	other := joinReq("g", "")
	other.ProtocolType = "connect"
	noCommon := joinReq("g", "")
	noCommon.Protocols[0].Name = "roundrobin"
	none := joinReq("h", "")
	none.Protocols = nil
	cases := []struct {
		name string
		req  *kmsg.JoinGroupRequest
		want *kerr.Error
	}{
		{"empty group id", joinReq("", ""), kerr.InvalidGroupID},
		{"short session timeout", short, kerr.InvalidSessionTimeout},
		{"long session timeout", long, kerr.InvalidSessionTimeout},
		{"protocol type", other, kerr.InconsistentGroupProtocol},
		{"no common protocol", noCommon, kerr.InconsistentGroupProtocol},
		{"no protocols", none, kerr.InconsistentGroupProtocol},
		{"unknown member of a new group", joinReq("h", "someone"), kerr.UnknownMemberID},
		{"unknown member", joinReq("g", "someone"), kerr.UnknownMemberID},
	}
	for _, tc := range cases {
		wantCode(t, tc.name, e.join(tc.req).ErrorCode, tc.want)
	}
	if got := e.describe("h"); got.State != "Dead" {
		t.Fatalf("a refused join left group h %s", got.State)
	}
	wantCode(t, "member heartbeat", e.heartbeat("g", ids[0], 1), nil)
}

func TestGroupMaxSize(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxSize = 2 })
	ids, gen := e.stableGroup("g", 2, "t")
	wantCode(t, "third member", e.join(joinReq("g", "")).ErrorCode, kerr.GroupMaxSizeReached)
	wantCode(t, "member heartbeat", e.heartbeat("g", ids[1], gen), nil)
}

func TestSyncAndHeartbeatErrors(t *testing.T) {
	e := newEnv(t)
	ids, gen := e.stableGroup("g", 1, "t")
	wrongProtocol := syncReq("g", ids[0], gen, nil)
	wrongProtocol.Protocol = kmsg.StringPtr("sticky")
	cases := []struct {
		name string
		req  *kmsg.SyncGroupRequest
		want *kerr.Error
	}{
		{"empty group id", syncReq("", ids[0], gen, nil), kerr.InvalidGroupID},
		{"unknown group", syncReq("h", ids[0], gen, nil), kerr.UnknownMemberID},
		{"unknown member", syncReq("g", "someone", gen, nil), kerr.UnknownMemberID},
		{"generation", syncReq("g", ids[0], gen+1, nil), kerr.IllegalGeneration},
		{"protocol", wrongProtocol, kerr.InconsistentGroupProtocol},
	}
	for _, tc := range cases {
		wantCode(t, tc.name, e.sync(tc.req).ErrorCode, tc.want)
	}
	wantCode(t, "heartbeat unknown group", e.heartbeat("h", ids[0], gen), kerr.UnknownMemberID)
	wantCode(t, "heartbeat generation", e.heartbeat("g", ids[0], gen-1), kerr.IllegalGeneration)
	wantCode(t, "heartbeat empty id", e.heartbeat("", ids[0], gen), kerr.InvalidGroupID)

	other := e.newMember("g")
	w := e.joinAsync(joinReq("g", other, "t"))
	e.parkedJoins("g", 1)
	wantCode(t, "sync while rebalancing", e.sync(syncReq("g", ids[0], gen, nil)).ErrorCode, kerr.RebalanceInProgress)
	e.join(joinReq("g", ids[0], "t"))
	await(t, w)
}

func TestLoadInProgressAndClosed(t *testing.T) {
	clk := newClock()
	c, err := New(testConfig(clk), NewMemStore(1))
	if err != nil {
		t.Fatal(err)
	}
	r, _ := c.JoinGroup(context.Background(), "client", "host", joinReq("g", ""))
	wantCode(t, "join before load", r.ErrorCode, kerr.CoordinatorLoadInProgress)
	if err := c.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.Load(context.Background()); err != ErrLoaded {
		t.Fatalf("second Load: %v", err)
	}
	resp, _ := c.JoinGroup(context.Background(), "client", "host", joinReq("g", ""))
	id := resp.MemberID
	done := make(chan *kmsg.JoinGroupResponse, 1)
	go func() {
		r, _ := c.JoinGroup(context.Background(), "client", "host", joinReq("g", id))
		done <- r
	}()
	e := &env{t: t, c: c}
	e.parkedJoins("g", 1)
	c.Close()
	wantCode(t, "parked join at close", await(t, done).ErrorCode, kerr.NotCoordinator)
	r, _ = c.JoinGroup(context.Background(), "client", "host", joinReq("g", ""))
	wantCode(t, "join after close", r.ErrorCode, kerr.CoordinatorNotAvailable)
	if c.Coordinates("g") {
		t.Fatal("a closed coordinator coordinates")
	}
}

func TestParkedJoinReturnsWhenContextEnds(t *testing.T) {
	e := newEnv(t)
	id := e.newMember("g")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := e.c.JoinGroup(ctx, "client", "host", joinReq("g", id))
		done <- err
	}()
	e.parkedJoins("g", 1)
	cancel()
	if err := await(t, done); err != context.Canceled {
		t.Fatalf("err %v", err)
	}
}

func TestRejoinWithSameMetadata(t *testing.T) {
	e := newEnv(t)
	ids, gen := e.stableGroup("g", 2, "t")
	r := e.join(joinReq("g", ids[1], "t")) // a follower with unchanged metadata: no rebalance
	if r.ErrorCode != 0 || r.Generation != gen || r.LeaderID != ids[0] || len(r.Members) != 0 || e.state("g") != "Stable" {
		t.Fatalf("follower rejoin %+v, state %s", r, e.state("g"))
	}
	w := e.joinAsync(joinReq("g", ids[1], "t", "u")) // new subscription: rebalance
	e.parkedJoins("g", 1)
	wl := e.joinAsync(joinReq("g", ids[0], "t"))
	r = await(t, w).resp
	rl := await(t, wl).resp
	if r.Generation != gen+1 || len(rl.Members) != 2 {
		t.Fatalf("rejoins %+v %+v", r, rl)
	}
	// Before the leader syncs, a member that lost its JoinGroup response
	// gets it again; the leader with the member list.
	again := e.join(joinReq("g", ids[0], "t"))
	if again.Generation != gen+1 || len(again.Members) != 2 || e.state("g") != "CompletingRebalance" {
		t.Fatalf("repeated join %+v", again)
	}
}

func TestLeaveByInstanceAndPendingID(t *testing.T) {
	e := newEnv(t)
	w := e.joinAsync(staticJoinReq("g", "", "a", "t"))
	e.parkedJoins("g", 1)
	pending := e.newMember("g")
	e.advance(DefaultInitialRebalanceDelay)
	await(t, w)
	leave := kmsg.NewPtrLeaveGroupRequest()
	leave.Version = 3
	leave.Group = "g"
	leave.Members = []kmsg.LeaveGroupRequestMember{
		{InstanceID: kmsg.StringPtr("a")},
		{InstanceID: kmsg.StringPtr("unknown")},
		{MemberID: pending},
		{},
	}
	resp := e.c.LeaveGroup(context.Background(), leave)
	wantCode(t, "static by instance", resp.Members[0].ErrorCode, nil)
	wantCode(t, "unknown instance", resp.Members[1].ErrorCode, kerr.UnknownMemberID)
	wantCode(t, "pending id", resp.Members[2].ErrorCode, nil)
	wantCode(t, "nobody", resp.Members[3].ErrorCode, kerr.UnknownMemberID)
	if got := e.state("g"); got != "Empty" {
		t.Fatalf("state %s", got)
	}
	leave.Group = "missing"
	resp = e.c.LeaveGroup(context.Background(), leave)
	wantCode(t, "missing group", resp.ErrorCode, nil)
	wantCode(t, "missing group member", resp.Members[0].ErrorCode, kerr.UnknownMemberID)
}

func TestStaticReplacementNotStoredIsUndone(t *testing.T) {
	store := &failingStore{MemStore: NewMemStore(1), err: kerr.NotLeaderForPartition}
	e := startEnv(t, store, newClock())
	w := e.joinAsync(staticJoinReq("g", "", "a", "t"))
	e.parkedJoins("g", 1)
	e.advance(DefaultInitialRebalanceDelay)
	r := await(t, w).resp
	e.sync(syncReq("g", r.MemberID, r.Generation, nil))
	store.fail.Store(true)
	wantCode(t, "replacement", e.join(staticJoinReq("g", "", "a", "t")).ErrorCode, kerr.NotCoordinator)
	store.fail.Store(false)
	wantCode(t, "original member", e.heartbeat("g", r.MemberID, r.Generation), nil)
}
