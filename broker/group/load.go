package group

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Load rebuilds the groups and their committed offsets by replaying every
// partition of the store, and then serves group requests. Groups with
// members come back Stable, each member's session starting now; members
// that are gone expire. A record that does not decode is logged and
// skipped. Load may be called once; until it returns, group requests get
// COORDINATOR_LOAD_IN_PROGRESS.
func (c *Coordinator) Load(ctx context.Context) error {
	c.timers.Lock()
	defer c.timers.Unlock()
	switch {
	case c.closed.Load():
		return ErrClosed
	case c.loaded.Load():
		return ErrLoaded
	}
	l := &loader{groups: map[string]*loadedGroup{}, log: c.log}
	for p := range c.store.Partitions() {
		if err := c.store.Replay(ctx, p, l.apply); err != nil {
			return fmt.Errorf("group: load __consumer_offsets partition %d: %w", p, err)
		}
	}
	now := c.cfg.now()
	groups := make(map[string]*group, len(l.groups))
	for id, lg := range l.groups {
		if lg.meta != nil || len(lg.offsets) > 0 {
			groups[id] = lg.build(c, id, now)
		}
	}
	c.mu.Lock()
	c.mu.groups = groups
	c.mu.Unlock()
	c.timers.nextRetentionCheck = now.Add(c.cfg.OffsetsRetentionCheckInterval)
	c.loaded.Store(true)
	c.log.Info("group: loaded", slog.Int("groups", len(groups)), slog.Int("skipped records", l.skipped))
	return nil
}

// loader accumulates the replayed records.
type loader struct {
	groups  map[string]*loadedGroup
	skipped int
	log     *slog.Logger
}

// loadedGroup is what the log holds for one group: the latest metadata
// (nil if none or tombstoned) and the live offsets.
type loadedGroup struct {
	meta    *kmsg.GroupMetadataValue
	offsets map[topicPartition]committed
}

func (l *loader) get(id string) *loadedGroup {
	lg := l.groups[id]
	if lg == nil {
		lg = &loadedGroup{offsets: map[topicPartition]committed{}}
		l.groups[id] = lg
	}
	return lg
}

// apply applies one record; later records replace earlier ones, and
// tombstones delete.
func (l *loader) apply(key, value []byte) error {
	kind, err := kindOf(key)
	switch {
	case err == nil && kind == kindOffset:
		var id string
		var tp topicPartition
		var cm *committed
		if id, tp, cm, err = decodeOffset(key, value); err == nil {
			if lg := l.get(id); cm == nil {
				delete(lg.offsets, tp)
			} else {
				lg.offsets[tp] = *cm
			}
		}
	case err == nil && kind == kindGroup:
		var id string
		var meta *kmsg.GroupMetadataValue
		if id, meta, err = decodeGroup(key, value); err == nil {
			l.get(id).meta = meta
		}
	}
	if err != nil || kind == kindUnknown {
		l.skipped++
		l.log.Warn("group: skipping a __consumer_offsets record", slog.Any("err", err))
	}
	return nil
}

// build makes the group the log describes.
func (lg *loadedGroup) build(c *Coordinator, id string, now time.Time) *group {
	g := newGroup(c, id, now)
	g.mu.offsets = lg.offsets
	if lg.meta == nil {
		return g
	}
	v := lg.meta
	g.mu.stored = true
	g.mu.protocolType, g.mu.generation = v.ProtocolType, v.Generation
	if v.Protocol != nil {
		g.mu.protocol = *v.Protocol
	}
	g.mu.stateTime = time.Time{} // unknown: retention runs from the commits
	if v.CurrentStateTimestamp >= 0 {
		g.mu.stateTime = time.UnixMilli(v.CurrentStateTimestamp)
	}
	for _, vm := range v.Members {
		m := &member{
			id: vm.MemberID, instanceID: vm.InstanceID, clientID: vm.ClientID, clientHost: vm.ClientHost,
			protocols:      []protocol{{name: g.mu.protocol, metadata: bytes.Clone(vm.Subscription)}},
			sessionTimeout: millis(vm.SessionTimeoutMillis), rebalanceTimeout: millis(vm.RebalanceTimeoutMillis),
			assignment: bytes.Clone(vm.Assignment), deadline: now.Add(millis(vm.SessionTimeoutMillis)),
		}
		if m.rebalanceTimeout < 0 { // v0 values have none
			m.rebalanceTimeout = m.sessionTimeout
		}
		g.add(m, v.ProtocolType)
	}
	if v.Leader != nil && g.mu.members[*v.Leader] != nil {
		g.mu.leader = *v.Leader
	}
	if len(g.mu.members) > 0 {
		g.mu.state = stateStable
	}
	g.mu.subscribed = g.computeSubscribed()
	return g
}
