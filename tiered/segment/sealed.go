package segment

import (
	"fmt"
	"io"
	"os"
)

// SealedInfo describes one sealed, durable segment: what a copier to
// another tier needs to know of it.
type SealedInfo struct {
	BaseOffset int64 // the offset the segment is named by
	NextOffset int64 // the offset after its last batch
	Size       int64 // bytes in the .log file
}

// SealedSegments lists the segments that are sealed and durable (below
// the recovery point: fsynced, indexes written), oldest first. The active
// segment and a sealed one still being made durable are never among them,
// nor are empty segments. A segment leaves the list when retention or
// truncation removes it; it never changes while listed.
func (l *Log) SealedSegments() []SealedInfo {
	l.mu.RLock()
	defer l.mu.RUnlock()
	var infos []SealedInfo
	for i, s := range l.mu.segs {
		if !s.sealed || !l.mu.synced[i] {
			break
		}
		if s.size > 0 {
			infos = append(infos, SealedInfo{BaseOffset: s.base, NextOffset: s.next, Size: s.size})
		}
	}
	return infos
}

// OpenSealed returns a reader of the .log bytes of the sealed, durable
// segment whose base offset is base, and their size. The reader holds the
// segment, so it stays readable even if retention deletes it, until the
// reader is closed. A base that names no such segment is an error wrapping
// os.ErrNotExist.
func (l *Log) OpenSealed(base int64) (io.ReadCloser, int64, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.mu.closed {
		return nil, 0, ErrClosed
	}
	for i, s := range l.mu.segs {
		if !s.sealed || !l.mu.synced[i] {
			break
		}
		if s.base == base {
			s.acquire()
			return &sealedReader{SectionReader: io.NewSectionReader(s.file, 0, s.size), seg: s}, s.size, nil
		}
	}
	return nil, 0, fmt.Errorf("open sealed segment %d: %w", base, os.ErrNotExist)
}

// sealedReader reads a sealed segment's file and releases the segment on
// Close.
type sealedReader struct {
	*io.SectionReader
	seg *segment
}

// Close releases the segment; later calls do nothing.
func (r *sealedReader) Close() error {
	if r.seg != nil {
		r.seg.release()
		r.seg = nil
	}
	return nil
}
