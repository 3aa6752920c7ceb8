package segment

import (
	"fmt"
	"time"
)

// Sync makes every appended batch durable.
func (l *Log) Sync() error { return l.SyncTo(l.EndOffset()) }

// SyncTo makes every batch below offset durable. Concurrent callers share
// fsyncs: one caller at a time syncs everything appended so far, and the
// callers that waited for it return at once when that covered them (group
// commit).
func (l *Log) SyncTo(offset int64) error {
	if l.durable.Load() >= offset {
		return nil
	}
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	if l.durable.Load() >= offset {
		return nil
	}
	end, segs, dirDirty, err := l.beginSync()
	if err != nil {
		return err
	}
	start := l.cfg.Metrics.start()
	err = syncSegments(segs)
	if err == nil && dirDirty {
		err = syncDir(l.dir)
	}
	l.cfg.Metrics.syncDone(start)
	if err != nil {
		l.mu.Lock()
		err = l.fail(err)
		l.mu.Unlock()
		return err
	}
	l.durable.Store(end)
	return nil
}

// beginSync captures the log end and takes a reference on every segment
// holding data that is not yet durable.
func (l *Log) beginSync() (end int64, segs []*segment, dirDirty bool, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.checkWritable(); err != nil {
		return 0, nil, false, err
	}
	durable := l.durable.Load()
	for i, s := range l.mu.segs {
		if !l.mu.synced[i] && s.next > durable && s.size > 0 {
			s.acquire()
			segs = append(segs, s)
		}
	}
	end, dirDirty = l.mu.end, l.mu.dirDirty
	l.mu.dirDirty, l.mu.unflushed = false, 0
	return end, segs, dirDirty, nil
}

func syncSegments(segs []*segment) error {
	var err error
	for _, s := range segs {
		if err == nil {
			if serr := s.file.Sync(); serr != nil {
				err = fmt.Errorf("sync segment %d: %w", s.base, serr)
			}
		}
		s.release()
	}
	return err
}

// flushDueLocked applies the flush policy; mu held.
func (l *Log) flushDueLocked(now time.Time) bool {
	if l.mu.unflushed == 0 {
		return false
	}
	if l.mu.unflushed >= l.cfg.FlushMessages {
		return true
	}
	return now.Sub(l.mu.firstUnflushed).Milliseconds() >= l.cfg.FlushMs
}

// FlushIfDue fsyncs the log when flush.ms or flush.messages says it is
// time. The broker calls it periodically for every log.
func (l *Log) FlushIfDue() error {
	l.mu.RLock()
	due := l.flushDueLocked(l.cfg.now())
	end := l.mu.end
	l.mu.RUnlock()
	if !due {
		return nil
	}
	return l.SyncTo(end)
}
