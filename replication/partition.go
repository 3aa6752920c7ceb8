package replication

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/strata-streaming/strata/replication/controller"
	"github.com/strata-streaming/strata/tiered"
)

// Isolation levels of reads and offset lookups.
const (
	ReadUncommitted int8 = 0
	ReadCommitted   int8 = 1
)

// Partition is this broker's state of one partition it leads: the log, the
// high watermark, the idempotent producers and the leader epoch cache.
// It is safe for concurrent use.
//
// Lock order: snapMu, then mu, then the log's own locks; the syncer's lock
// is taken alone.
type Partition struct {
	topic string
	index int32
	id    controller.TopicID
	dir   string
	env   *env

	log atomic.Pointer[tiered.Log]
	cfg atomic.Pointer[TopicConfig]
	// hw is the high watermark; it only grows, under mu.
	hw atomic.Int64
	// changed is closed and replaced when hw grows.
	changed     atomic.Pointer[chan struct{}]
	leader      atomic.Bool
	leaderEpoch atomic.Int32
	syncer      syncer

	// mu serialises appends with their producer checks, and guards the
	// state below.
	mu struct {
		sync.Mutex
		closed    bool
		isr       int // in-sync replicas, this one included
		producers producerState
		epochs    epochCache
		// pending are the acks=all appends not yet known durable, in
		// offset order; the high watermark stays below the first.
		pending []offsetRange
	}
	// snapMu serialises producer snapshot writes.
	snapMu sync.Mutex
}

// offsetRange is [base, end).
type offsetRange struct{ base, end int64 }

// env is what partitions share with their manager.
type env struct {
	log    *slog.Logger
	now    func() int64 // ms since the epoch
	onRoll func(*Partition)
}

// leadership is a partition's role as the metadata gives it.
type leadership struct {
	leader bool
	epoch  int32
	isr    int
}

// leadershipOf reads the role of node in a partition record. A partition
// whose only replica is node is led by it whatever the record says, since
// no other broker could lead it.
func leadershipOf(part *controller.Partition, node int32) leadership {
	only := len(part.Replicas) == 1 && part.Replicas[0] == node
	return leadership{
		leader: part.Leader == node || only,
		epoch:  max(part.LeaderEpoch, 0),
		isr:    max(len(part.ISR), 1),
	}
}

// openPartition opens the partition in dir, which holds its metadata file:
// the log, the leader epoch cache and the producer state.
func openPartition(dir string, t *controller.Topic, index int32, cfg TopicConfig, role leadership, e *env) (*Partition, error) {
	p := &Partition{topic: t.Name, index: index, id: t.ID, dir: dir, env: e}
	l, err := tiered.Open(dir, p.logConfig(cfg))
	if err != nil {
		return nil, err
	}
	p.log.Store(l)
	p.cfg.Store(&cfg)
	ch := make(chan struct{})
	p.changed.Store(&ch)
	p.hw.Store(l.EndOffset()) // the log fsyncs its end on open
	if err := p.load(); err != nil {
		l.Close()
		return nil, fmt.Errorf("open partition %s: %w", dir, err)
	}
	if err := p.setLeadership(role); err != nil {
		l.Close()
		return nil, fmt.Errorf("open partition %s: %w", dir, err)
	}
	return p, nil
}

// logConfig is the topic's log configuration as this partition's log
// uses it: the log tells the partition when a segment it rolled is sealed.
func (p *Partition) logConfig(cfg TopicConfig) tiered.Config {
	lc := cfg.Log
	lc.Segment.OnSealed = p.sealedSegment
	return lc
}

// sealedSegment runs, from the log's sealing goroutine, once a segment an
// append rolled is durable: the broker wakes the uploader and retention.
func (p *Partition) sealedSegment() {
	if p.env.onRoll != nil {
		p.env.onRoll(p)
	}
}

// load reads the leader epoch cache and rebuilds the producer state.
func (p *Partition) load() error {
	l := p.Log()
	epochs, err := loadEpochs(p.dir)
	if err != nil {
		p.env.log.Warn("replication: resetting leader epoch cache", "dir", p.dir, "err", err)
		epochs = epochCache{}
	}
	// Only the end is trimmed here: the remote tier, attached after the
	// open, may hold offsets below the hot tier's start, and their epochs
	// stay. DeleteRecords trims the start.
	if epochs.truncateFromEnd(l.EndOffset()) {
		if err := saveEpochs(p.dir, &epochs); err != nil {
			return err
		}
	}
	producers, err := p.loadProducers(l)
	if err != nil {
		return err
	}
	p.mu.epochs, p.mu.producers = epochs, producers
	return nil
}

// Topic is the partition's topic name.
func (p *Partition) Topic() string { return p.topic }

// Index is the partition number.
func (p *Partition) Index() int32 { return p.index }

// TopicID is the partition's topic id.
func (p *Partition) TopicID() controller.TopicID { return p.id }

// Dir is the partition directory.
func (p *Partition) Dir() string { return p.dir }

// Log is the partition's log. A reconfiguration that changes the log
// configuration replaces it, so callers fetch it per use.
func (p *Partition) Log() *tiered.Log { return p.log.Load() }

// Config is the partition's topic configuration.
func (p *Partition) Config() TopicConfig { return *p.cfg.Load() }

// IsLeader reports whether this broker leads the partition.
func (p *Partition) IsLeader() bool { return p.leader.Load() }

// LeaderEpoch is the partition's current leader epoch.
func (p *Partition) LeaderEpoch() int32 { return p.leaderEpoch.Load() }

// HighWatermark is the offset below which records are committed and
// visible to consumers.
func (p *Partition) HighWatermark() int64 { return p.hw.Load() }

// LastStableOffset bounds read_committed reads. Without transactions it is
// the high watermark.
func (p *Partition) LastStableOffset() int64 { return p.HighWatermark() }

// LogStartOffset is the first offset readers may see.
func (p *Partition) LogStartOffset() int64 { return p.Log().StartOffset() }

// LogEndOffset is the offset the next append gets.
func (p *Partition) LogEndOffset() int64 { return p.Log().EndOffset() }

// Size is the bytes the partition holds locally.
func (p *Partition) Size() int64 { return p.Log().Size() }

// Changed returns a channel closed when the high watermark next grows, or
// when the partition closes. Long-polling fetches take it, check the high
// watermark, then wait on it.
func (p *Partition) Changed() <-chan struct{} { return *p.changed.Load() }

// CheckLeaderEpoch checks a request's current leader epoch against the
// partition's: -1 skips the check, an older one is ErrFencedLeaderEpoch
// and a newer one ErrUnknownLeaderEpoch.
func (p *Partition) CheckLeaderEpoch(current int32) error {
	epoch := p.LeaderEpoch()
	switch {
	case current < 0 || current == epoch:
		return nil
	case current < epoch:
		return fmt.Errorf("%w: %d, the partition is at %d", ErrFencedLeaderEpoch, current, epoch)
	default:
		return fmt.Errorf("%w: %d, the partition is at %d", ErrUnknownLeaderEpoch, current, epoch)
	}
}

// ReadsRemote reports whether a read at offset is served by the remote
// tier: the partition has one and offset is below its local copy.
func (p *Partition) ReadsRemote(offset int64) bool {
	l := p.Log()
	return l.Remote() != nil && offset < l.LocalStartOffset()
}

// Read returns whole batches from offset on, at most maxBytes of them but
// at least one, below the high watermark (isolation ReadUncommitted) or
// the last stable offset (ReadCommitted). As in Kafka, an offset below the
// log start or above the log end is ErrOffsetOutOfRange, and an offset
// between the bound and the log end reads nothing. The caller must Close
// the records.
func (p *Partition) Read(ctx context.Context, offset int64, maxBytes int, isolation int8) (tiered.Records, error) {
	bound := p.HighWatermark()
	if isolation == ReadCommitted {
		bound = p.LastStableOffset()
	}
	return p.Log().Read(ctx, offset, maxBytes, bound)
}

// setLeadership applies the partition's role from the metadata. A new
// leader epoch starts at the log end in the epoch cache, as Kafka does on
// becoming leader.
func (p *Partition) setLeadership(role leadership) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mu.closed {
		return ErrClosed
	}
	p.mu.isr = role.isr
	p.leader.Store(role.leader)
	if role.epoch < p.leaderEpoch.Load() {
		return nil
	}
	p.leaderEpoch.Store(role.epoch)
	if role.leader && p.mu.epochs.assign(role.epoch, p.Log().EndOffset()) {
		return saveEpochs(p.dir, &p.mu.epochs)
	}
	return nil
}

// advanceLocked moves the high watermark to the log end, or to the first
// acks=all append not yet durable, and wakes the fetchers; mu held.
func (p *Partition) advanceLocked() {
	l := p.Log()
	durable := l.DurableOffset()
	n := 0
	for n < len(p.mu.pending) && p.mu.pending[n].end <= durable {
		n++
	}
	p.mu.pending = p.mu.pending[n:]
	hw := l.EndOffset()
	if len(p.mu.pending) > 0 {
		hw = p.mu.pending[0].base
	}
	if hw > p.hw.Load() {
		p.hw.Store(hw)
		p.wake()
	}
}

// wake closes the changed channel and installs a new one.
func (p *Partition) wake() {
	ch := make(chan struct{})
	close(*p.changed.Swap(&ch))
}

// advance is advanceLocked for callers without mu.
func (p *Partition) advance() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.mu.closed {
		p.advanceLocked()
	}
}

// needsReopen reports whether cfg changes the log's configuration, which
// only a reopen applies.
func (p *Partition) needsReopen(cfg TopicConfig) bool {
	return !sameLog(p.cfg.Load().Log, cfg.Log)
}

// reconfigure applies a new topic configuration. A changed log
// configuration closes the log and opens it again with the new one;
// appends wait meanwhile and reads of the old log fail with ErrClosed.
func (p *Partition) reconfigure(cfg TopicConfig) error {
	if !p.needsReopen(cfg) {
		p.cfg.Store(&cfg)
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mu.closed {
		return ErrClosed
	}
	old := p.Log()
	if err := old.Close(); err != nil {
		return fmt.Errorf("reconfigure %s: %w", p.dir, err)
	}
	lc := p.logConfig(cfg)
	lc.Remote = old.Remote() // the remote tier is the partition's, not the topic config's
	l, err := tiered.Open(p.dir, lc)
	if err != nil {
		return fmt.Errorf("reconfigure %s: %w", p.dir, err)
	}
	p.log.Store(l)
	p.cfg.Store(&cfg)
	p.advanceLocked()
	return nil
}

// close closes the partition: no append starts afterwards, waiting
// appends are released, the log is closed cleanly and, unless the
// partition is being deleted, the producer state is snapshotted at the log
// end so that the next open replays nothing.
func (p *Partition) close(deleting bool) error {
	p.mu.Lock()
	if p.mu.closed {
		p.mu.Unlock()
		return nil
	}
	p.mu.closed = true
	l := p.Log()
	end := l.EndOffset()
	snap := encodeSnapshot(end, p.mu.producers)
	p.mu.Unlock()

	p.syncer.close()
	err := l.Close()
	closed := make(chan struct{})
	close(closed)
	close(*p.changed.Swap(&closed))
	// Wait for a snapshot write in flight; later ones see the partition
	// closed and write nothing.
	p.snapMu.Lock()
	defer p.snapMu.Unlock()
	if err != nil || deleting {
		return err
	}
	return writeSnapshot(p.dir, end, snap)
}

// isClosed reports whether the partition was closed.
func (p *Partition) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mu.closed
}

// errClosedPartition wraps ErrClosed with the partition's name.
func (p *Partition) errClosed() error {
	return fmt.Errorf("%w: partition %s", ErrClosed, dirName(p.topic, p.index))
}
