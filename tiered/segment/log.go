package segment

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Log is the hot tier of one partition: a directory of segments, appended
// at the end, read at any offset, sealed, truncated and trimmed. It is safe
// for concurrent use.
type Log struct {
	dir string
	cfg Config

	// syncMu serialises fsync rounds, seals and structural rewrites (truncation,
	// close); it is taken before mu.
	syncMu sync.Mutex
	// durable is the offset below which every batch is fsynced.
	durable atomic.Int64
	// sealing counts seals in progress outside the locks; Close waits.
	sealing sync.WaitGroup
	// ckMu serialises checkpoint writes; it is taken before mu.
	ckMu sync.Mutex

	mu struct {
		sync.RWMutex
		segs           []*segment // oldest first; the last is active
		start          int64      // log start offset
		end            int64      // log end offset: the next offset to assign
		synced         []bool     // parallel to segs: sealed, fsynced, indexes written
		unflushed      int64      // records appended since the last fsync
		firstUnflushed time.Time  // time of the oldest unsynced append
		dirDirty       bool       // files were created since the last fsync of dir
		closed         bool
		failed         error
	}
}

// Info describes one segment, for retention and the admin tools.
type Info struct {
	BaseOffset   int64     // the offset the segment is named by
	NextOffset   int64     // the offset after its last batch
	Size         int64     // bytes in the .log file
	MaxTimestamp int64     // largest batch max timestamp, -1 when none
	ModTime      time.Time // last write, for segments with no timestamp
	Sealed       bool      // immutable: every segment but the last
}

// Dir is the partition directory.
func (l *Log) Dir() string { return l.dir }

// StartOffset is the log start offset: the first offset readers may see.
func (l *Log) StartOffset() int64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.mu.start
}

// EndOffset is the log end offset: the offset the next append gets.
func (l *Log) EndOffset() int64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.mu.end
}

// DurableOffset is the offset below which every batch is fsynced.
func (l *Log) DurableOffset() int64 { return l.durable.Load() }

// Size is the total size of the log's segment files.
func (l *Log) Size() int64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	var n int64
	for _, s := range l.mu.segs {
		n += s.size
	}
	return n
}

// MaxTimestamp returns the largest batch max timestamp in the log and the
// base offset of the batch that holds it; -1, -1 for an empty log.
func (l *Log) MaxTimestamp() (ts, offset int64) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	ts, offset = -1, -1
	for _, s := range l.mu.segs {
		if s.maxTs > ts && s.maxTsOffset >= l.mu.start {
			ts, offset = s.maxTs, s.maxTsOffset
		}
	}
	return ts, offset
}

// Segments describes every segment, oldest first.
func (l *Log) Segments() []Info {
	l.mu.RLock()
	defer l.mu.RUnlock()
	infos := make([]Info, len(l.mu.segs))
	for i, s := range l.mu.segs {
		infos[i] = Info{BaseOffset: s.base, NextOffset: s.next, Size: s.size,
			MaxTimestamp: s.maxTs, Sealed: s.sealed}
		if s.maxTs < 0 {
			if fi, err := s.file.Stat(); err == nil {
				infos[i].ModTime = fi.ModTime()
			}
		}
	}
	return infos
}

// checkWritable reports why the log cannot be written; mu held.
func (l *Log) checkWritable() error {
	if l.mu.closed {
		return ErrClosed
	}
	if l.mu.failed != nil {
		return fmt.Errorf("%w: %w", ErrFailed, l.mu.failed)
	}
	return nil
}

// fail records an I/O error that left the log in an unknown state; mu held.
func (l *Log) fail(err error) error {
	if l.mu.failed == nil {
		l.mu.failed = err
	}
	return fmt.Errorf("%w: %w", ErrFailed, err)
}

// segmentFor returns the index of the segment whose range holds offset:
// the last one whose base is at or below it. mu held.
func (l *Log) segmentFor(offset int64) int {
	segs := l.mu.segs
	i := sort.Search(len(segs), func(i int) bool { return segs[i].base > offset })
	return max(i-1, 0)
}

// recoveryPoint is the base of the first segment not yet sealed and synced;
// everything below it survives a crash without a scan. mu held.
func (l *Log) recoveryPoint() int64 {
	for i, s := range l.mu.segs {
		if !l.mu.synced[i] {
			return s.base
		}
	}
	return l.mu.end
}

// saveCheckpoint writes the current log start offset and recovery point.
func (l *Log) saveCheckpoint() error {
	l.ckMu.Lock()
	defer l.ckMu.Unlock()
	l.mu.RLock()
	c := checkpoint{logStartOffset: l.mu.start, recoveryPoint: l.recoveryPoint(), logEndOffset: -1}
	closed := l.mu.closed
	l.mu.RUnlock()
	if closed {
		return nil // Close writes the last checkpoint
	}
	return writeCheckpoint(l.dir, c)
}

// Close seals nothing but makes everything durable: it fsyncs every
// segment, writes the active segment's indexes and a checkpoint with the
// clean-shutdown flag, so the next Open skips recovery. Reads and appends
// fail with ErrClosed afterwards. Readers holding a FileRange keep its file
// open until they close it.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.mu.closed {
		l.mu.Unlock()
		return nil
	}
	l.mu.closed = true
	l.mu.Unlock()
	l.sealing.Wait()

	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.ckMu.Lock()
	defer l.ckMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.closeClean()
	for _, s := range l.mu.segs {
		s.release()
	}
	return err
}

// closeClean makes every segment durable and writes the clean checkpoint,
// unless the log has failed. mu held.
func (l *Log) closeClean() error {
	if l.mu.failed != nil {
		return nil
	}
	var errs []error
	for i, s := range l.mu.segs {
		if l.mu.synced[i] {
			continue
		}
		if err := s.file.Sync(); err != nil {
			errs = append(errs, fmt.Errorf("sync segment %d: %w", s.base, err))
		}
		if err := s.writeIndexes(); err != nil {
			errs = append(errs, fmt.Errorf("segment %d: %w", s.base, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	c := checkpoint{clean: true, logStartOffset: l.mu.start, recoveryPoint: l.mu.end, logEndOffset: l.mu.end}
	return writeCheckpoint(l.dir, c)
}

// removeTemp deletes leftovers of interrupted writes.
func removeTemp(dir string, entries []os.DirEntry) error {
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("remove temp file: %w", err)
			}
		}
	}
	return nil
}
