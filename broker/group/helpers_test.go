package group

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/tiered/batch"
)

// clock is a settable clock for Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.UnixMilli(1_700_000_000_000)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a loaded coordinator over a MemStore, driven by a fake clock.
type env struct {
	t     *testing.T
	c     *Coordinator
	store Store
	clk   *clock
}

const (
	testSession   = 10 * time.Second
	testRebalance = 30 * time.Second
)

// testConfig is the default config on clk, with a timer loop that never
// ticks on its own: tests call tick after moving the clock.
func testConfig(clk *clock) Config {
	cfg := DefaultConfig()
	cfg.Now = clk.Now
	cfg.TimerTick = time.Hour
	return cfg
}

func newEnv(t *testing.T, mod ...func(*Config)) *env {
	t.Helper()
	clk := newClock()
	return startEnv(t, NewMemStore(4), clk, mod...)
}

func startEnv(t *testing.T, store Store, clk *clock, mod ...func(*Config)) *env {
	t.Helper()
	cfg := testConfig(clk)
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg, store)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, c: c, store: store, clk: clk}
}

// restart closes the coordinator and loads a new one from the same store.
func (e *env) restart(mod ...func(*Config)) *env {
	e.t.Helper()
	e.c.Close()
	return startEnv(e.t, e.store, e.clk, mod...)
}

// advance moves the clock and processes the deadlines.
func (e *env) advance(d time.Duration) {
	e.clk.Advance(d)
	e.c.tick()
}

// consumerMeta is consumer protocol metadata subscribing to topics.
func consumerMeta(topics ...string) []byte {
	m := kmsg.ConsumerMemberMetadata{Version: 0, Topics: topics}
	return m.AppendTo(nil)
}

// joinReq is a v9 consumer JoinGroup with the range protocol.
func joinReq(group, memberID string, topics ...string) *kmsg.JoinGroupRequest {
	r := kmsg.NewPtrJoinGroupRequest()
	r.Version = 9
	r.Group, r.MemberID, r.ProtocolType = group, memberID, consumerProtocol
	r.SessionTimeoutMillis = int32(testSession.Milliseconds())
	r.RebalanceTimeoutMillis = int32(testRebalance.Milliseconds())
	r.Protocols = []kmsg.JoinGroupRequestProtocol{{Name: "range", Metadata: consumerMeta(topics...)}}
	return r
}

func staticJoinReq(group, memberID, instance string, topics ...string) *kmsg.JoinGroupRequest {
	r := joinReq(group, memberID, topics...)
	r.InstanceID = kmsg.StringPtr(instance)
	return r
}

type joinResult struct {
	resp *kmsg.JoinGroupResponse
	err  error
}

// joinAsync sends a JoinGroup that may park.
func (e *env) joinAsync(req *kmsg.JoinGroupRequest) <-chan joinResult {
	ch := make(chan joinResult, 1)
	go func() {
		resp, err := e.c.JoinGroup(context.Background(), "client", "/127.0.0.1", req)
		ch <- joinResult{resp, err}
	}()
	return ch
}

// join sends a JoinGroup that must be answered at once.
func (e *env) join(req *kmsg.JoinGroupRequest) *kmsg.JoinGroupResponse {
	e.t.Helper()
	select {
	case r := <-e.joinAsync(req):
		if r.err != nil {
			e.t.Fatal(r.err)
		}
		return r.resp
	case <-time.After(10 * time.Second):
		e.t.Fatal("JoinGroup parked")
	}
	return nil
}

// newMember joins with an empty id and returns the id MEMBER_ID_REQUIRED
// hands out.
func (e *env) newMember(group string) string {
	e.t.Helper()
	resp := e.join(joinReq(group, ""))
	wantCode(e.t, "first join", resp.ErrorCode, kerr.MemberIDRequired)
	if !strings.HasPrefix(resp.MemberID, "client-") {
		e.t.Fatalf("member id %q", resp.MemberID)
	}
	return resp.MemberID
}

// await waits for a parked request's answer.
func await[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("no answer")
	}
	var zero T
	return zero
}

// notAnswered checks that a parked request has no answer yet.
func notAnswered[T any](t *testing.T, ch <-chan T) {
	t.Helper()
	select {
	case <-ch:
		t.Fatal("answered too early")
	case <-time.After(20 * time.Millisecond):
	}
}

// waitFor polls cond under the group's lock until it holds.
func (e *env) waitFor(id, what string, cond func(g *group) bool) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		e.c.mu.Lock()
		g := e.c.mu.groups[id]
		e.c.mu.Unlock()
		if g != nil {
			g.mu.Lock()
			ok := cond(g)
			g.mu.Unlock()
			if ok {
				return
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// parkedJoins waits until n members of group have a parked JoinGroup.
func (e *env) parkedJoins(id string, n int) {
	e.t.Helper()
	e.waitFor(id, "parked joins", func(g *group) bool {
		k := 0
		for _, m := range g.mu.members {
			if m.join != nil {
				k++
			}
		}
		return k == n
	})
}

// parkedSyncs waits until n members of group have a parked SyncGroup.
func (e *env) parkedSyncs(id string, n int) {
	e.t.Helper()
	e.waitFor(id, "parked syncs", func(g *group) bool {
		k := 0
		for _, m := range g.mu.members {
			if m.sync != nil {
				k++
			}
		}
		return k == n
	})
}

func (e *env) state(group string) string {
	e.t.Helper()
	d := e.describe(group)
	return d.State
}

func (e *env) describe(group string) kmsg.DescribeGroupsResponseGroup {
	e.t.Helper()
	req := kmsg.NewPtrDescribeGroupsRequest()
	req.Version = 5
	req.Groups = []string{group}
	return e.c.DescribeGroups(context.Background(), req).Groups[0]
}

type syncResult struct {
	resp *kmsg.SyncGroupResponse
	err  error
}

func syncReq(group, memberID string, generation int32, assign map[string][]byte) *kmsg.SyncGroupRequest {
	r := kmsg.NewPtrSyncGroupRequest()
	r.Version = 5
	r.Group, r.MemberID, r.Generation = group, memberID, generation
	r.ProtocolType, r.Protocol = kmsg.StringPtr(consumerProtocol), kmsg.StringPtr("range")
	for id, a := range assign {
		r.GroupAssignment = append(r.GroupAssignment, kmsg.SyncGroupRequestGroupAssignment{MemberID: id, MemberAssignment: a})
	}
	return r
}

func (e *env) syncAsync(req *kmsg.SyncGroupRequest) <-chan syncResult {
	ch := make(chan syncResult, 1)
	go func() {
		resp, err := e.c.SyncGroup(context.Background(), req)
		ch <- syncResult{resp, err}
	}()
	return ch
}

func (e *env) sync(req *kmsg.SyncGroupRequest) *kmsg.SyncGroupResponse {
	e.t.Helper()
	r := await(e.t, e.syncAsync(req))
	if r.err != nil {
		e.t.Fatal(r.err)
	}
	return r.resp
}

func (e *env) heartbeat(group, memberID string, generation int32) int16 {
	req := kmsg.NewPtrHeartbeatRequest()
	req.Version = 4
	req.Group, req.MemberID, req.Generation = group, memberID, generation
	return e.c.Heartbeat(context.Background(), req).ErrorCode
}

// stableGroup forms a stable group of n dynamic members subscribed to
// topics and returns the member ids (the leader first), the generation
// and the assignment each got.
func (e *env) stableGroup(group string, n int, topics ...string) ([]string, int32) {
	e.t.Helper()
	var ids []string
	var waits []<-chan joinResult
	for i := range n { // one at a time: the first is the leader
		id := e.newMember(group)
		ids = append(ids, id)
		waits = append(waits, e.joinAsync(joinReq(group, id, topics...)))
		e.parkedJoins(group, i+1)
	}
	e.advance(DefaultInitialRebalanceDelay)
	e.advance(DefaultInitialRebalanceDelay)
	var leader string
	var gen int32
	for _, w := range waits {
		r := await(e.t, w)
		wantCode(e.t, "join", r.resp.ErrorCode, nil)
		leader, gen = r.resp.LeaderID, r.resp.Generation
	}
	assign := map[string][]byte{}
	for _, id := range ids {
		assign[id] = []byte("assignment of " + id)
	}
	var syncs []<-chan syncResult
	for _, id := range ids {
		if id != leader {
			syncs = append(syncs, e.syncAsync(syncReq(group, id, gen, nil)))
		}
	}
	e.parkedSyncs(group, n-1)
	wantCode(e.t, "leader sync", e.sync(syncReq(group, leader, gen, assign)).ErrorCode, nil)
	for _, s := range syncs {
		wantCode(e.t, "follower sync", await(e.t, s).resp.ErrorCode, nil)
	}
	ordered := []string{leader}
	for _, id := range ids {
		if id != leader {
			ordered = append(ordered, id)
		}
	}
	return ordered, gen
}

// wantCode checks a Kafka error code; want nil is no error.
func wantCode(t *testing.T, what string, code int16, want *kerr.Error) {
	t.Helper()
	var wantCode int16
	if want != nil {
		wantCode = want.Code
	}
	if code != wantCode {
		t.Fatalf("%s: error %v, want %v", what, kerr.ErrorForCode(code), want)
	}
}

// records replays every record in the store's partition of group.
func (e *env) records(group string) []batch.Record {
	e.t.Helper()
	var out []batch.Record
	p := PartitionFor(group, e.store.Partitions())
	err := e.store.Replay(context.Background(), p, func(k, v []byte) error {
		out = append(out, batch.Record{Key: append([]byte(nil), k...), Value: append([]byte(nil), v...)})
		if v == nil {
			out[len(out)-1].Value = nil
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}
