package segment

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Open opens the partition log in dir, creating dir and an empty log when
// there is none, and recovers it as doc.go describes.
func Open(dir string, cfg Config) (*Log, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	bases, err := scanDir(dir)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	l := &Log{dir: dir, cfg: cfg}
	ck, haveCk := readCheckpoint(dir)
	if err := l.load(bases, ck, haveCk); err != nil {
		for _, s := range l.mu.segs {
			s.release()
		}
		return nil, fmt.Errorf("open log %s: %w", dir, err)
	}
	return l, nil
}

// load opens the segments, recovers what the checkpoint does not vouch for
// and clears the clean-shutdown flag before the log takes any write.
func (l *Log) load(bases []int64, ck checkpoint, haveCk bool) error {
	if len(bases) == 0 {
		start := max(ck.logStartOffset, 0)
		s, err := createSegment(l.dir, start)
		if err != nil {
			return err
		}
		l.mu.segs, l.mu.synced = []*segment{s}, []bool{false}
		l.mu.start, l.mu.end = start, start
		return l.finishLoad()
	}
	for _, b := range bases {
		s, err := openSegment(l.dir, b)
		if err != nil {
			return err
		}
		l.mu.segs = append(l.mu.segs, s)
		l.mu.synced = append(l.mu.synced, false)
	}
	if !(haveCk && ck.clean && l.loadClean(ck) == nil) {
		if err := l.recover(ck.recoveryPoint); err != nil {
			return err
		}
	}
	first := l.mu.segs[0]
	l.mu.start = min(max(ck.logStartOffset, first.base), l.mu.end)
	return l.finishLoad()
}

// finishLoad makes the loaded state the durable starting point: the
// checkpoint is rewritten without the clean flag and the active segment
// fsynced, so the log end is durable.
func (l *Log) finishLoad() error {
	active := l.mu.segs[len(l.mu.segs)-1]
	if err := active.file.Sync(); err != nil {
		return fmt.Errorf("sync segment: %w", err)
	}
	if err := syncDir(l.dir); err != nil {
		return err
	}
	l.durable.Store(l.mu.end)
	c := checkpoint{logStartOffset: l.mu.start, recoveryPoint: l.recoveryPoint(), logEndOffset: -1}
	return writeCheckpoint(l.dir, c)
}

// scanDir lists the base offsets of the directory's segments in order,
// removing temporary files and index files without a log.
func scanDir(dir string) ([]int64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	if err := removeTemp(dir, entries); err != nil {
		return nil, err
	}
	logs := map[int64]bool{}
	var bases []int64
	for _, e := range entries {
		if b, ok := parseSegmentName(e.Name(), logSuffix); ok {
			logs[b] = true
			bases = append(bases, b)
		}
	}
	for _, e := range entries {
		for _, suffix := range []string{indexSuffix, timeIndexSuffix} {
			if b, ok := parseSegmentName(e.Name(), suffix); ok && !logs[b] {
				if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
					return nil, fmt.Errorf("remove orphan index: %w", err)
				}
			}
		}
	}
	slices.Sort(bases)
	return bases, nil
}

// parseSegmentName parses "<20 digits><suffix>".
func parseSegmentName(name, suffix string) (int64, bool) {
	digits, ok := strings.CutSuffix(name, suffix)
	if !ok || len(digits) != 20 {
		return 0, false
	}
	b, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || b < 0 {
		return 0, false
	}
	return b, true
}
