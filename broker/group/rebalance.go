package group

import (
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/strata-streaming/strata/tiered/batch"
)

// rebalanceOrCompleteJoin starts a rebalance if the group can start one,
// and otherwise (it is rebalancing) completes the join phase if everyone
// is in.
func (g *group) rebalanceOrCompleteJoin(now time.Time) {
	switch g.mu.state {
	case stateEmpty, stateStable, stateCompletingRebalance:
		g.prepareRebalance(now)
	default:
		g.tryCompleteJoin(now)
	}
}

// prepareRebalance starts the join phase. Members waiting for their
// assignment are told to rejoin. The first rebalance of an empty group
// waits group.initial.rebalance.delay.ms for more members; any other ends
// when every member has rejoined or at the longest rebalance timeout.
func (g *group) prepareRebalance(now time.Time) {
	if g.mu.state == stateCompletingRebalance {
		g.resetAssignments(kerr.RebalanceInProgress.Code, now)
	}
	g.mu.syncDeadline = time.Time{}
	clear(g.mu.pendingSync)
	delay := g.c.cfg.InitialRebalanceDelay
	timeout := g.rebalanceTimeout()
	g.mu.initialDelay = g.mu.state == stateEmpty && delay > 0
	g.mu.newMemberAdded = false
	if g.mu.initialDelay {
		g.mu.joinDeadline = now.Add(delay)
		g.mu.delayRemaining = max(timeout-delay, 0)
	} else {
		g.mu.joinDeadline = now.Add(timeout)
	}
	g.transition(statePreparingRebalance, now)
	g.c.metrics.rebalanced()
	g.c.log.Info("group: preparing rebalance", slog.String("group", g.id), slog.Int("generation", int(g.mu.generation)),
		slog.Int("members", len(g.mu.members)))
	g.tryCompleteJoin(now)
}

// tryCompleteJoin completes the join phase once every member and every
// pending member id has joined, except during the initial delay, which
// always runs its course.
func (g *group) tryCompleteJoin(now time.Time) {
	if g.mu.state != statePreparingRebalance || g.mu.initialDelay || len(g.mu.pending) > 0 {
		return
	}
	for _, m := range g.mu.members {
		if m.join == nil {
			return
		}
	}
	g.completeJoin(now)
}

// onJoinDeadline ends the join phase at its deadline, or extends the
// initial delay while new members keep arriving and time remains.
func (g *group) onJoinDeadline(now time.Time) {
	if g.mu.initialDelay && g.mu.newMemberAdded && g.mu.delayRemaining > 0 {
		d := min(g.c.cfg.InitialRebalanceDelay, g.mu.delayRemaining)
		g.mu.newMemberAdded = false
		g.mu.delayRemaining -= d
		g.mu.joinDeadline = now.Add(d)
		return
	}
	g.mu.initialDelay = false
	g.completeJoin(now)
}

// completeJoin ends the join phase: dynamic members that did not rejoin
// are removed, the generation advances, and every member gets its
// JoinGroup response (the leader with the member list). A group left
// empty is stored as such.
func (g *group) completeJoin(now time.Time) {
	for _, m := range g.sortedMembers() {
		if m.join == nil && m.instanceID == nil {
			g.c.log.Info("group: removing member that did not rejoin", slog.String("group", g.id), slog.String("member", m.id))
			g.remove(m)
		}
	}
	if len(g.mu.members) > 0 && !g.electJoinedLeader() {
		// Only static members that have not rejoined remain: wait for
		// them, or for their sessions to end.
		g.mu.joinDeadline = now.Add(g.rebalanceTimeout())
		return
	}
	g.nextGeneration(now)
	if g.mu.state == stateEmpty {
		g.storeEmpty()
		return
	}
	for _, m := range g.sortedMembers() {
		g.answerJoin(m, g.joinResponse(m, m.id == g.mu.leader))
		m.deadline = now.Add(m.sessionTimeout)
		m.isNew = false
		g.mu.pendingSync[m.id] = struct{}{}
	}
	g.mu.syncDeadline = now.Add(g.rebalanceTimeout())
}

// electJoinedLeader keeps the leader if it rejoined and otherwise picks
// the oldest member that did; false if no member rejoined.
func (g *group) electJoinedLeader() bool {
	if l := g.mu.members[g.mu.leader]; l != nil && l.join != nil {
		return true
	}
	for _, m := range g.sortedMembers() {
		if m.join != nil {
			g.mu.leader = m.id
			return true
		}
	}
	return false
}

// nextGeneration advances the generation, selects the protocol and moves
// to CompletingRebalance, or to Empty if no member is left.
func (g *group) nextGeneration(now time.Time) {
	g.mu.generation++
	if len(g.mu.members) == 0 {
		g.mu.protocol, g.mu.leader = "", ""
		g.transition(stateEmpty, now)
	} else {
		g.mu.protocol = g.selectProtocol()
		g.transition(stateCompletingRebalance, now)
	}
	g.mu.subscribed = g.computeSubscribed()
	g.c.log.Info("group: generation", slog.String("group", g.id), slog.Int("generation", int(g.mu.generation)),
		slog.String("state", g.mu.state.String()), slog.Int("members", len(g.mu.members)))
}

// storeEmpty writes the metadata of a group that has just become empty.
// A failure is only logged, as in Kafka: nothing waits on it, and the log
// then still holds the last generation, whose members expire after a
// restart.
func (g *group) storeEmpty() {
	rec := g.groupRecord(func(*member) []byte { return nil })
	if err := g.c.write(g.c.ctx, g.partition, []batch.Record{rec}); err != nil {
		g.c.log.Warn("group: empty group not stored", slog.String("group", g.id), slog.Any("err", err))
		return
	}
	g.mu.stored = true
}

// removeAndUpdate removes a member and moves the group on: a settled group
// rebalances, a rebalancing one may now complete its join phase.
func (g *group) removeAndUpdate(m *member, now time.Time) {
	g.remove(m)
	switch g.mu.state {
	case stateStable, stateCompletingRebalance:
		g.prepareRebalance(now)
	case statePreparingRebalance:
		g.tryCompleteJoin(now)
	}
}

// expire processes the group's deadlines that have passed: pending member
// ids, member sessions, the join phase and pending syncs.
func (g *group) expire(now time.Time) {
	for id, deadline := range g.mu.pending {
		if !now.Before(deadline) {
			delete(g.mu.pending, id)
		}
	}
	for _, m := range g.sortedMembers() {
		if g.mu.members[m.id] == m && !now.Before(m.deadline) && !m.satisfied() {
			g.c.log.Info("group: member session expired", slog.String("group", g.id), slog.String("member", m.id))
			g.removeAndUpdate(m, now)
		}
	}
	switch g.mu.state {
	case statePreparingRebalance:
		if !now.Before(g.mu.joinDeadline) {
			g.onJoinDeadline(now)
		} else {
			g.tryCompleteJoin(now)
		}
	case stateCompletingRebalance, stateStable:
		if !g.mu.syncDeadline.IsZero() && !now.Before(g.mu.syncDeadline) {
			g.expirePendingSync(now)
		}
	}
}

// expirePendingSync removes the members that got their JoinGroup response
// but did not send SyncGroup within the rebalance timeout, and rebalances.
func (g *group) expirePendingSync(now time.Time) {
	for id := range g.mu.pendingSync {
		if m := g.mu.members[id]; m != nil {
			g.c.log.Info("group: removing member that did not sync", slog.String("group", g.id), slog.String("member", id))
			g.remove(m)
		}
	}
	g.prepareRebalance(now)
}
