package segment

import (
	"fmt"
	"math"
)

// Read returns whole batches from the batch holding offset (or the first
// batch after it, where offsets have gaps) onward, as a range of one
// segment file: as many as fit in maxBytes, but always at least one, and
// only batches whose last offset is below maxOffset (a high watermark; pass
// math.MaxInt64 to read to the log end). A read at or past maxOffset, or at
// the log end, returns an empty range. Offsets below the log start offset
// or above the log end are ErrOffsetOutOfRange. The caller must Close the
// range.
func (l *Log) Read(offset int64, maxBytes int, maxOffset int64) (FileRange, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.mu.closed {
		return FileRange{}, ErrClosed
	}
	if offset < l.mu.start || offset > l.mu.end {
		return FileRange{}, fmt.Errorf("%w: %d is outside [%d, %d]", ErrOffsetOutOfRange, offset, l.mu.start, l.mu.end)
	}
	maxOffset = min(maxOffset, l.mu.end)
	empty := FileRange{BaseOffset: offset, NextOffset: offset}
	if offset >= maxOffset {
		return empty, nil
	}
	for i := l.segmentFor(offset); i < len(l.mu.segs); i++ {
		s := l.mu.segs[i]
		pos, hdr, found, err := s.position(offset)
		if err != nil {
			return FileRange{}, err
		}
		if !found {
			continue
		}
		end, next, err := s.extent(pos, maxBytes, maxOffset)
		if err != nil || next < 0 {
			return empty, err
		}
		s.acquire()
		return FileRange{seg: s, Pos: pos, Len: end - pos, BaseOffset: hdr.BaseOffset, NextOffset: next}, nil
	}
	return empty, nil
}

// TimeLookup is the answer to ReadByTime.
type TimeLookup struct {
	// Batch is the first batch whose max timestamp is at or after the
	// timestamp asked for; the record itself is found inside it
	// (batch.OffsetForTimestamp).
	Batch FileRange
	// Found is false when no batch has such a timestamp.
	Found bool
}

// ReadByTime finds the first batch at or after the log start offset whose
// max timestamp is at or after ts, using the time index, for ListOffsets.
// The caller must Close the returned batch.
func (l *Log) ReadByTime(ts int64) (TimeLookup, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.mu.closed {
		return TimeLookup{}, ErrClosed
	}
	for i := l.segmentFor(l.mu.start); i < len(l.mu.segs); i++ {
		s := l.mu.segs[i]
		if s.maxTs < ts {
			continue
		}
		r, found, err := l.timeSearch(s, ts)
		if err != nil || found {
			return TimeLookup{Batch: r, Found: found}, err
		}
	}
	return TimeLookup{}, nil
}

// timeSearch walks s from the time index's starting point to the first
// batch at or after the log start whose max timestamp reaches ts; mu held.
func (l *Log) timeSearch(s *segment, ts int64) (FileRange, bool, error) {
	if err := s.ensureIndexes(); err != nil {
		return FileRange{}, false, err
	}
	from := max(s.base, l.mu.start)
	entry, entryTs := int64(-1), int64(0)
	if rel, t, ok := s.times.lastBelowTime(ts); ok && s.base+int64(rel) > from {
		entry, entryTs = s.base+int64(rel), t
		from = entry
	}
	pos, hdr, found, err := s.position(from)
	if err != nil || !found {
		return FileRange{}, false, err
	}
	if entry >= 0 && (hdr.BaseOffset != entry || hdr.MaxTimestamp != entryTs) {
		// The entry does not describe the batch it names: the time index
		// was damaged from outside. Search the segment from its start.
		s.distrustIndexes()
		if pos, hdr, found, err = s.position(max(s.base, l.mu.start)); err != nil || !found {
			return FileRange{}, false, err
		}
	}
	sc := newHeaderScanner(s.file, s.size)
	defer sc.close()
	for pos < s.size {
		if hdr, err = sc.header(pos); err != nil {
			return FileRange{}, false, fmt.Errorf("%w: segment %d at %d: %w", ErrCorrupt, s.base, pos, err)
		}
		if hdr.MaxTimestamp >= ts && hdr.LastOffset() >= l.mu.start {
			s.acquire()
			r := FileRange{seg: s, Pos: pos, Len: int64(hdr.Size()), BaseOffset: hdr.BaseOffset, NextOffset: hdr.NextOffset()}
			return r, true, nil
		}
		pos += int64(hdr.Size())
	}
	return FileRange{}, false, nil
}

// NoMaxOffset reads to the log end.
const NoMaxOffset = math.MaxInt64
