package remote

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/strata-streaming/strata/tiered/batch"
	"github.com/strata-streaming/strata/tiered/objstore"
)

// Errors of PartitionReader.
var (
	// ErrOffsetOutOfRange is an offset below the manifest's log start
	// offset or at or past its end offset.
	ErrOffsetOutOfRange = errors.New("remote: offset out of range of the remote tier")
	// ErrReaderClosed is a Read after Close.
	ErrReaderClosed = errors.New("remote: partition reader closed")
)

// Defaults of PartitionReaderConfig.
const (
	DefaultPrefetchChunks  = 4
	DefaultPrefetchWorkers = 4
)

// PartitionReaderConfig configures a PartitionReader.
type PartitionReaderConfig struct {
	// PrefetchChunks is how many chunks past the one just served are
	// fetched in the background, into the next segment if needed. 0 means
	// DefaultPrefetchChunks; -1 turns read-ahead off.
	PrefetchChunks int
	// PrefetchWorkers is how many read-ahead fetches run at once (within
	// the cache's own cap on GETs). 0 means DefaultPrefetchWorkers.
	PrefetchWorkers int
	// ReturnEarly makes a read that already holds batches return them
	// rather than wait for a GET (of a chunk or a footer) that its next
	// batch needs; the read-ahead keeps fetching, so a sequential
	// consumer's next read finds the chunks cached. A read then waits for
	// at most the GETs of its first chunk: cold reads answer fast and the
	// GETs of consecutive reads overlap. Off, a read fills maxBytes.
	ReturnEarly bool
}

func (c PartitionReaderConfig) withDefaults() PartitionReaderConfig {
	if c.PrefetchChunks == 0 {
		c.PrefetchChunks = DefaultPrefetchChunks
	}
	if c.PrefetchWorkers == 0 {
		c.PrefetchWorkers = DefaultPrefetchWorkers
	}
	return c
}

// Validate checks the config after defaults are applied.
func (c PartitionReaderConfig) Validate() error {
	c = c.withDefaults()
	switch {
	case c.PrefetchChunks < -1 || c.PrefetchChunks > 64:
		return fmt.Errorf("%w: PrefetchChunks %d outside [-1, 64]", ErrInvalidConfig, c.PrefetchChunks)
	case c.PrefetchWorkers < 1 || c.PrefetchWorkers > 64:
		return fmt.Errorf("%w: PrefetchWorkers %d outside [1, 64]", ErrInvalidConfig, c.PrefetchWorkers)
	}
	return nil
}

// PartitionReader reads one partition's batches from the remote tier
// through a ChunkCache, reading ahead for sequential consumers. It is safe
// for concurrent use; Close stops the read-ahead and waits for it.
type PartitionReader struct {
	cache    *ChunkCache
	manifest func() PartitionManifest
	cfg      PartitionReaderConfig
	pf       *prefetcher // nil when read-ahead is off

	mu struct {
		sync.Mutex
		closed bool
		// last is the chunk served last: a consumer's next fetch usually
		// starts in it, and keeping it spares reading its file again.
		last servedChunk
	}
}

// servedChunk is a decoded chunk of the object at key.
type servedChunk struct {
	key   string
	index int
	raw   []byte
}

// NewPartitionReader returns a reader of the partition that manifest
// describes; manifest returns the current manifest at each Read, so a
// caller that finds an object missing refreshes it and reads again.
func NewPartitionReader(cache *ChunkCache, manifest func() PartitionManifest, cfg PartitionReaderConfig) (*PartitionReader, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r := &PartitionReader{cache: cache, manifest: manifest, cfg: cfg}
	if cfg.PrefetchChunks > 0 {
		r.pf = newPrefetcher(cache, cfg.PrefetchWorkers, 64)
	}
	return r, nil
}

// Close stops the read-ahead, cancelling its fetches, and waits for it.
func (r *PartitionReader) Close() error {
	r.mu.Lock()
	closed := r.mu.closed
	r.mu.closed = true
	r.mu.last = servedChunk{}
	r.mu.Unlock()
	if !closed && r.pf != nil {
		r.pf.stop()
	}
	return nil
}

// Read returns whole batches from the batch holding offset on: batches
// that end before offset are skipped, and batches are added, across
// chunks and segments, while they fit in maxBytes, but there is always at
// least one. next is the offset after the last batch returned. The
// batches are runs of the cached chunks, not copies (see Batches).
//
// An offset outside the manifest's [log start offset, end offset) is
// ErrOffsetOutOfRange. A segment object that is gone is
// objstore.ErrNotFound: the manifest changed, refresh it and read again.
// Outages stay objstore.IsRetriable; an object failing its checks is
// ErrCorrupt. When a later chunk fails after some batches were read, Read
// returns those batches and no error: the next Read meets the error.
func (r *PartitionReader) Read(ctx context.Context, offset int64, maxBytes int) (batches Batches, next int64, err error) {
	if r.isClosed() {
		return nil, offset, ErrReaderClosed
	}
	m := r.manifest()
	if offset < m.LogStartOffset || offset >= m.EndOffset() {
		return nil, offset, fmt.Errorf("%w: offset %d, the remote tier holds [%d, %d)",
			ErrOffsetOutOfRange, offset, m.LogStartOffset, m.EndOffset())
	}
	rd := &partitionRead{r: r, m: &m, next: offset, maxBytes: maxBytes}
	for !rd.full {
		seg, ok := SegmentFor(m, rd.next)
		if !ok || rd.wouldWait(!r.cache.HasFooter(seg.Key)) {
			break
		}
		if err := rd.readSegment(ctx, seg); err != nil {
			if len(rd.out) > 0 {
				break
			}
			return nil, offset, err
		}
		if !rd.full {
			rd.next = max(rd.next, seg.NextOffset)
		}
	}
	return rd.out, rd.next, nil
}

func (r *PartitionReader) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mu.closed
}

// firstReadAhead is how many chunks a read schedules past its first
// before that first chunk arrives.
const firstReadAhead = 1

// partitionRead is the state of one Read.
type partitionRead struct {
	r        *PartitionReader
	m        *PartitionManifest
	out      Batches
	outBytes int
	next     int64
	maxBytes int
	full     bool
}

// readSegment appends the batches of seg from rd.next on.
func (rd *partitionRead) readSegment(ctx context.Context, seg Segment) error {
	s, err := rd.r.cache.OpenSegment(ctx, seg.Key, seg.ObjectSize)
	if err != nil {
		rd.r.forgetIfGone(seg.Key, err)
		return fmt.Errorf("remote: read offset %d: %w", rd.next, err)
	}
	f := s.Footer()
	if f.Meta.BaseOffset != seg.BaseOffset || f.Meta.NextOffset != seg.NextOffset {
		rd.r.cache.Forget(seg.Key)
		return fmt.Errorf("remote: read %q: %w: footer holds offsets [%d, %d), the manifest [%d, %d)",
			seg.Key, ErrCorrupt, f.Meta.BaseOffset, f.Meta.NextOffset, seg.BaseOffset, seg.NextOffset)
	}
	i, _ := f.ChunkFor(rd.next)
	// Read ahead by what this read will need plus PrefetchChunks: the GETs
	// of a large read then run side by side rather than one after the
	// other, and a read given up by its caller (a fetch past its max wait)
	// leaves its GETs running for the next one. Before waiting for its
	// first chunk, which it fetches itself, the read schedules only the
	// next one, so that the first does not share the link with the whole
	// read-ahead: the rest is scheduled once it arrives.
	avg := max(1, int(f.Meta.BatchBytes)/len(f.Chunks))
	ahead := rd.r.cfg.PrefetchChunks + rd.maxBytes/avg
	if !s.Cached(i) {
		rd.r.readAhead(rd.m, seg, len(f.Chunks), i, min(ahead, firstReadAhead), avg)
	} else {
		rd.r.readAhead(rd.m, seg, len(f.Chunks), i, ahead, avg)
	}
	for ; i < len(f.Chunks) && !rd.full; i++ {
		if rd.wouldWait(!s.Cached(i) && !rd.r.isLast(s.Key(), i)) {
			rd.full = true
			break
		}
		raw, err := rd.r.readChunk(ctx, s, i)
		if err != nil {
			rd.r.forgetIfGone(seg.Key, err)
			return fmt.Errorf("remote: read offset %d: %w", rd.next, err)
		}
		rd.r.readAhead(rd.m, seg, len(f.Chunks), i, ahead, avg)
		rd.appendBatches(raw)
	}
	return nil
}

// wouldWait reports whether a read that already holds batches should stop
// rather than wait for a GET (fetching says whether the next step needs
// one): it returns what it has at once, the read-ahead keeps fetching,
// and the consumer's next read finds the chunks in the cache. A read
// never waits for more than the GETs of its first chunk.
func (rd *partitionRead) wouldWait(fetching bool) bool {
	return rd.r.cfg.ReturnEarly && fetching && len(rd.out) > 0
}

// isLast reports whether chunk i of key is the chunk served last.
func (r *PartitionReader) isLast(key string, i int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mu.last.raw != nil && r.mu.last.key == key && r.mu.last.index == i
}

// readChunk returns chunk i of s, from the last chunk served or the cache.
// Objects never change under a key, so the last chunk stays right.
func (r *PartitionReader) readChunk(ctx context.Context, s *CachedSegment, i int) ([]byte, error) {
	r.mu.Lock()
	last := r.mu.last
	r.mu.Unlock()
	if last.raw != nil && last.key == s.Key() && last.index == i {
		return last.raw, nil
	}
	raw, err := s.ReadChunk(ctx, i)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.mu.last = servedChunk{key: s.Key(), index: i, raw: raw}
	r.mu.Unlock()
	return raw, nil
}

// appendBatches adds the run of raw's batches that end at or after
// rd.next and fit, as a slice of raw.
func (rd *partitionRead) appendBatches(raw []byte) {
	start, end := -1, -1
	it := batch.NewIter(raw)
	for h, b, ok := it.Next(); ok; h, b, ok = it.Next() {
		if h.LastOffset() < rd.next {
			continue
		}
		pos := it.Pos() - len(b)
		if start < 0 {
			start = pos
		}
		first := rd.outBytes == 0 && pos == start // a read returns at least one batch
		if !first && rd.outBytes+it.Pos()-start > rd.maxBytes {
			rd.full = true
			break
		}
		end = it.Pos()
		rd.next = h.LastOffset() + 1
	}
	if end > start {
		rd.out = append(rd.out, raw[start:end:end])
		rd.outBytes += end - start
	}
}

// forgetIfGone drops what the cache holds of an object that is missing or
// fails its checks, so a later read looks again.
func (r *PartitionReader) forgetIfGone(key string, err error) {
	if errors.Is(err, objstore.ErrNotFound) || errors.Is(err, ErrCorrupt) {
		r.cache.Forget(key)
	}
}

// readAhead schedules the ahead chunks after chunk i of seg (of n
// chunks), continuing into the manifest's next segments, whose chunk
// counts it estimates from avgChunk, the average raw bytes of seg's
// chunks (a chunk index past a segment's end is skipped by the worker).
func (r *PartitionReader) readAhead(m *PartitionManifest, seg Segment, n, i, ahead, avgChunk int) {
	if r.pf == nil {
		return
	}
	for k := i + 1; ahead > 0; {
		for k >= n {
			next, ok := SegmentFor(*m, seg.NextOffset)
			if !ok {
				return
			}
			seg, k, n = next, 0, int(max(1, (next.BatchBytes+int64(avgChunk)-1)/int64(max(avgChunk, 1))))
		}
		last := min(n-1, k+ahead-1)
		r.pf.schedule(seg, k, last)
		ahead -= last - k + 1
		k = last + 1
	}
}
