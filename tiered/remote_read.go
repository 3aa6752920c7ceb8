package tiered

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/strata-streaming/strata/tiered/batch"
	"github.com/strata-streaming/strata/tiered/remote"
)

// RemoteReader is a partition's remote tier as the log reads it. It is
// safe for concurrent use.
type RemoteReader interface {
	// Read returns whole batches from the one holding offset on, as many
	// as fit in maxBytes but at least one, and the offset to read next.
	// The batches are read-only (see remote.Batches).
	// An offset outside [StartOffset, EndOffset) is an error wrapping
	// ErrOffsetOutOfRange.
	Read(ctx context.Context, offset int64, maxBytes int) (batches remote.Batches, next int64, err error)
	// StartOffset is the first offset the remote tier may serve.
	StartOffset() int64
	// EndOffset is the offset after the last batch it holds; StartOffset
	// when it holds none.
	EndOffset() int64
	// MaxTimestamp is the largest batch max timestamp it holds at or
	// above StartOffset, -1 when it holds none.
	MaxTimestamp() int64
	// TimeSearchStart is where a search for the first record at or after
	// ts starts: the first offset of the first remote segment holding a
	// batch whose max timestamp is at least ts; ok is false when none does.
	TimeSearchStart(ts int64) (offset int64, ok bool)
	// SetStartOffset raises the remote tier's start offset to offset,
	// durably, and deletes what lies wholly below it.
	SetStartOffset(ctx context.Context, offset int64) error
}

// NewRemoteReader returns the RemoteReader over a partition's remote.Tier.
func NewRemoteReader(t *remote.Tier) RemoteReader { return tierReader{t} }

// tierReader adapts a remote.Tier to RemoteReader.
type tierReader struct{ t *remote.Tier }

func (r tierReader) Read(ctx context.Context, offset int64, maxBytes int) (remote.Batches, int64, error) {
	b, next, err := r.t.Read(ctx, offset, maxBytes)
	if errors.Is(err, remote.ErrOffsetOutOfRange) {
		return nil, offset, fmt.Errorf("%w: %w", ErrOffsetOutOfRange, err)
	}
	return b, next, err
}

func (r tierReader) StartOffset() int64 { return r.t.Manifest().LogStartOffset }

func (r tierReader) EndOffset() int64 {
	m := r.t.Manifest()
	return m.EndOffset()
}

func (r tierReader) MaxTimestamp() int64 {
	m := r.t.Manifest()
	ts := int64(-1)
	for _, s := range m.Segments {
		if s.NextOffset > m.LogStartOffset {
			ts = max(ts, s.MaxTimestamp)
		}
	}
	return ts
}

func (r tierReader) TimeSearchStart(ts int64) (int64, bool) {
	m := r.t.Manifest()
	s, ok := remote.SegmentForTime(m, ts)
	return max(s.BaseOffset, m.LogStartOffset), ok
}

func (r tierReader) SetStartOffset(ctx context.Context, offset int64) error {
	_, err := r.t.DeleteBefore(ctx, offset)
	return err
}

// SetRemote attaches the partition's remote tier (nil detaches it):
// offsets below the hot tier's start are read from it from now on.
func (l *Log) SetRemote(r RemoteReader) {
	if r == nil {
		l.remote.Store(nil)
		return
	}
	l.remote.Store(&r)
}

// Remote returns the attached remote tier, or nil.
func (l *Log) Remote() RemoteReader {
	if r := l.remote.Load(); r != nil {
		return *r
	}
	return nil
}

// remoteStart returns the remote tier's start offset when it holds
// offsets below hotStart.
func (l *Log) remoteStart(hotStart int64) (int64, bool) {
	r := l.Remote()
	if r == nil {
		return 0, false
	}
	start, end := r.StartOffset(), r.EndOffset()
	return start, start < end && start < hotStart
}

// raiseFloor raises the start offset set with SetStartOffset to offset.
func (l *Log) raiseFloor(offset int64) {
	for {
		floor := l.floor.Load()
		if offset <= floor || l.floor.CompareAndSwap(floor, offset) {
			return
		}
	}
}

// lowerFloor lowers the start offset set with SetStartOffset to start,
// after a truncation restarted the log there.
func (l *Log) lowerFloor(start int64) {
	for {
		floor := l.floor.Load()
		if floor <= start || l.floor.CompareAndSwap(floor, start) {
			return
		}
	}
}

// belowHot reports whether offset is for the remote tier to serve.
func (l *Log) belowHot(offset int64) bool {
	return l.Remote() != nil && offset < l.hot.StartOffset()
}

// readRemote is Read of an offset below the hot tier.
func (l *Log) readRemote(ctx context.Context, offset int64, maxBytes int, maxOffset int64) (Records, error) {
	if start := l.StartOffset(); offset < start {
		return Records{}, fmt.Errorf("%w: %d is below the log start offset %d", ErrOffsetOutOfRange, offset, start)
	}
	empty := Records{BaseOffset: offset, NextOffset: offset}
	if offset >= maxOffset {
		return empty, nil
	}
	b, next, err := l.Remote().Read(ctx, offset, maxBytes)
	if err != nil {
		return Records{}, fmt.Errorf("read remote offset %d: %w", offset, err)
	}
	b, base, next := trimBatches(b, next, maxOffset)
	if len(b) == 0 {
		return empty, nil
	}
	return Records{remote: b, BaseOffset: base, NextOffset: next}, nil
}

// trimBatches cuts b before the first batch whose last offset is at or
// above maxOffset, or that does not frame. It returns what is left, its
// first batch's base offset, and the offset to read next: next when
// nothing was cut, else the offset after the last batch kept.
func trimBatches(b remote.Batches, next, maxOffset int64) (kept remote.Batches, base, after int64) {
	first := true
	for i, run := range b {
		it := batch.NewIter(run)
		for h, _, ok := it.Next(); ok; h, _, ok = it.Next() {
			if h.LastOffset() >= maxOffset {
				return keepRuns(b, i, it.Pos()-h.Size()), base, after
			}
			if first {
				base, first = h.BaseOffset, false
			}
			after = h.NextOffset()
		}
		if it.Pos() < len(run) {
			return keepRuns(b, i, it.Pos()), base, after
		}
	}
	return b, base, max(next, after)
}

// keepRuns is b's runs before run i, and the first n bytes of run i.
func keepRuns(b remote.Batches, i, n int) remote.Batches {
	if n == 0 {
		return b[:i:i]
	}
	kept := append(remote.Batches(nil), b[:i]...)
	return append(kept, b[i][:n:n])
}

// SealedSource returns the hot tier as the remote tier's uploader sees
// it. leaderEpoch reports the partition's leader epoch and whether this
// node leads it.
func (l *Log) SealedSource(leaderEpoch func() (int32, bool)) remote.SealedSource {
	return &sealedSource{l: l, leaderEpoch: leaderEpoch}
}

// sealedSource adapts the hot tier to remote.SealedSource.
type sealedSource struct {
	l           *Log
	leaderEpoch func() (int32, bool)
}

func (s *sealedSource) SealedSegments() []remote.SealedSegment {
	infos := s.l.hot.SealedSegments()
	out := make([]remote.SealedSegment, len(infos))
	for i, in := range infos {
		out[i] = remote.SealedSegment{BaseOffset: in.BaseOffset, NextOffset: in.NextOffset, Size: in.Size}
	}
	return out
}

func (s *sealedSource) Open(base int64) (io.ReadCloser, int64, error) {
	return s.l.hot.OpenSealed(base)
}

func (s *sealedSource) LeaderEpoch() (int32, bool) { return s.leaderEpoch() }

// timeScanBytes is how much of the remote tier one step of a timestamp
// search reads.
const timeScanBytes = 1 << 20

// remoteByTime finds the first record at or after ts in the remote tier,
// scanning batch headers from the first segment that may hold it up to
// the hot tier's start.
func (l *Log) remoteByTime(ctx context.Context, r RemoteReader, ts int64) (OffsetLookup, error) {
	offset, ok := r.TimeSearchStart(ts)
	if !ok {
		return OffsetLookup{}, nil
	}
	offset = max(offset, l.StartOffset())
	for offset < min(r.EndOffset(), l.hot.StartOffset()) {
		b, next, err := r.Read(ctx, offset, timeScanBytes)
		if err != nil {
			return OffsetLookup{}, fmt.Errorf("find timestamp %d in the remote tier: %w", ts, err)
		}
		for _, run := range b {
			it := batch.NewIter(run)
			for h, raw, ok := it.Next(); ok; h, raw, ok = it.Next() {
				if h.LastOffset() >= offset && h.MaxTimestamp >= ts {
					return l.recordAtTime(raw, ts)
				}
			}
		}
		if next <= offset {
			break
		}
		offset = next
	}
	return OffsetLookup{}, nil
}
