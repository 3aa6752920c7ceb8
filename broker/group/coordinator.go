package group

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/strata-streaming/strata/tiered/batch"
)

// Errors returned by the Coordinator's lifecycle methods.
var (
	// ErrLoaded is returned by a second Load.
	ErrLoaded = errors.New("group: already loaded")
	// ErrClosed is returned by Load after Close.
	ErrClosed = errors.New("group: coordinator closed")
)

// Coordinator is the group coordinator of this broker. On a single node it
// coordinates every group. Its request methods take kmsg requests and
// return kmsg responses; the wire layer sets the response version.
//
// Lock order: timers, then a group's mu, then mu.
type Coordinator struct {
	cfg     Config
	store   Store
	log     *slog.Logger
	metrics *metrics

	// ctx bounds the writes no request owns (a rebalance that empties a
	// group, expirations); Close cancels it.
	ctx    context.Context
	cancel context.CancelFunc
	stop   chan struct{} // closed by Close to stop the timer loop
	done   chan struct{} // closed when the timer loop has returned

	loaded atomic.Bool
	closed atomic.Bool

	mu struct {
		sync.Mutex
		groups map[string]*group
	}

	// timers serializes the deadline sweeps.
	timers struct {
		sync.Mutex
		nextRetentionCheck time.Time
	}
}

// New returns a Coordinator over store and starts its timer loop. It
// answers group requests with COORDINATOR_LOAD_IN_PROGRESS until Load has
// rebuilt its state from the store.
func New(cfg Config, store Store) (*Coordinator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil || store.Partitions() < 1 {
		return nil, fmt.Errorf("%w: a store with at least one partition is required", ErrConfig)
	}
	c := &Coordinator{cfg: cfg, store: store, log: cfg.logger(), stop: make(chan struct{}), done: make(chan struct{})}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.mu.groups = map[string]*group{}
	m, err := newMetrics(c, cfg.Meter)
	if err != nil {
		c.cancel()
		return nil, err
	}
	c.metrics = m
	go c.run()
	return c, nil
}

// Close stops the timer loop and waits for it, and answers every parked
// JoinGroup and SyncGroup with NOT_COORDINATOR, as Kafka does when it
// unloads a group. Later requests get COORDINATOR_NOT_AVAILABLE. Close is
// idempotent.
func (c *Coordinator) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	c.cancel()
	close(c.stop)
	<-c.done
	err := c.metrics.close()
	for _, g := range c.groupList() {
		g.mu.Lock()
		for _, m := range g.mu.members {
			g.answerJoin(m, joinError(m.id, kerr.NotCoordinator.Code))
			g.answerSync(m, syncError(kerr.NotCoordinator.Code))
		}
		g.mu.Unlock()
	}
	return err
}

// Coordinates reports whether this coordinator serves group: on a single
// node, every group, until Close.
func (c *Coordinator) Coordinates(group string) bool { return !c.closed.Load() }

// run is the timer loop.
func (c *Coordinator) run() {
	defer close(c.done)
	t := time.NewTicker(c.cfg.TimerTick)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			c.tick()
		}
	}
}

// tick processes every deadline that has passed: pending and member
// sessions, join and sync phases, and, each retention check interval,
// offset expiration.
func (c *Coordinator) tick() {
	if !c.loaded.Load() {
		return
	}
	c.timers.Lock()
	defer c.timers.Unlock()
	now := c.cfg.now()
	for _, g := range c.groupList() {
		g.mu.Lock()
		if g.mu.state != stateDead {
			g.expire(now)
		}
		c.unlock(g)
	}
	if !now.Before(c.timers.nextRetentionCheck) {
		c.timers.nextRetentionCheck = now.Add(c.cfg.OffsetsRetentionCheckInterval)
		c.expireOffsets(now)
	}
}

// status is the error a request for group gets before the group is looked
// at: INVALID_GROUP_ID for an empty id where one is required, then
// COORDINATOR_NOT_AVAILABLE after Close, COORDINATOR_LOAD_IN_PROGRESS
// before Load. allowEmpty is for the APIs where Kafka accepts an empty id.
func (c *Coordinator) status(group string, allowEmpty bool) int16 {
	switch {
	case group == "" && !allowEmpty:
		return kerr.InvalidGroupID.Code
	case c.closed.Load():
		return kerr.CoordinatorNotAvailable.Code
	case !c.loaded.Load():
		return kerr.CoordinatorLoadInProgress.Code
	}
	return 0
}

// lockGroup returns the named group locked, creating it if create, or nil
// if there is none. A group found dead was removed meanwhile; the lookup
// is then retried. Release it with unlock.
func (c *Coordinator) lockGroup(id string, create bool) *group {
	for {
		c.mu.Lock()
		g := c.mu.groups[id]
		if g == nil && create {
			g = newGroup(c, id, c.cfg.now())
			c.mu.groups[id] = g
		}
		c.mu.Unlock()
		if g == nil {
			return nil
		}
		g.mu.Lock()
		if g.mu.state != stateDead {
			return g
		}
		g.mu.Unlock()
	}
}

// unlock releases a group locked by lockGroup, first dropping it if it
// holds nothing, such as a group a failed request created.
func (c *Coordinator) unlock(g *group) {
	if g.unused() {
		c.drop(g)
	}
	g.mu.Unlock()
}

// drop marks g dead and forgets it; the caller holds g.mu.
func (c *Coordinator) drop(g *group) {
	g.transition(stateDead, c.cfg.now())
	c.mu.Lock()
	if c.mu.groups[g.id] == g {
		delete(c.mu.groups, g.id)
	}
	c.mu.Unlock()
}

// groupList returns the groups, in id order.
func (c *Coordinator) groupList() []*group {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := slices.Sorted(maps.Keys(c.mu.groups))
	gs := make([]*group, len(ids))
	for i, id := range ids {
		gs[i] = c.mu.groups[id]
	}
	return gs
}

// write appends records to a partition of the store within the commit
// timeout.
func (c *Coordinator) write(ctx context.Context, partition int32, records []batch.Record) error {
	for i := range records {
		records[i].OffsetDelta = int32(i)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.OffsetCommitTimeout)
	defer cancel()
	if err := c.store.Append(ctx, partition, records); err != nil {
		return fmt.Errorf("group: write __consumer_offsets partition %d: %w", partition, err)
	}
	return nil
}

// appendCode translates a failed write into the code a response carries,
// as Kafka translates append errors; tooLarge is the code for a batch the
// log refused for its size.
func appendCode(err error, tooLarge int16) int16 {
	ke, ok := errors.AsType[*kerr.Error](err)
	if !ok {
		return kerr.CoordinatorNotAvailable.Code
	}
	switch ke {
	case kerr.UnknownTopicOrPartition, kerr.NotEnoughReplicas, kerr.NotEnoughReplicasAfterAppend, kerr.RequestTimedOut:
		return kerr.CoordinatorNotAvailable.Code
	case kerr.NotLeaderForPartition, kerr.KafkaStorageError:
		return kerr.NotCoordinator.Code
	case kerr.MessageTooLarge, kerr.RecordListTooLarge, kerr.InvalidFetchSize:
		return tooLarge
	}
	return ke.Code
}

// millis converts a Kafka millisecond count to a duration.
func millis(ms int32) time.Duration { return time.Duration(ms) * time.Millisecond }
