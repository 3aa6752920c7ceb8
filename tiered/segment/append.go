package segment

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/strata-streaming/strata/tiered/batch"
)

// AppendOptions are the broker's choices for one append.
type AppendOptions struct {
	// LogAppendTime stamps every batch with the append time
	// (message.timestamp.type=LogAppendTime).
	LogAppendTime bool
	// LeaderEpoch is written into every batch's partitionLeaderEpoch field
	// when it is not negative.
	LeaderEpoch int32
	// Validated says the caller has already run batch.Validate on every
	// batch of the buffer (the broker's produce path does, to answer each
	// failure with Kafka's error code), so Append only frames the batches
	// instead of checking every CRC a second time.
	Validated bool
}

// AppendResult describes a successful append.
type AppendResult struct {
	BaseOffset   int64     // offset of the first record appended
	LastOffset   int64     // offset of the last record appended
	LogEndOffset int64     // the log end offset after the append
	AppendTime   time.Time // the broker time of the append
	// Rolled reports that the append started a new segment, whose base
	// offset is BaseOffset. State kept beside the log (producer state)
	// snapshots itself as of that offset.
	Rolled bool
}

// batchMeta is what an append needs to know of each batch.
type batchMeta struct {
	delta   int32 // last offset delta
	size    int
	records int32
	maxTs   int64
	base    int64 // assigned base offset
	next    int64 // assigned next offset
}

// Append validates the batches in buf (one or more concatenated v2 record
// batches), assigns them consecutive offsets from the log end, rewrites the
// fields the broker owns and writes them to the active segment, rolling it
// first when a roll rule says so. buf is modified in place. Nothing is
// written unless every batch is valid. The data is visible to readers at
// once and durable after Sync or SyncTo(result.LogEndOffset).
func (l *Log) Append(buf []byte, opts AppendOptions) (AppendResult, error) {
	start := l.cfg.Metrics.start()
	metas, records, err := validateBatches(buf, opts.Validated)
	if err != nil {
		return AppendResult{}, err
	}
	if int64(len(buf)) > l.cfg.SegmentBytes {
		return AppendResult{}, fmt.Errorf("%w: %d bytes, segment.bytes is %d", ErrBatchTooLarge, len(buf), l.cfg.SegmentBytes)
	}
	now := l.cfg.now()
	stampBatches(buf, metas, opts, now)

	l.mu.Lock()
	res, sealed, err := l.appendLocked(buf, metas, records, now)
	flush := err == nil && l.flushDueLocked(now)
	l.mu.Unlock()
	if sealed != nil {
		go l.finishSeal(sealed) // see finishSeal
	}
	if err != nil {
		return AppendResult{}, err
	}
	l.cfg.Metrics.appendDone(start, len(buf))
	if flush {
		if err := l.SyncTo(res.LogEndOffset); err != nil {
			return res, err
		}
	}
	return res, nil
}

// validateBatches checks every batch of buf, or only frames them when the
// caller validated them already, and describes them.
func validateBatches(buf []byte, validated bool) ([]batchMeta, int64, error) {
	if len(buf) == 0 {
		return nil, 0, ErrEmptyAppend
	}
	var metas []batchMeta
	var records int64
	it := batch.NewIter(buf)
	for {
		h, b, ok := it.Next()
		if !ok {
			break
		}
		if !validated {
			if _, err := batch.Validate(b); err != nil {
				return nil, 0, fmt.Errorf("validate batch %d: %w", len(metas), err)
			}
		}
		metas = append(metas, batchMeta{delta: h.LastOffsetDelta, size: len(b), records: h.NumRecords, maxTs: h.MaxTimestamp})
		records += int64(h.NumRecords)
	}
	if it.Err() != nil {
		return nil, 0, fmt.Errorf("validate batch %d: %w", len(metas), it.Err())
	}
	if it.Partial() {
		return nil, 0, fmt.Errorf("validate batch %d: %w", len(metas), batch.ErrShort)
	}
	return metas, records, nil
}

// stampBatches writes the leader epoch and the append time into the
// batches, before the log lock is taken.
func stampBatches(buf []byte, metas []batchMeta, opts AppendOptions, now time.Time) {
	pos := 0
	for i := range metas {
		b := buf[pos : pos+metas[i].size]
		if opts.LeaderEpoch >= 0 {
			batch.SetPartitionLeaderEpoch(b, opts.LeaderEpoch)
		}
		if opts.LogAppendTime {
			batch.SetLogAppendTime(b, now.UnixMilli())
			metas[i].maxTs = now.UnixMilli()
		}
		pos += metas[i].size
	}
}

// appendLocked assigns offsets and writes; mu held. It returns the
// segment sealed by a roll, whose seal the caller finishes after unlocking.
func (l *Log) appendLocked(buf []byte, metas []batchMeta, records int64, now time.Time) (AppendResult, *rolled, error) {
	if err := l.checkWritable(); err != nil {
		return AppendResult{}, nil, err
	}
	first := l.mu.end
	next := first
	pos := 0
	for i := range metas {
		m := &metas[i]
		if next > math.MaxInt64-int64(m.delta)-1 {
			return AppendResult{}, nil, fmt.Errorf("assign offsets: %w", batch.ErrOverflow)
		}
		batch.SetBaseOffset(buf[pos:], next)
		m.base, m.next = next, next+int64(m.delta)+1
		next, pos = m.next, pos+m.size
	}
	var sealed *rolled
	if l.shouldRoll(len(buf), next-1, now) {
		var err error
		if sealed, err = l.roll(); err != nil {
			return AppendResult{}, nil, l.fail(err)
		}
	}
	active := l.mu.segs[len(l.mu.segs)-1]
	if err := l.writeActive(active, buf, metas, now); err != nil {
		return AppendResult{}, sealed, err
	}
	l.mu.end = next
	if l.mu.unflushed == 0 {
		l.mu.firstUnflushed = now
	}
	l.mu.unflushed += records
	res := AppendResult{BaseOffset: first, LastOffset: next - 1, LogEndOffset: next, AppendTime: now, Rolled: sealed != nil}
	return res, sealed, nil
}

// writeActive appends to the active segment; on a failed write it cuts the
// file back so no partial batch stays visible, or fails the log. mu held.
func (l *Log) writeActive(active *segment, buf []byte, metas []batchMeta, now time.Time) error {
	if active.size == 0 {
		active.rollAt = l.rollTime(now)
	}
	before := active.size
	if err := active.append(buf, metas, l.cfg.IndexIntervalBytes); err != nil {
		if terr := active.file.Truncate(before); terr != nil {
			return l.fail(err)
		}
		return fmt.Errorf("append: %w", err)
	}
	return nil
}

// rollTime is when a segment first written at now rolls by segment.ms.
func (l *Log) rollTime(now time.Time) time.Time {
	ms := l.cfg.SegmentMs
	if l.cfg.SegmentJitterMs > 0 {
		ms -= rand.Int64N(min(l.cfg.SegmentJitterMs, ms))
	}
	return now.Add(time.Duration(ms) * time.Millisecond)
}

// shouldRoll applies the roll rules to an append of n bytes ending at
// offset last; mu held. An empty segment never rolls.
func (l *Log) shouldRoll(n int, last int64, now time.Time) bool {
	a := l.mu.segs[len(l.mu.segs)-1]
	if a.size == 0 {
		return false
	}
	return a.size+int64(n) > l.cfg.SegmentBytes ||
		!now.Before(a.rollAt) ||
		a.offsets.bytes()+offsetEntrySize > l.cfg.MaxIndexBytes ||
		a.times.bytes()+timeEntrySize > l.cfg.MaxIndexBytes ||
		last-a.base > math.MaxInt32
}

// rolled is a segment a roll sealed, its seal not yet finished; done is
// closed once finishSeal is through with it.
type rolled struct {
	s    *segment
	done chan struct{}
}

// roll seals the active segment and starts a new one at the log end; mu
// held. The caller finishes the seal with finishSeal.
func (l *Log) roll() (*rolled, error) {
	old := l.mu.segs[len(l.mu.segs)-1]
	s, err := createSegment(l.dir, l.mu.end)
	if err != nil {
		return nil, err
	}
	old.seal()
	old.sealDone = make(chan struct{})
	old.acquire()
	l.cfg.Metrics.rolled()
	l.sealing.Add(1)
	l.mu.segs = append(l.mu.segs, s)
	l.mu.synced = append(l.mu.synced, false)
	l.mu.dirDirty = true
	return &rolled{s: old, done: old.sealDone}, nil
}

// finishSeal makes a sealed segment durable — its log fsynced, its index
// files written — moves the recovery point past it and tells
// Config.OnSealed. An error fails the log: after one, no append succeeds
// until the log is reopened.
//
// Append runs it on a goroutine of its own, as Kafka flushes a rolled
// segment asynchronously: the append that rolled returns once its batches
// are written, and the old segment's fsync and index files follow without
// holding up the appends after it (a producer waiting for acks=-1 still
// waits for them: SyncTo covers every segment not yet durable). Close
// waits for it (sealing).
func (l *Log) finishSeal(r *rolled) error {
	defer l.sealing.Done()
	defer r.s.release()
	defer close(r.done)
	if err := l.sealSegment(r.s); err != nil {
		return err
	}
	if l.cfg.OnSealed != nil {
		l.cfg.OnSealed()
	}
	return nil
}

// sealSegment is finishSeal's work on s.
func (l *Log) sealSegment(s *segment) error {
	// syncMu keeps Truncate, which may reopen the segment for appends,
	// from running between the check below and the index writes.
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.RLock()
	offsets, times := s.offsets.data, s.times.data
	current := s.sealed && l.indexOf(s) >= 0
	l.mu.RUnlock()
	if !current {
		return nil // truncated or deleted since it was sealed
	}
	err := s.file.Sync()
	if err == nil {
		err = (&index{data: offsets}).writeFile(segmentPath(s.dir, s.base, indexSuffix))
	}
	if err == nil {
		err = (&index{data: times}).writeFile(segmentPath(s.dir, s.base, timeIndexSuffix))
	}
	if err == nil {
		err = syncDir(l.dir)
	}
	l.mu.Lock()
	if err != nil {
		err = l.fail(fmt.Errorf("seal segment %d: %w", s.base, err))
	} else if i := l.indexOf(s); i >= 0 && s.sealed {
		l.mu.synced[i] = true
	}
	l.mu.Unlock()
	if err != nil {
		return err
	}
	// A checkpoint that cannot be written leaves the recovery point where it
	// was: the next open scans more, and the next checkpoint catches up.
	// It must not fail the append that rolled, whose batches are written.
	_ = l.saveCheckpoint()
	return nil
}

// indexOf returns the position of s in the log, or -1; mu held.
func (l *Log) indexOf(s *segment) int {
	for i, t := range l.mu.segs {
		if t == s {
			return i
		}
	}
	return -1
}

// Seal rolls the active segment when it holds data, so every appended batch
// is in a sealed, immutable segment, and waits until that segment and
// those sealed before it are durable.
func (l *Log) Seal() error {
	l.mu.Lock()
	if err := l.checkWritable(); err != nil {
		l.mu.Unlock()
		return err
	}
	var sealing []chan struct{} // seals still running in the background
	for i, s := range l.mu.segs {
		if s.sealDone != nil && !l.mu.synced[i] {
			sealing = append(sealing, s.sealDone)
		}
	}
	var sealed *rolled
	if l.mu.segs[len(l.mu.segs)-1].size > 0 {
		var err error
		if sealed, err = l.roll(); err != nil {
			err = l.fail(err)
			l.mu.Unlock()
			return err
		}
	}
	l.mu.Unlock()
	if sealed != nil {
		if err := l.finishSeal(sealed); err != nil {
			return err
		}
	}
	for _, done := range sealing {
		<-done
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.checkWritable() // a background seal failed the log
}
