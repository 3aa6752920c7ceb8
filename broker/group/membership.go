package group

import (
	"context"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/tiered/batch"
)

// SyncGroup delivers the leader's assignment: the leader's request stores
// it and completes the rebalance, the other members wait for it. It
// returns ctx's error if ctx ends first. A rebalance that starts
// meanwhile answers REBALANCE_IN_PROGRESS; a leader that never syncs is
// bounded by the rebalance timeout.
func (c *Coordinator) SyncGroup(ctx context.Context, req *kmsg.SyncGroupRequest) (*kmsg.SyncGroupResponse, error) {
	resp, wait := c.sync(req)
	if wait != nil {
		select {
		case resp = <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	resp.Version = req.Version
	return resp, nil
}

func (c *Coordinator) sync(req *kmsg.SyncGroupRequest) (*kmsg.SyncGroupResponse, <-chan *kmsg.SyncGroupResponse) {
	if code := c.status(req.Group, false); code != 0 {
		return syncError(code), nil
	}
	g := c.lockGroup(req.Group, false)
	if g == nil {
		return syncError(kerr.UnknownMemberID.Code), nil
	}
	defer c.unlock(g)
	if c.closed.Load() {
		return syncError(kerr.CoordinatorNotAvailable.Code), nil
	}
	return g.sync(req, c.cfg.now())
}

// syncError is a SyncGroup response carrying only an error.
func syncError(code int16) *kmsg.SyncGroupResponse {
	r := kmsg.NewPtrSyncGroupResponse()
	r.ErrorCode = code
	return r
}

func (g *group) sync(req *kmsg.SyncGroupRequest, now time.Time) (*kmsg.SyncGroupResponse, <-chan *kmsg.SyncGroupResponse) {
	m, code := g.validateMember(req.MemberID, req.InstanceID)
	switch {
	case code != 0:
		return syncError(code), nil
	case req.Generation != g.mu.generation:
		return syncError(kerr.IllegalGeneration.Code), nil
	case differs(req.ProtocolType, g.mu.protocolType) || differs(req.Protocol, g.mu.protocol):
		return syncError(kerr.InconsistentGroupProtocol.Code), nil
	}
	switch g.mu.state {
	case statePreparingRebalance:
		return syncError(kerr.RebalanceInProgress.Code), nil
	case stateStable: // it lost the response: answer again
		g.syncReceived(m.id)
		return g.syncResponse(m, 0), nil
	case stateCompletingRebalance:
		g.answerSync(m, syncError(kerr.RebalanceInProgress.Code)) // parked from another connection
		m.sync = make(chan *kmsg.SyncGroupResponse, 1)
		wait := m.sync
		g.syncReceived(m.id)
		if m.id == g.mu.leader {
			g.leaderSync(req, now)
		}
		return nil, wait
	}
	return syncError(kerr.UnknownMemberID.Code), nil
}

// differs reports whether an optional request field contradicts the
// group's value.
func differs(field *string, value string) bool { return field != nil && *field != value }

// syncReceived notes that a member has sent SyncGroup this generation.
func (g *group) syncReceived(id string) {
	delete(g.mu.pendingSync, id)
	if len(g.mu.pendingSync) == 0 {
		g.mu.syncDeadline = time.Time{}
	}
}

// leaderSync stores the leader's assignment (members it left out get an
// empty one) and, once it is durable, hands every member its part and
// makes the group stable. If the write fails, the members are told so
// and the group rebalances.
func (g *group) leaderSync(req *kmsg.SyncGroupRequest, now time.Time) {
	assign := make(map[string][]byte, len(g.mu.members))
	for _, a := range req.GroupAssignment {
		if _, ok := g.mu.members[a.MemberID]; ok {
			assign[a.MemberID] = a.MemberAssignment
		}
	}
	for id := range g.mu.members {
		if assign[id] == nil {
			assign[id] = []byte{}
		}
	}
	rec := g.groupRecord(func(m *member) []byte { return assign[m.id] })
	if err := g.c.write(g.c.ctx, g.partition, []batch.Record{rec}); err != nil {
		g.c.log.Warn("group: assignment not stored", slog.String("group", g.id), slog.Any("err", err))
		g.resetAssignments(appendCode(err, kerr.UnknownServerError.Code), now)
		g.prepareRebalance(now)
		return
	}
	g.mu.stored = true
	for _, m := range g.mu.members {
		m.assignment = assign[m.id]
	}
	g.propagate(0, now)
	g.transition(stateStable, now)
	g.c.log.Info("group: stable", slog.String("group", g.id), slog.Int("generation", int(g.mu.generation)),
		slog.String("protocol", g.mu.protocol), slog.Int("members", len(g.mu.members)))
}

// resetAssignments clears the assignments and answers the parked syncs
// with code.
func (g *group) resetAssignments(code int16, now time.Time) {
	for _, m := range g.mu.members {
		m.assignment = nil
	}
	g.propagate(code, now)
}

// propagate answers every parked SyncGroup with the member's assignment
// and code, restarting its session: a parked member's deadline may have
// passed unnoticed.
func (g *group) propagate(code int16, now time.Time) {
	for _, m := range g.mu.members {
		if m.sync != nil {
			g.answerSync(m, g.syncResponse(m, code))
			m.deadline = now.Add(m.sessionTimeout)
		}
	}
}

func (g *group) syncResponse(m *member, code int16) *kmsg.SyncGroupResponse {
	r := syncError(code)
	r.ProtocolType = kmsg.StringPtr(g.mu.protocolType)
	if g.mu.protocol != "" {
		r.Protocol = kmsg.StringPtr(g.mu.protocol)
	}
	r.MemberAssignment = m.assignment
	return r
}

// Heartbeat keeps a member's session alive and tells it, with
// REBALANCE_IN_PROGRESS, when to rejoin.
func (c *Coordinator) Heartbeat(_ context.Context, req *kmsg.HeartbeatRequest) *kmsg.HeartbeatResponse {
	resp := kmsg.NewPtrHeartbeatResponse()
	resp.Version = req.Version
	if resp.ErrorCode = c.status(req.Group, false); resp.ErrorCode != 0 {
		return resp
	}
	g := c.lockGroup(req.Group, false)
	if g == nil {
		resp.ErrorCode = kerr.UnknownMemberID.Code
		return resp
	}
	defer c.unlock(g)
	resp.ErrorCode = g.heartbeat(req, c.cfg.now())
	return resp
}

func (g *group) heartbeat(req *kmsg.HeartbeatRequest, now time.Time) int16 {
	m, code := g.validateMember(req.MemberID, req.InstanceID)
	switch {
	case code != 0:
		return code
	case req.Generation != g.mu.generation:
		return kerr.IllegalGeneration.Code
	case g.mu.state == stateEmpty:
		return kerr.UnknownMemberID.Code
	}
	m.deadline = now.Add(m.sessionTimeout)
	if g.mu.state == statePreparingRebalance {
		return kerr.RebalanceInProgress.Code
	}
	return 0
}

// LeaveGroup removes members: one by member id before v3, a batch from v3,
// where a static member may also be named by its instance id alone.
// Before v3 the member's error is the response's.
func (c *Coordinator) LeaveGroup(_ context.Context, req *kmsg.LeaveGroupRequest) *kmsg.LeaveGroupResponse {
	resp := kmsg.NewPtrLeaveGroupResponse()
	resp.Version = req.Version
	leaving := req.Members
	if req.Version < 3 {
		leaving = []kmsg.LeaveGroupRequestMember{{MemberID: req.MemberID}}
	}
	if resp.ErrorCode = c.status(req.Group, false); resp.ErrorCode != 0 {
		return resp
	}
	g := c.lockGroup(req.Group, false)
	for _, l := range leaving {
		code := kerr.UnknownMemberID.Code
		if g != nil {
			code = g.leave(&l, c.cfg.now())
		}
		resp.Members = append(resp.Members, kmsg.LeaveGroupResponseMember{MemberID: l.MemberID, InstanceID: l.InstanceID, ErrorCode: code})
	}
	if g != nil {
		c.unlock(g)
	}
	if req.Version < 3 {
		resp.ErrorCode, resp.Members = resp.Members[0].ErrorCode, nil
	}
	return resp
}

func (g *group) leave(l *kmsg.LeaveGroupRequestMember, now time.Time) int16 {
	if l.MemberID == "" { // an administrator removing a static member
		if l.InstanceID == nil {
			return kerr.UnknownMemberID.Code
		}
		m := g.mu.members[g.mu.static[*l.InstanceID]]
		if m == nil {
			return kerr.UnknownMemberID.Code
		}
		g.removeAndUpdate(m, now)
		return 0
	}
	if _, ok := g.mu.pending[l.MemberID]; ok {
		delete(g.mu.pending, l.MemberID)
		g.tryCompleteJoin(now)
		return 0
	}
	m, code := g.validateMember(l.MemberID, l.InstanceID)
	if code != 0 {
		return code
	}
	g.c.log.Info("group: member left", slog.String("group", g.id), slog.String("member", m.id))
	g.removeAndUpdate(m, now)
	return 0
}
