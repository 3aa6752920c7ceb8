package group

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// state is a group's state in the classic protocol.
type state int8

// The states, with Kafka's names.
const (
	stateEmpty state = iota
	statePreparingRebalance
	stateCompletingRebalance
	stateStable
	stateDead
)

var stateNames = [...]string{"Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead"}

func (s state) String() string { return stateNames[s] }

// consumerProtocol is the protocol type of Kafka consumers, whose member
// metadata names the subscribed topics.
const consumerProtocol = "consumer"

// protocol is one assignment protocol a member supports, with its
// metadata.
type protocol struct {
	name     string
	metadata []byte
}

// member is one member of a group.
type member struct {
	id         string
	instanceID *string // static membership (KIP-345); nil for dynamic members
	clientID   string
	clientHost string
	protocols  []protocol // in the member's order of preference

	sessionTimeout   time.Duration
	rebalanceTimeout time.Duration
	assignment       []byte
	seq              uint64 // join order within the group

	// isNew marks a member whose first join has not completed; its
	// deadline is then the new-member join timeout.
	isNew bool
	// deadline is when the member's session expires unless it heartbeats
	// or is waiting in a join or sync.
	deadline time.Time
	// join and sync, when not nil, receive the answer to the member's
	// pending JoinGroup or SyncGroup. Both are buffered, so answering
	// never blocks even when the request has gone.
	join chan *kmsg.JoinGroupResponse
	sync chan *kmsg.SyncGroupResponse
}

// metadata is the member's metadata for the named protocol, or nil.
func (m *member) metadata(name string) []byte {
	for _, p := range m.protocols {
		if p.name == name {
			return p.metadata
		}
	}
	return nil
}

// supports reports whether the member lists the named protocol.
func (m *member) supports(name string) bool {
	return slices.ContainsFunc(m.protocols, func(p protocol) bool { return p.name == name })
}

// matches reports whether protocols are exactly the member's, in order.
func (m *member) matches(protocols []protocol) bool {
	return slices.EqualFunc(m.protocols, protocols, func(a, b protocol) bool {
		return a.name == b.name && bytes.Equal(a.metadata, b.metadata)
	})
}

// satisfied reports whether the member's session may outlive its
// deadline: a member parked in a join or sync is alive, unless it is new.
func (m *member) satisfied() bool {
	return !m.isNew && (m.join != nil || m.sync != nil)
}

// group is one consumer group. The id and partition never change; the
// rest is guarded by mu.
type group struct {
	id        string
	partition int32
	c         *Coordinator

	mu struct {
		sync.Mutex
		state        state
		stateTime    time.Time // when the group entered its state
		protocolType string    // "" until a member joins
		protocol     string    // the selected protocol; "" when none
		generation   int32
		leader       string
		members      map[string]*member
		static       map[string]string    // instance id to member id
		pending      map[string]time.Time // MEMBER_ID_REQUIRED ids to their deadline
		pendingSync  map[string]struct{}  // members yet to sync this generation
		nextSeq      uint64

		joinDeadline   time.Time     // PreparingRebalance: when the join phase ends anyway
		initialDelay   bool          // the rebalance started from Empty
		delayRemaining time.Duration // what the initial delay may still grow by
		newMemberAdded bool          // a member joined during the initial delay
		syncDeadline   time.Time     // pending syncs expire then; zero when none

		// subscribed is the union of the topics a consumer group's members
		// subscribe to, computed at each generation; nil when unknown.
		subscribed map[string]struct{}
		offsets    map[topicPartition]committed
		// stored reports whether the log holds a metadata record for the
		// group, so that removing it needs a tombstone.
		stored bool
	}
}

// newGroup returns an empty group.
func newGroup(c *Coordinator, id string, now time.Time) *group {
	g := &group{id: id, partition: PartitionFor(id, c.store.Partitions()), c: c}
	g.mu.stateTime = now
	g.mu.members = map[string]*member{}
	g.mu.static = map[string]string{}
	g.mu.pending = map[string]time.Time{}
	g.mu.pendingSync = map[string]struct{}{}
	g.mu.offsets = map[topicPartition]committed{}
	return g
}

// transition moves the group to s.
func (g *group) transition(s state, now time.Time) {
	g.mu.state = s
	g.mu.stateTime = now
}

// unused reports whether the group holds nothing worth keeping: no
// members, no pending joins, no offsets and no stored metadata.
func (g *group) unused() bool {
	return g.mu.state == stateEmpty && len(g.mu.members) == 0 && len(g.mu.pending) == 0 &&
		len(g.mu.offsets) == 0 && !g.mu.stored
}

// sortedMembers returns the members in join order.
func (g *group) sortedMembers() []*member {
	ms := make([]*member, 0, len(g.mu.members))
	for _, m := range g.mu.members {
		ms = append(ms, m)
	}
	slices.SortFunc(ms, func(a, b *member) int { return cmp.Compare(a.seq, b.seq) })
	return ms
}

// add adds m to the group: the first member sets the protocol type, the
// first member without a leader becomes the leader.
func (g *group) add(m *member, protocolType string) {
	if len(g.mu.members) == 0 {
		g.mu.protocolType = protocolType
	}
	m.seq = g.mu.nextSeq
	g.mu.nextSeq++
	g.mu.members[m.id] = m
	if g.mu.leader == "" {
		g.mu.leader = m.id
	}
	if m.instanceID != nil {
		g.mu.static[*m.instanceID] = m.id
	}
	delete(g.mu.pending, m.id)
}

// remove removes the member, answering any request it has parked with
// UNKNOWN_MEMBER_ID (and, for a join, no member id, so that the client
// joins afresh). A removed leader is succeeded by the oldest member.
func (g *group) remove(m *member) {
	g.answerJoin(m, joinError("", kerr.UnknownMemberID.Code))
	g.answerSync(m, syncError(kerr.UnknownMemberID.Code))
	delete(g.mu.members, m.id)
	delete(g.mu.pendingSync, m.id)
	if m.instanceID != nil && g.mu.static[*m.instanceID] == m.id {
		delete(g.mu.static, *m.instanceID)
	}
	if g.mu.leader == m.id {
		g.mu.leader = ""
		if ms := g.sortedMembers(); len(ms) > 0 {
			g.mu.leader = ms[0].id
		}
	}
}

// answerJoin answers the member's parked JoinGroup, if any.
func (g *group) answerJoin(m *member, resp *kmsg.JoinGroupResponse) {
	if m.join != nil {
		m.join <- resp
		m.join = nil
	}
}

// answerSync answers the member's parked SyncGroup, if any.
func (g *group) answerSync(m *member, resp *kmsg.SyncGroupResponse) {
	if m.sync != nil {
		m.sync <- resp
		m.sync = nil
	}
}

// validateMember checks that memberID is a member and, for a static
// member, that instanceID still maps to it (FENCED_INSTANCE_ID if another
// member took the instance over).
func (g *group) validateMember(memberID string, instanceID *string) (*member, int16) {
	if instanceID != nil {
		current, ok := g.mu.static[*instanceID]
		if !ok {
			return nil, kerr.UnknownMemberID.Code
		}
		if current != memberID {
			return nil, kerr.FencedInstanceID.Code
		}
	}
	m, ok := g.mu.members[memberID]
	if !ok {
		return nil, kerr.UnknownMemberID.Code
	}
	return m, 0
}

// rebalanceTimeout is the longest rebalance timeout of the members.
func (g *group) rebalanceTimeout() time.Duration {
	var d time.Duration
	for _, m := range g.mu.members {
		d = max(d, m.rebalanceTimeout)
	}
	return d
}

// supportsProtocols reports whether a member joining with protocolType
// and protocols (replacing memberID's, if it is a member) agrees with the
// group: an empty group takes any non-empty type and protocol list, a
// non-empty group needs its type and a protocol every other member
// supports.
func (g *group) supportsProtocols(memberID, protocolType string, protocols []protocol) bool {
	if len(protocols) == 0 || protocolType == "" {
		return false
	}
	if len(g.mu.members) == 0 {
		return true
	}
	if protocolType != g.mu.protocolType {
		return false
	}
	return slices.ContainsFunc(protocols, func(p protocol) bool {
		for _, m := range g.mu.members {
			if m.id != memberID && !m.supports(p.name) {
				return false
			}
		}
		return true
	})
}

// selectProtocol picks the protocol for the next generation as Kafka
// does: among the protocols every member supports, each member votes for
// its most preferred, and the most votes win (ties go to the oldest
// member's preference).
func (g *group) selectProtocol() string {
	ms := g.sortedMembers()
	var candidates []string
	for _, p := range ms[0].protocols {
		if !slices.ContainsFunc(ms, func(m *member) bool { return !m.supports(p.name) }) {
			candidates = append(candidates, p.name)
		}
	}
	if len(candidates) == 0 { // cannot happen: joins are checked
		return ms[0].protocols[0].name
	}
	votes := map[string]int{}
	for _, m := range ms {
		for _, p := range m.protocols {
			if slices.Contains(candidates, p.name) {
				votes[p.name]++
				break
			}
		}
	}
	best := candidates[0]
	for _, c := range candidates[1:] {
		if votes[c] > votes[best] {
			best = c
		}
	}
	return best
}

// computeSubscribed is the union of the topics the members of a consumer
// group subscribe to with the selected protocol; nil when unknown (not a
// consumer group, or metadata that does not parse).
func (g *group) computeSubscribed() map[string]struct{} {
	if g.mu.protocolType != consumerProtocol || (g.mu.protocol == "" && len(g.mu.members) > 0) {
		return nil
	}
	topics := map[string]struct{}{}
	for _, m := range g.mu.members {
		var md kmsg.ConsumerMemberMetadata
		if err := md.ReadFrom(m.metadata(g.mu.protocol)); err != nil {
			return nil
		}
		for _, t := range md.Topics {
			topics[t] = struct{}{}
		}
	}
	return topics
}

// subscribedTo reports whether the group may be consuming topic: it is
// subscribed, or its subscriptions are unknown.
func (g *group) subscribedTo(topic string) bool {
	if g.mu.subscribed == nil {
		return true
	}
	_, ok := g.mu.subscribed[topic]
	return ok
}

// newMemberID returns a fresh member id: the client id (or, for a static
// member, its instance id), a dash and a random UUID, as Kafka makes them.
func newMemberID(clientID string, instanceID *string) string {
	prefix := clientID
	if instanceID != nil {
		prefix = *instanceID
	}
	var u [16]byte
	rand.Read(u[:])         // never fails
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // variant 10
	var s [36]byte
	hex.Encode(s[0:8], u[0:4])
	hex.Encode(s[9:13], u[4:6])
	hex.Encode(s[14:18], u[6:8])
	hex.Encode(s[19:23], u[8:10])
	hex.Encode(s[24:], u[10:])
	s[8], s[13], s[18], s[23] = '-', '-', '-', '-'
	return prefix + "-" + string(s[:])
}
