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
	// An offset outside [StartOffset, EndOffset) is an error wrapping
	// ErrOffsetOutOfRange.
	Read(ctx context.Context, offset int64, maxBytes int) (batches []byte, next int64, err error)
	// StartOffset is the first offset the remote tier may serve.
	StartOffset() int64
	// EndOffset is the offset after the last batch it holds; StartOffset
	// when it holds none.
	EndOffset() int64
}

// NewRemoteReader returns the RemoteReader over a remote.PartitionReader;
// manifest returns the manifest r reads by (the function r was made with).
func NewRemoteReader(r *remote.PartitionReader, manifest func() remote.PartitionManifest) RemoteReader {
	return &partitionReader{r: r, manifest: manifest}
}

// partitionReader adapts a remote.PartitionReader to RemoteReader.
type partitionReader struct {
	r        *remote.PartitionReader
	manifest func() remote.PartitionManifest
}

func (p *partitionReader) Read(ctx context.Context, offset int64, maxBytes int) ([]byte, int64, error) {
	b, next, err := p.r.Read(ctx, offset, maxBytes)
	if errors.Is(err, remote.ErrOffsetOutOfRange) {
		return nil, offset, fmt.Errorf("%w: %w", ErrOffsetOutOfRange, err)
	}
	return b, next, err
}

func (p *partitionReader) StartOffset() int64 { return p.manifest().LogStartOffset }

func (p *partitionReader) EndOffset() int64 {
	m := p.manifest()
	return m.EndOffset()
}

// remoteStart returns the remote tier's start offset when it holds
// offsets below hotStart.
func (l *Log) remoteStart(hotStart int64) (int64, bool) {
	r := l.cfg.Remote
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
	return l.cfg.Remote != nil && offset < l.hot.StartOffset()
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
	b, next, err := l.cfg.Remote.Read(ctx, offset, maxBytes)
	if err != nil {
		return Records{}, fmt.Errorf("read remote offset %d: %w", offset, err)
	}
	b, base, next := trimBatches(b, next, maxOffset)
	if len(b) == 0 {
		return empty, nil
	}
	return Records{buf: b, BaseOffset: base, NextOffset: next}, nil
}

// trimBatches cuts b before the first batch whose last offset is at or
// above maxOffset, or that does not frame. It returns what is left, its
// first batch's base offset, and the offset to read next: next when
// nothing was cut, else the offset after the last batch kept.
func trimBatches(b []byte, next, maxOffset int64) (kept []byte, base, after int64) {
	it := batch.NewIter(b)
	end := 0
	for h, raw, ok := it.Next(); ok; h, raw, ok = it.Next() {
		if h.LastOffset() >= maxOffset {
			return b[:end], base, after
		}
		if end == 0 {
			base = h.BaseOffset
		}
		end += len(raw)
		after = h.NextOffset()
	}
	if end < len(b) {
		return b[:end], base, after
	}
	return b, base, max(next, after)
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
