package segment

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/strata-streaming/strata/tiered/batch"
)

// loadClean trusts the index files of a log that was closed cleanly,
// checking them cheaply; any doubt makes Open fall back to recovery.
func (l *Log) loadClean(ck checkpoint) error {
	segs := l.mu.segs
	l.mu.end = segs[0].base
	for i, s := range segs {
		if err := l.loadTrusted(s); err != nil {
			return err
		}
		l.mu.synced[i] = i < len(segs)-1
		l.mu.end = s.next
	}
	if l.mu.end != ck.logEndOffset {
		return fmt.Errorf("%w: log ends at %d, the checkpoint says %d", ErrCorrupt, l.mu.end, ck.logEndOffset)
	}
	l.activate(segs[len(segs)-1])
	return nil
}

// loadTrusted sets a segment's state from its index files and the batch
// headers after the last indexed one, without reading the data. The
// indexes are checked entry by entry in memory, the batch at the last
// offset entry and the one the last time entry names must be where the
// indexes say, and every batch after the last entry must frame; anything
// else is ErrCorrupt, which makes the caller rebuild the segment.
func (l *Log) loadTrusted(s *segment) error {
	fi, err := s.file.Stat()
	if err != nil {
		return fmt.Errorf("stat segment: %w", err)
	}
	if err := s.ensureIndexes(); err != nil {
		return err
	}
	s.size, s.maxTs, s.maxTsOffset = fi.Size(), -1, -1
	if err := s.checkIndexes(); err != nil {
		return err
	}
	pos, next := int64(0), s.base
	if n := s.offsets.entries(); n > 0 {
		rel, p := s.offsets.offsetEntry(n - 1)
		pos, next = int64(p), s.base+int64(rel)
	}
	if err := s.walkTail(pos, next); err != nil {
		return err
	}
	if err := s.checkTimeOffsets(); err != nil {
		return err
	}
	s.sealed = true
	return s.checkMaxTimestamp()
}

// checkIndexes checks the loaded index entries: offset entries strictly
// increasing in both fields with positions inside the log, time entries
// whose timestamps (never negative) and offsets never decrease, relative
// offsets within 31 bits.
func (s *segment) checkIndexes() error {
	prevRel, prevPos := int64(-1), int64(-1)
	for i := range s.offsets.entries() {
		r, p := s.offsets.offsetEntry(i)
		rel, pos := int64(r), int64(p)
		if rel <= prevRel || pos <= prevPos || pos >= s.size || rel > math.MaxInt32 {
			return fmt.Errorf("%w: segment %d: offset index entry %d (%d, %d) is out of order or range", ErrCorrupt, s.base, i, rel, pos)
		}
		prevRel, prevPos = rel, pos
	}
	prevTs, prevTimeRel := int64(0), uint32(0)
	for i := range s.times.entries() {
		ts, rel := s.times.timeEntry(i)
		if ts < prevTs || rel < prevTimeRel || rel > math.MaxInt32 {
			return fmt.Errorf("%w: segment %d: time index entry %d is out of order or range", ErrCorrupt, s.base, i)
		}
		prevTs, prevTimeRel = ts, rel
	}
	return nil
}

// checkTimeOffsets checks that every time entry names an offset inside the
// segment, once the tail walk has found where it ends.
func (s *segment) checkTimeOffsets() error {
	if n := s.times.entries(); n > 0 {
		if _, rel := s.times.timeEntry(n - 1); s.base+int64(rel) >= s.next {
			return fmt.Errorf("%w: segment %d: time index names offset %d past the end %d", ErrCorrupt, s.base, s.base+int64(rel), s.next)
		}
	}
	return nil
}

// walkTail reads the batch headers from the last indexed batch (at pos,
// with base offset next) to the end of the file, setting the segment's
// next offset and largest timestamp.
func (s *segment) walkTail(pos, next int64) error {
	sc := newHeaderScanner(s.file, s.size)
	defer sc.close()
	first := pos > 0
	for pos < s.size {
		h, err := sc.header(pos)
		if err != nil || h.BaseOffset < next || (first && h.BaseOffset != next) || h.LastOffset()-s.base > math.MaxInt32 {
			return fmt.Errorf("%w: segment %d does not frame at %d", ErrCorrupt, s.base, pos)
		}
		if h.MaxTimestamp > s.maxTs {
			s.maxTs, s.maxTsOffset = h.MaxTimestamp, h.BaseOffset
		}
		pos, next, first = pos+int64(h.Size()), h.NextOffset(), false
	}
	s.next = next
	return nil
}

// checkMaxTimestamp checks that the batch the last time entry names is in
// the segment and has the entry's timestamp, and takes that timestamp as
// the segment's largest when it beats what the tail walk saw.
func (s *segment) checkMaxTimestamp() error {
	ts, rel, ok := s.times.lastTime()
	if !ok {
		return nil
	}
	off := s.base + int64(rel)
	_, h, found, err := s.position(off)
	if err != nil || !found || h.BaseOffset != off || h.MaxTimestamp != ts {
		return fmt.Errorf("%w: segment %d: the time index names no batch with timestamp %d at %d", ErrCorrupt, s.base, ts, off)
	}
	if ts > s.maxTs {
		s.maxTs, s.maxTsOffset = ts, off
	}
	return nil
}

// recover trusts the segments wholly below the recovery point and scans
// the rest, rebuilding their indexes and cutting the log at the first torn
// or corrupt batch.
func (l *Log) recover(recoveryPoint int64) error {
	segs := l.mu.segs
	l.mu.end = segs[0].base
	i := 0
	for ; i < len(segs)-1 && segs[i+1].base <= recoveryPoint; i++ {
		if err := l.loadTrusted(segs[i]); err != nil {
			break // scan from here instead
		}
		l.mu.synced[i] = true
		l.mu.end = segs[i].next
	}
	for ; i < len(segs); i++ {
		s := segs[i]
		if s.base < l.mu.end {
			// It overlaps its predecessor: nothing in it can be trusted.
			return l.cutFrom(i)
		}
		torn, err := s.rebuild(l.mu.end, l.cfg.IndexIntervalBytes)
		if err != nil {
			return err
		}
		l.mu.end = s.next
		if torn || i == len(segs)-1 {
			return l.cutFrom(i + 1)
		}
		if err := l.sealRecovered(i); err != nil {
			return err
		}
	}
	return nil
}

// sealRecovered seals a scanned segment that is not the last and makes it
// durable, so the next recovery trusts it.
func (l *Log) sealRecovered(i int) error {
	s := l.mu.segs[i]
	s.seal()
	if err := s.file.Sync(); err != nil {
		return fmt.Errorf("sync segment %d: %w", s.base, err)
	}
	if err := s.writeIndexes(); err != nil {
		return fmt.Errorf("segment %d: %w", s.base, err)
	}
	l.mu.synced[i] = true
	return nil
}

// cutFrom deletes the segments from the k-th on (k >= 1) and makes the
// last one left active.
func (l *Log) cutFrom(k int) error {
	for _, s := range l.mu.segs[k:] {
		if err := s.remove(); err != nil {
			return err
		}
	}
	l.mu.segs, l.mu.synced = l.mu.segs[:k], l.mu.synced[:k]
	active := l.mu.segs[k-1]
	l.mu.synced[k-1] = false
	l.mu.end = active.next
	l.activate(active)
	return nil
}

// activate makes s the active segment: appendable, with heap indexes and a
// roll time taken from its first batch.
func (l *Log) activate(s *segment) {
	s.offsets.toHeap()
	s.times.toHeap()
	s.offsets.loaded, s.times.loaded = true, true
	s.sealed = false
	if n := s.offsets.entries(); n > 0 {
		_, p := s.offsets.offsetEntry(n - 1)
		s.sinceIndex = s.size - int64(p)
	} else {
		s.sinceIndex = s.size
	}
	now := l.cfg.now()
	first := now
	if s.size > 0 {
		sc := newHeaderScanner(s.file, s.size)
		if h, err := sc.header(0); err == nil && h.MaxTimestamp > 0 && h.MaxTimestamp < now.UnixMilli() {
			first = time.UnixMilli(h.MaxTimestamp)
		}
		sc.close()
	}
	s.rollAt = l.rollTime(first)
}

// reset empties the segment's in-memory state.
func (s *segment) reset() {
	s.offsets.unload()
	s.times.unload()
	s.offsets, s.times = newIndex(offsetEntrySize), newIndex(timeEntrySize)
	s.size, s.next, s.maxTs, s.maxTsOffset, s.sinceIndex = 0, s.base, -1, -1, 0
}

// rebuild scans the whole segment file, validating every batch and
// rebuilding the indexes. A torn or corrupt batch, or one whose offsets do
// not follow minNext, ends the segment: the file is truncated there and
// torn is true. Only I/O errors are returned.
func (s *segment) rebuild(minNext int64, indexInterval int64) (torn bool, err error) {
	fi, err := s.file.Stat()
	if err != nil {
		return false, fmt.Errorf("stat segment: %w", err)
	}
	s.reset()
	fileSize := fi.Size()
	r := bufio.NewReaderSize(io.NewSectionReader(s.file, 0, fileSize), 1<<20)
	next := max(minNext, s.base)
	var buf []byte
	for s.size < fileSize {
		b, err := readBatch(r, &buf, fileSize-s.size)
		if err != nil {
			if errors.Is(err, batch.ErrCorrupt) {
				break
			}
			return false, fmt.Errorf("scan segment %d: %w", s.base, err)
		}
		h, err := batch.Validate(b)
		if err != nil || h.BaseOffset < next || h.LastOffset()-s.base > math.MaxInt32 {
			break
		}
		s.indexBatch(h.BaseOffset, h.NextOffset(), len(b), h.MaxTimestamp, indexInterval)
		next = h.NextOffset()
	}
	if s.size == fileSize {
		return false, nil
	}
	if err := s.file.Truncate(s.size); err != nil {
		return true, fmt.Errorf("truncate segment %d: %w", s.base, err)
	}
	return true, nil
}

// readBatch reads the next batch from r into *buf; remain is what is left
// of the file, which bounds the allocation. A header that does not parse or
// a batch longer than the file is batch.ErrCorrupt.
func readBatch(r *bufio.Reader, buf *[]byte, remain int64) ([]byte, error) {
	if remain < batch.HeaderSize {
		return nil, batch.ErrShort
	}
	head, err := r.Peek(batch.HeaderSize)
	if err != nil {
		return nil, err
	}
	h, err := batch.ParseHeader(head)
	if err != nil {
		return nil, err
	}
	size := int64(h.Size())
	if size > remain {
		return nil, batch.ErrShort
	}
	if int64(cap(*buf)) < size {
		*buf = make([]byte, size)
	}
	b := (*buf)[:size]
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	return b, nil
}
