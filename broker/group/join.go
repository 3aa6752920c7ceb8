package group

import (
	"bytes"
	"context"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/tiered/batch"
)

// joinRequest is a JoinGroup with its version-dependent fields resolved.
type joinRequest struct {
	version      int16
	memberID     string
	instanceID   *string
	clientID     string
	clientHost   string
	protocolType string
	protocols    []protocol
	session      time.Duration
	rebalance    time.Duration
}

func parseJoin(clientID, clientHost string, req *kmsg.JoinGroupRequest) *joinRequest {
	j := &joinRequest{
		version: req.Version, memberID: req.MemberID, instanceID: req.InstanceID,
		clientID: clientID, clientHost: clientHost, protocolType: req.ProtocolType,
		session: millis(req.SessionTimeoutMillis), rebalance: millis(req.RebalanceTimeoutMillis),
	}
	if req.Version == 0 || j.rebalance < 0 { // v0 has no rebalance timeout: Kafka uses the session's
		j.rebalance = j.session
	}
	for _, p := range req.Protocols {
		j.protocols = append(j.protocols, protocol{name: p.Name, metadata: p.Metadata})
	}
	return j
}

// JoinGroup adds a member to a group or rejoins one, and waits until the
// rebalance it takes part in completes (the leader's response lists the
// members and their metadata). clientID and clientHost describe the
// connection, as DescribeGroups reports them. It returns ctx's error if
// ctx ends first; the member stays in the rebalance, as in Kafka.
func (c *Coordinator) JoinGroup(ctx context.Context, clientID, clientHost string, req *kmsg.JoinGroupRequest) (*kmsg.JoinGroupResponse, error) {
	resp, wait := c.join(clientID, clientHost, req)
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

// join answers a JoinGroup now, or returns where the answer will come.
func (c *Coordinator) join(clientID, clientHost string, req *kmsg.JoinGroupRequest) (*kmsg.JoinGroupResponse, <-chan *kmsg.JoinGroupResponse) {
	if code := c.status(req.Group, false); code != 0 {
		return joinError(req.MemberID, code), nil
	}
	j := parseJoin(clientID, clientHost, req)
	if j.session < c.cfg.MinSessionTimeout || j.session > c.cfg.MaxSessionTimeout {
		return joinError(req.MemberID, kerr.InvalidSessionTimeout.Code), nil
	}
	g := c.lockGroup(req.Group, j.memberID == "")
	if g == nil {
		return joinError(req.MemberID, kerr.UnknownMemberID.Code), nil
	}
	defer c.unlock(g)
	if c.closed.Load() { // Close has answered, or will skip, parked requests
		return joinError(req.MemberID, kerr.CoordinatorNotAvailable.Code), nil
	}
	return g.join(j, c.cfg.now())
}

// joinError is a JoinGroup response carrying only an error.
func joinError(memberID string, code int16) *kmsg.JoinGroupResponse {
	r := kmsg.NewPtrJoinGroupResponse()
	r.MemberID, r.ErrorCode = memberID, code
	return r
}

func (g *group) join(j *joinRequest, now time.Time) (*kmsg.JoinGroupResponse, <-chan *kmsg.JoinGroupResponse) {
	if !g.acceptJoining(j.memberID) {
		if m := g.mu.members[j.memberID]; m != nil {
			g.remove(m)
		}
		delete(g.mu.pending, j.memberID)
		g.tryCompleteJoin(now)
		return joinError(j.memberID, kerr.GroupMaxSizeReached.Code), nil
	}
	if j.memberID == "" {
		return g.joinNew(j, now)
	}
	return g.joinExisting(j, now)
}

// acceptJoining applies group.max.size as Kafka does: an empty group
// takes anyone; a rebalancing group takes members already waiting and
// others while fewer than the maximum wait; a settled group takes its
// members and others while it has room.
func (g *group) acceptJoining(memberID string) bool {
	m := g.mu.members[memberID]
	switch g.mu.state {
	case stateEmpty:
		return true
	case statePreparingRebalance:
		if m != nil && m.join != nil {
			return true
		}
		waiting := 0
		for _, m := range g.mu.members {
			if m.join != nil {
				waiting++
			}
		}
		return waiting < g.c.cfg.MaxSize
	default:
		return m != nil || len(g.mu.members) < g.c.cfg.MaxSize
	}
}

// joinNew handles a join without a member id: a static member takes over
// its instance; a dynamic member gets an id to rejoin with (v4+) or joins
// at once.
func (g *group) joinNew(j *joinRequest, now time.Time) (*kmsg.JoinGroupResponse, <-chan *kmsg.JoinGroupResponse) {
	var old *member
	if j.instanceID != nil {
		old = g.mu.members[g.mu.static[*j.instanceID]]
	}
	replacing := ""
	if old != nil {
		replacing = old.id
	}
	if !g.supportsProtocols(replacing, j.protocolType, j.protocols) {
		return joinError("", kerr.InconsistentGroupProtocol.Code), nil
	}
	id := newMemberID(j.clientID, j.instanceID)
	switch {
	case old != nil:
		return g.replaceStatic(old, id, j, now)
	case j.instanceID == nil && j.version >= 4:
		g.mu.pending[id] = now.Add(j.session)
		return joinError(id, kerr.MemberIDRequired.Code), nil
	}
	return g.addAndRebalance(id, j, now)
}

// joinExisting handles a join with a member id: a pending id joins, a
// member rejoins (rebalancing if its metadata changed or it leads a
// stable group), anything else is UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID.
func (g *group) joinExisting(j *joinRequest, now time.Time) (*kmsg.JoinGroupResponse, <-chan *kmsg.JoinGroupResponse) {
	if !g.supportsProtocols(j.memberID, j.protocolType, j.protocols) {
		return joinError(j.memberID, kerr.InconsistentGroupProtocol.Code), nil
	}
	if _, ok := g.mu.pending[j.memberID]; ok && j.instanceID == nil {
		return g.addAndRebalance(j.memberID, j, now)
	}
	m, code := g.validateMember(j.memberID, j.instanceID)
	if code != 0 {
		return joinError(j.memberID, code), nil
	}
	switch g.mu.state {
	case statePreparingRebalance:
		return g.updateAndRebalance(m, j, now)
	case stateCompletingRebalance:
		if m.matches(j.protocols) { // it lost the response: answer again
			return g.joinResponse(m, m.id == g.mu.leader), nil
		}
		return g.updateAndRebalance(m, j, now)
	case stateStable:
		if m.id == g.mu.leader || !m.matches(j.protocols) {
			return g.updateAndRebalance(m, j, now)
		}
		return g.joinResponse(m, false), nil
	}
	return joinError(j.memberID, kerr.UnknownMemberID.Code), nil
}

// addAndRebalance adds a new member and starts or advances a rebalance.
func (g *group) addAndRebalance(id string, j *joinRequest, now time.Time) (*kmsg.JoinGroupResponse, <-chan *kmsg.JoinGroupResponse) {
	m := &member{
		id: id, instanceID: j.instanceID, clientID: j.clientID, clientHost: j.clientHost,
		protocols: j.protocols, sessionTimeout: j.session, rebalanceTimeout: j.rebalance,
		isNew: true, deadline: now.Add(g.c.cfg.NewMemberJoinTimeout),
		join: make(chan *kmsg.JoinGroupResponse, 1),
	}
	if g.mu.state == statePreparingRebalance && g.mu.initialDelay {
		g.mu.newMemberAdded = true
	}
	g.add(m, j.protocolType)
	wait := m.join
	g.rebalanceOrCompleteJoin(now)
	return nil, wait
}

// updateAndRebalance takes a member's new metadata and parks its join.
func (g *group) updateAndRebalance(m *member, j *joinRequest, now time.Time) (*kmsg.JoinGroupResponse, <-chan *kmsg.JoinGroupResponse) {
	m.protocols, m.sessionTimeout, m.rebalanceTimeout = j.protocols, j.session, j.rebalance
	wait := g.park(m)
	g.rebalanceOrCompleteJoin(now)
	return nil, wait
}

// park parks the member's join, answering a join it parked earlier (from
// another connection) with REBALANCE_IN_PROGRESS so that it rejoins.
func (g *group) park(m *member) <-chan *kmsg.JoinGroupResponse {
	g.answerJoin(m, joinError(m.id, kerr.RebalanceInProgress.Code))
	m.join = make(chan *kmsg.JoinGroupResponse, 1)
	return m.join
}

// joinResponse is the successful JoinGroup response for m in the current
// generation; the leader's lists the members.
func (g *group) joinResponse(m *member, withMembers bool) *kmsg.JoinGroupResponse {
	r := kmsg.NewPtrJoinGroupResponse()
	r.MemberID, r.Generation, r.LeaderID = m.id, g.mu.generation, g.mu.leader
	r.ProtocolType = kmsg.StringPtr(g.mu.protocolType)
	if g.mu.protocol != "" {
		r.Protocol = kmsg.StringPtr(g.mu.protocol)
	}
	if withMembers {
		for _, o := range g.sortedMembers() {
			r.Members = append(r.Members, kmsg.JoinGroupResponseMember{
				MemberID: o.id, InstanceID: o.instanceID, ProtocolMetadata: o.metadata(g.mu.protocol),
			})
		}
	}
	return r
}

// replaceStatic gives a rejoining static member's instance to the new
// member id, fencing the old id. In a stable group whose selected
// protocol and the member's subscription are unchanged there is no
// rebalance: the new id is stored and the member resumes its assignment.
func (g *group) replaceStatic(m *member, id string, j *joinRequest, now time.Time) (*kmsg.JoinGroupResponse, <-chan *kmsg.JoinGroupResponse) {
	g.answerJoin(m, joinError(m.id, kerr.FencedInstanceID.Code))
	g.answerSync(m, syncError(kerr.FencedInstanceID.Code))
	oldLeader, old := g.mu.leader, *m
	g.rekey(m, id)
	m.clientID, m.clientHost = j.clientID, j.clientHost
	m.protocols, m.sessionTimeout, m.rebalanceTimeout = j.protocols, j.session, j.rebalance
	m.deadline = now.Add(j.session)
	switch g.mu.state {
	case stateStable:
		if bytes.Equal(old.metadata(g.mu.protocol), m.metadata(g.mu.protocol)) && m.supports(g.mu.protocol) &&
			g.selectProtocol() == g.mu.protocol {
			return g.resumeStatic(m, &old, oldLeader, j), nil
		}
		wait := g.park(m)
		g.prepareRebalance(now)
		return nil, wait
	case stateCompletingRebalance: // the leader may be assigning the old id: rebalance
		wait := g.park(m)
		g.prepareRebalance(now)
		return nil, wait
	default: // PreparingRebalance
		wait := g.park(m)
		g.tryCompleteJoin(now)
		return nil, wait
	}
}

// resumeStatic stores the stable group with the static member's new id
// and answers its join without a rebalance, undoing the replacement if
// the write fails. Before v9 the response names the leader as it was, so
// that a rejoining leader does not assign; from v9 the leader learns it
// leads but is told to skip the assignment (KIP-814).
func (g *group) resumeStatic(m, old *member, oldLeader string, j *joinRequest) *kmsg.JoinGroupResponse {
	rec := g.groupRecord(func(m *member) []byte { return m.assignment })
	if err := g.c.write(g.c.ctx, g.partition, []batch.Record{rec}); err != nil {
		g.c.log.Warn("group: static member replacement not stored", slog.String("group", g.id), slog.Any("err", err))
		id := m.id
		g.rekey(m, old.id)
		m.clientID, m.clientHost, m.protocols = old.clientID, old.clientHost, old.protocols
		m.sessionTimeout, m.rebalanceTimeout = old.sessionTimeout, old.rebalanceTimeout
		return joinError(id, appendCode(err, kerr.UnknownServerError.Code))
	}
	g.mu.stored = true
	isLeader := g.mu.leader == m.id
	r := g.joinResponse(m, j.version >= 9 && isLeader)
	if j.version >= 9 {
		r.SkipAssignment = isLeader
	} else {
		r.LeaderID = oldLeader
	}
	return r
}

// rekey renames member m to id everywhere the group refers to it.
func (g *group) rekey(m *member, id string) {
	from := m.id
	delete(g.mu.members, from)
	m.id = id
	g.mu.members[id] = m
	if m.instanceID != nil {
		g.mu.static[*m.instanceID] = id
	}
	if g.mu.leader == from {
		g.mu.leader = id
	}
	if _, ok := g.mu.pendingSync[from]; ok {
		delete(g.mu.pendingSync, from)
		g.mu.pendingSync[id] = struct{}{}
	}
}
