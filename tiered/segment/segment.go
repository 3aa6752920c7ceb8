package segment

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/strata-streaming/strata/tiered/batch"
)

// File name suffixes of a segment.
const (
	logSuffix       = ".log"
	indexSuffix     = ".index"
	timeIndexSuffix = ".timeindex"
)

func segmentPath(dir string, base int64, suffix string) string {
	return filepath.Join(dir, fmt.Sprintf("%020d%s", base, suffix))
}

// segment is one .log file with its two indexes. Its fields are guarded by
// the owning Log's mu, except refs, which is atomic, and the file itself,
// whose bytes below size never change while the segment is in the log.
type segment struct {
	dir  string
	base int64
	file *os.File

	size        int64 // bytes of whole batches in the file
	next        int64 // offset after the last batch; base when empty
	maxTs       int64 // largest batch max timestamp; -1 when empty
	maxTsOffset int64 // base offset of the batch holding maxTs
	sinceIndex  int64 // log bytes written since the last index entry
	rollAt      time.Time
	sealed      bool
	// sealDone is closed once a seal that a roll started has finished,
	// whatever its outcome; nil for segments not sealed by a roll.
	sealDone chan struct{}

	idxMu    sync.Mutex // guards loading the indexes under a shared log lock
	distrust sync.Once  // the index files were found wrong and removed
	offsets  index
	times    index

	// refs counts the log's own reference plus one per reader or syncer
	// holding the file; the file closes when it drops to zero.
	refs      atomic.Int32
	closeOnce sync.Once
}

func newSegment(dir string, base int64, f *os.File) *segment {
	s := &segment{
		dir: dir, base: base, file: f, next: base, maxTs: -1, maxTsOffset: -1,
		offsets: newIndex(offsetEntrySize), times: newIndex(timeEntrySize),
	}
	s.refs.Store(1)
	return s
}

// createSegment creates the files of a new, empty segment.
func createSegment(dir string, base int64) (*segment, error) {
	f, err := os.OpenFile(segmentPath(dir, base, logSuffix), os.O_CREATE|os.O_TRUNC|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create segment: %w", err)
	}
	return newSegment(dir, base, f), nil
}

// openSegment opens an existing segment's log file; the caller loads or
// rebuilds its indexes.
func openSegment(dir string, base int64) (*segment, error) {
	f, err := os.OpenFile(segmentPath(dir, base, logSuffix), os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open segment: %w", err)
	}
	s := newSegment(dir, base, f)
	s.offsets.loaded, s.times.loaded = false, false
	return s, nil
}

func (s *segment) acquire() { s.refs.Add(1) }

func (s *segment) release() {
	if s.refs.Add(-1) == 0 {
		s.closeOnce.Do(func() {
			s.offsets.unload()
			s.times.unload()
			_ = s.file.Close()
		})
	}
}

// append writes whole batches at the end of the file and indexes them.
// metas describe the batches of buf in order.
func (s *segment) append(buf []byte, metas []batchMeta, indexInterval int64) error {
	if _, err := s.file.WriteAt(buf, s.size); err != nil {
		return fmt.Errorf("write segment: %w", err)
	}
	for i := range metas {
		m := &metas[i]
		s.indexBatch(m.base, m.next, m.size, m.maxTs, indexInterval)
	}
	return nil
}

// indexBatch accounts for a batch written at the end of the segment: it
// adds index entries when index.interval.bytes have passed since the last
// ones and tracks the segment's size, next offset and largest timestamp.
func (s *segment) indexBatch(base, next int64, size int, maxTs int64, indexInterval int64) {
	if s.sinceIndex >= indexInterval {
		s.offsets.appendOffset(uint32(base-s.base), uint32(s.size))
		s.sinceIndex = 0
		if ts, _, ok := s.times.lastTime(); (!ok || s.maxTs > ts) && s.maxTs >= 0 {
			s.times.appendTime(s.maxTs, uint32(s.maxTsOffset-s.base))
		}
	}
	if maxTs > s.maxTs {
		s.maxTs, s.maxTsOffset = maxTs, base
	}
	s.size += int64(size)
	s.sinceIndex += int64(size)
	s.next = next
}

// seal makes the segment immutable: the time index gets a last entry with
// the segment's largest timestamp and both indexes are trimmed.
func (s *segment) seal() {
	if ts, _, ok := s.times.lastTime(); (!ok || s.maxTs > ts) && s.maxTs >= 0 {
		s.times.appendTime(s.maxTs, uint32(s.maxTsOffset-s.base))
	}
	s.offsets.trim()
	s.times.trim()
	s.sealed = true
}

// writeIndexes writes both index files and fsyncs them.
func (s *segment) writeIndexes() error {
	if err := s.offsets.writeFile(segmentPath(s.dir, s.base, indexSuffix)); err != nil {
		return err
	}
	return s.times.writeFile(segmentPath(s.dir, s.base, timeIndexSuffix))
}

// ensureIndexes maps a sealed segment's index files on first use. Readers
// call it under the log's read lock, so idxMu orders the first load.
func (s *segment) ensureIndexes() error {
	s.idxMu.Lock()
	defer s.idxMu.Unlock()
	if !s.offsets.loaded {
		if err := s.offsets.load(segmentPath(s.dir, s.base, indexSuffix)); err != nil {
			return err
		}
	}
	if !s.times.loaded {
		if err := s.times.load(segmentPath(s.dir, s.base, timeIndexSuffix)); err != nil {
			return err
		}
	}
	return nil
}

// remove unlinks the segment's files and drops the log's reference; open
// readers keep the file until they release it.
func (s *segment) remove() error {
	var errs []error
	for _, suffix := range []string{logSuffix, indexSuffix, timeIndexSuffix} {
		if err := os.Remove(segmentPath(s.dir, s.base, suffix)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	s.release()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove segment: %w", err)
	}
	return nil
}

// headerScanner reads batch headers from a segment file through a window
// buffer, so walking many small batches costs few reads.
type headerScanner struct {
	f      *os.File
	limit  int64 // bytes of the file that may be read
	buf    []byte
	bufPos int64
	n      int
}

var scanBufPool = sync.Pool{New: func() any { b := make([]byte, 16<<10); return &b }}

func newHeaderScanner(f *os.File, limit int64) *headerScanner {
	bp := scanBufPool.Get().(*[]byte)
	return &headerScanner{f: f, limit: limit, buf: *bp, bufPos: -1}
}

func (h *headerScanner) close() {
	b := h.buf
	h.buf = nil
	scanBufPool.Put(&b)
}

// header parses the batch header at pos. io.ErrUnexpectedEOF means the
// header or the batch it declares runs past the limit.
func (h *headerScanner) header(pos int64) (batch.Header, error) {
	if pos+batch.HeaderSize > h.limit {
		return batch.Header{}, io.ErrUnexpectedEOF
	}
	if h.bufPos < 0 || pos < h.bufPos || pos+batch.HeaderSize > h.bufPos+int64(h.n) {
		n, err := h.f.ReadAt(h.buf[:min(int64(len(h.buf)), h.limit-pos)], pos)
		if n < batch.HeaderSize {
			h.bufPos = -1
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return batch.Header{}, fmt.Errorf("read batch header: %w", err)
		}
		h.bufPos, h.n = pos, n
	}
	hdr, err := batch.ParseHeader(h.buf[pos-h.bufPos:])
	if err != nil {
		return hdr, err
	}
	if pos+int64(hdr.Size()) > h.limit {
		return hdr, io.ErrUnexpectedEOF
	}
	return hdr, nil
}

// position finds the batch holding offset, or the first batch after it:
// its file position and header. found is false when every batch of the
// segment ends before offset. An index entry that does not point at the
// batch it names — index files damaged from outside — is not trusted: the
// walk starts over from the segment's start, and the index files are
// removed so the next open rebuilds them.
func (s *segment) position(offset int64) (pos int64, hdr batch.Header, found bool, err error) {
	if err := s.ensureIndexes(); err != nil {
		return 0, hdr, false, err
	}
	entry := int64(-1) // base offset of the indexed batch at pos
	if offset > s.base {
		if rel, p, ok := s.offsets.floorOffset(uint32(min(offset-s.base, 1<<32-1))); ok {
			pos, entry = int64(p), s.base+int64(rel)
		}
	}
	sc := newHeaderScanner(s.file, s.size)
	defer sc.close()
	for pos < s.size || entry >= 0 {
		hdr, err = sc.header(pos)
		if entry >= 0 && (err != nil || hdr.BaseOffset != entry) {
			s.distrustIndexes()
			pos, entry = 0, -1
			continue
		}
		entry = -1
		if err != nil {
			return 0, hdr, false, fmt.Errorf("%w: segment %d at %d: %w", ErrCorrupt, s.base, pos, err)
		}
		if hdr.LastOffset() >= offset {
			return pos, hdr, true, nil
		}
		pos += int64(hdr.Size())
	}
	return pos, hdr, false, nil
}

// distrustIndexes removes a sealed segment's index files after a lookup
// found them wrong; reads walk the log from there on, and the next open
// rebuilds the files. Readers hold the log's read lock: the mapping stays
// valid, only the names go.
func (s *segment) distrustIndexes() {
	s.distrust.Do(func() {
		for _, suffix := range []string{indexSuffix, timeIndexSuffix} {
			_ = os.Remove(segmentPath(s.dir, s.base, suffix))
		}
	})
}

// extent returns where a read that starts at the batch at pos ends: after
// the last whole batch that keeps the read within maxBytes (but always after
// the first batch) and whose last offset is below maxOffset. next is the
// offset that follows the read; it is -1 when not even the first batch may
// be returned.
func (s *segment) extent(pos int64, maxBytes int, maxOffset int64) (end, next int64, err error) {
	limit := pos + int64(maxBytes)
	end, next = pos, -1
	walk := pos
	// Jump over whole batches with the index: every batch before an entry
	// ends at or before its position, with offsets below its base.
	sc := newHeaderScanner(s.file, s.size)
	defer sc.close()
	if rel, p, ok := s.offsets.floorPositionEntry(uint32(min(limit, 1<<32-1))); ok &&
		int64(p) > pos && s.base+int64(rel) <= maxOffset {
		if h, err := sc.header(int64(p)); err == nil && h.BaseOffset == s.base+int64(rel) {
			end, next, walk = int64(p), s.base+int64(rel), int64(p)
		} else {
			s.distrustIndexes()
		}
	}
	for walk < s.size {
		hdr, err := sc.header(walk)
		if err != nil {
			return 0, 0, fmt.Errorf("%w: segment %d at %d: %w", ErrCorrupt, s.base, walk, err)
		}
		batchEnd := walk + int64(hdr.Size())
		if hdr.LastOffset() >= maxOffset || (batchEnd > limit && walk > pos) {
			break
		}
		end, next, walk = batchEnd, hdr.NextOffset(), batchEnd
		if walk >= limit {
			break
		}
	}
	return end, next, nil
}
