package replication

import (
	"context"
	"fmt"
)

// Special timestamps of ListOffsets.
const (
	LatestTimestamp        = -1 // the high watermark (or last stable offset)
	EarliestTimestamp      = -2 // the log start offset
	MaxTimestamp           = -3 // the record with the largest timestamp
	EarliestLocalTimestamp = -4 // the local log start offset
	LatestTieredTimestamp  = -5 // the last offset in remote storage
)

// Answers and arguments meaning "none" or "the high watermark".
const (
	noTimestamp           = -1
	noOffset              = -1
	deleteToHighWatermark = -1
)

// ListOffset answers ListOffsets for one partition: the offset, its
// timestamp (-1 for the special lookups) and the leader epoch that wrote
// it. timestamp is one of the special values above or a time in ms, which
// finds the first record at or after it. Lookups that find nothing, or
// only records at or past the high watermark (or last stable offset, for
// ReadCommitted), answer offset -1, timestamp -1, epoch -1.
func (p *Partition) ListOffset(ctx context.Context, timestamp int64, isolation int8) (offset, ts int64, leaderEpoch int32, err error) {
	if err := ctx.Err(); err != nil {
		return noOffset, noTimestamp, undefinedEpoch, err
	}
	bound := p.HighWatermark()
	if isolation == ReadCommitted {
		bound = p.LastStableOffset()
	}
	l := p.Log()
	switch timestamp {
	case LatestTimestamp:
		return bound, noTimestamp, p.LeaderEpoch(), nil
	case EarliestTimestamp:
		start := l.StartOffset()
		return start, noTimestamp, p.epochForOffset(start), nil
	case EarliestLocalTimestamp:
		start := l.LocalStartOffset()
		return start, noTimestamp, p.epochForOffset(start), nil
	case LatestTieredTimestamp:
		// The last offset uploaded, -1 when none is (KIP-1005).
		end := l.TieredEndOffset()
		if end < 0 {
			return noOffset, noTimestamp, undefinedEpoch, nil
		}
		return end - 1, noTimestamp, p.epochForOffset(end - 1), nil
	case MaxTimestamp:
		found, err := l.MaxTimestamp(ctx)
		return p.lookupResult(found.Found, found.Offset, found.Timestamp, bound, err)
	}
	found, err := l.ReadByTime(ctx, timestamp)
	return p.lookupResult(found.Found, found.Offset, found.Timestamp, bound, err)
}

// lookupResult hides what a lookup found at or past bound.
func (p *Partition) lookupResult(found bool, offset, ts, bound int64, err error) (int64, int64, int32, error) {
	if err != nil {
		return noOffset, noTimestamp, undefinedEpoch, fmt.Errorf("list offsets %s: %w", dirName(p.topic, p.index), err)
	}
	if !found || offset >= bound {
		return noOffset, noTimestamp, undefinedEpoch, nil
	}
	return offset, ts, p.epochForOffset(offset), nil
}

// epochForOffset is the leader epoch that wrote offset, -1 when unknown.
func (p *Partition) epochForOffset(offset int64) int32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mu.epochs.epochForOffset(offset)
}

// EndOffsetForEpoch answers OffsetForLeaderEpoch: the largest known leader
// epoch at or below epoch and the offset where it ended — the start of the
// next epoch, or the log end offset for the current one. An unknown newer
// epoch answers -1, -1; an epoch older than every known one answers
// itself and the start of the oldest known epoch, as Kafka does.
func (p *Partition) EndOffsetForEpoch(epoch int32) (leaderEpoch int32, endOffset int64, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mu.closed {
		return undefinedEpoch, undefinedEpochOffset, p.errClosed()
	}
	leaderEpoch, endOffset = p.mu.epochs.endOffsetFor(epoch, p.Log().EndOffset())
	return leaderEpoch, endOffset, nil
}

// DeleteRecords moves the log start offset up to offset (DeleteRecords):
// -1 means the high watermark; an offset above the high watermark, or
// negative, is ErrOffsetOutOfRange. It returns the new log start offset,
// the low watermark.
func (p *Partition) DeleteRecords(ctx context.Context, offset int64) (lowWatermark int64, err error) {
	if err := ctx.Err(); err != nil {
		return noOffset, err
	}
	if p.isClosed() {
		return noOffset, p.errClosed()
	}
	hw := p.HighWatermark()
	if offset == deleteToHighWatermark {
		offset = hw
	}
	if offset < 0 || offset > hw {
		return noOffset, fmt.Errorf("%w: delete records to %d, high watermark is %d", ErrOffsetOutOfRange, offset, hw)
	}
	l := p.Log()
	if err := l.SetStartOffset(ctx, offset); err != nil {
		return noOffset, fmt.Errorf("delete records %s: %w", dirName(p.topic, p.index), err)
	}
	start := l.StartOffset()
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.mu.closed && p.mu.epochs.truncateFromStart(start) {
		if err := saveEpochs(p.dir, &p.mu.epochs); err != nil {
			p.env.log.Warn("replication: leader epoch checkpoint not saved", "dir", p.dir, "err", err)
		}
	}
	return start, nil
}

// expireProducers drops the state of idempotent producers that have not
// written for expirationMs, as of now (ms), and returns how many it
// dropped.
func (p *Partition) expireProducers(now, expirationMs int64) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mu.closed {
		return 0
	}
	return p.mu.producers.expire(now - expirationMs)
}

// RestartAt starts the partition's empty log at offset: a partition
// restored from its remote tier continues where the remote tier ends. A
// log that holds records, or already ends at or past offset, is left as
// it is (ErrLogNotEmpty for the first).
func (p *Partition) RestartAt(offset int64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mu.closed {
		return p.errClosed()
	}
	l := p.Log()
	switch {
	case offset <= l.EndOffset():
		return nil
	case l.LocalStartOffset() < l.EndOffset():
		return fmt.Errorf("%w: %s holds offsets %d to %d", ErrLogNotEmpty, dirName(p.topic, p.index), l.LocalStartOffset(), l.EndOffset())
	}
	if err := l.Restart(offset); err != nil {
		return fmt.Errorf("restart %s at %d: %w", dirName(p.topic, p.index), offset, err)
	}
	p.advanceLocked()
	return nil
}
