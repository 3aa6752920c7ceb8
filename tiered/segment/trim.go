package segment

import (
	"fmt"
	"os"
)

// DeleteSegmentsBefore deletes every sealed segment whose batches all lie
// below offset — never the active one — and moves the log start offset up
// to the first remaining segment when it was below it. Retention calls it.
// Readers holding a range of a deleted segment keep reading it until they
// close the range. It is idempotent.
func (l *Log) DeleteSegmentsBefore(offset int64) (int, error) {
	l.mu.Lock()
	if err := l.checkWritable(); err != nil {
		l.mu.Unlock()
		return 0, err
	}
	n := 0
	for n < len(l.mu.segs)-1 && l.mu.segs[n].sealed && l.mu.segs[n].next <= offset {
		n++
	}
	removed := l.mu.segs[:n]
	l.mu.segs = append([]*segment(nil), l.mu.segs[n:]...)
	l.mu.synced = append([]bool(nil), l.mu.synced[n:]...)
	l.mu.start = max(l.mu.start, l.mu.segs[0].base)
	l.mu.Unlock()
	if n == 0 {
		return 0, nil
	}
	// The checkpoint goes first: a crash before the files are gone leaves
	// segments below the start offset, which the next deletion removes.
	err := l.saveCheckpoint()
	for _, s := range removed {
		if rerr := s.remove(); err == nil {
			err = rerr
		}
	}
	return n, err
}

// SetStartOffset moves the log start offset up to offset (DeleteRecords):
// reads below it fail from then on, and whole segments below it are
// deleted. offset must not be above the log end; a lower offset than the
// current start is a no-op.
func (l *Log) SetStartOffset(offset int64) error {
	l.mu.Lock()
	if err := l.checkWritable(); err != nil {
		l.mu.Unlock()
		return err
	}
	if offset > l.mu.end {
		l.mu.Unlock()
		return fmt.Errorf("%w: start offset %d is past the log end %d", ErrOffsetOutOfRange, offset, l.mu.end)
	}
	if offset <= l.mu.start {
		l.mu.Unlock()
		return nil
	}
	l.mu.start = offset
	l.mu.Unlock()
	if err := l.saveCheckpoint(); err != nil {
		return err
	}
	_, err := l.DeleteSegmentsBefore(offset)
	return err
}

// Truncate removes every batch that holds an offset at or above offset, so
// the log ends at or below it: the batch holding offset goes too. Followers
// call it to cut a divergent tail. Truncating at or below the log start
// offset empties the log and restarts it at offset.
func (l *Log) Truncate(offset int64) error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	if err := l.checkWritable(); err != nil {
		l.mu.Unlock()
		return err
	}
	if offset >= l.mu.end {
		l.mu.Unlock()
		return nil
	}
	var err error
	if offset <= l.mu.start {
		err = l.truncateFully(offset)
	} else {
		err = l.truncateInside(offset)
	}
	if err != nil {
		err = l.fail(err)
	}
	l.durable.Store(min(l.durable.Load(), l.mu.end))
	l.mu.Unlock()
	if err != nil {
		return err
	}
	return l.saveCheckpoint()
}

// truncateInside cuts the segment holding offset and drops the ones after
// it; mu held.
func (l *Log) truncateInside(offset int64) error {
	i := l.segmentFor(offset)
	s := l.mu.segs[i]
	pos, _, found, err := s.position(offset)
	if err != nil {
		return err
	}
	if !found {
		pos = s.size
	}
	for _, t := range l.mu.segs[i+1:] {
		if err := t.remove(); err != nil {
			return err
		}
	}
	l.mu.segs, l.mu.synced = l.mu.segs[:i+1], l.mu.synced[:i+1]
	l.mu.synced[i] = false
	// Stale index files must not outlive the cut; the segment is active
	// again and its indexes are rebuilt below.
	for _, suffix := range []string{indexSuffix, timeIndexSuffix} {
		if err := os.Remove(segmentPath(s.dir, s.base, suffix)); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("remove index: %w", err)
		}
	}
	if err := s.file.Truncate(pos); err != nil {
		return fmt.Errorf("truncate segment %d: %w", s.base, err)
	}
	if _, err := s.rebuild(s.base, l.cfg.IndexIntervalBytes); err != nil {
		return err
	}
	l.mu.end = s.next
	l.activate(s)
	return nil
}

// truncateFully deletes every segment and starts an empty one at offset;
// mu held.
func (l *Log) truncateFully(offset int64) error {
	for _, s := range l.mu.segs {
		if err := s.remove(); err != nil {
			return err
		}
	}
	l.mu.segs, l.mu.synced = nil, nil
	s, err := createSegment(l.dir, offset)
	if err != nil {
		return err
	}
	l.mu.segs, l.mu.synced = []*segment{s}, []bool{false}
	l.mu.start, l.mu.end = offset, offset
	l.mu.dirDirty = true
	return nil
}

// Restart deletes every segment and starts the log empty at offset, which
// may be above its end: a partition restored from the remote tier starts
// its local log where the remote tier ends.
func (l *Log) Restart(offset int64) error {
	if offset < 0 {
		return fmt.Errorf("%w: restart at negative offset %d", ErrOffsetOutOfRange, offset)
	}
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	if err := l.checkWritable(); err != nil {
		l.mu.Unlock()
		return err
	}
	err := l.truncateFully(offset)
	if err != nil {
		err = l.fail(err)
	}
	l.durable.Store(l.mu.end)
	l.mu.Unlock()
	if err != nil {
		return err
	}
	return l.saveCheckpoint()
}
