package remote

import (
	"context"
	"fmt"
)

// maxRunBytes caps the stored bytes one read-ahead GET fetches. Read-ahead
// fetches a run of consecutive chunks with one ranged GET: a store spends
// a fixed cost on every request beyond its cost per byte (MinIO about
// 1.7 ms of CPU), so four 4 MiB chunks in one GET cost it less than four
// GETs, and on a small machine the store's CPU is the replay's.
const maxRunBytes = 16 << 20

// claimedChunk is a chunk a run fetch leads: its readers wait on call.
type claimedChunk struct {
	index int
	call  *chunkCall
}

// PrefetchRun brings chunks first to last (those the object has) into the
// cache: each stretch of consecutive chunks that are neither cached nor on
// their way is fetched with one ranged GET of at most maxRunBytes. It
// returns the first error; every chunk it claimed is completed, fetched or
// failed, either way.
func (s *CachedSegment) PrefetchRun(ctx context.Context, first, last int) error {
	chunks := s.sr.Footer().Chunks
	last = min(last, len(chunks)-1)
	var run []claimedChunk
	var runBytes int
	var firstErr error
	flush := func() {
		if len(run) == 0 {
			return
		}
		if err := s.cache.fetchRun(ctx, s.sr, run); err != nil && firstErr == nil {
			firstErr = err
		}
		run, runBytes = nil, 0
	}
	for i := max(first, 0); i <= last; i++ {
		call, leader := s.cache.claim(chunkID{s.sr.Key(), i})
		if !leader {
			flush()
			continue
		}
		if len(run) > 0 && runBytes+chunks[i].StoredLength > maxRunBytes {
			flush()
		}
		run = append(run, claimedChunk{index: i, call: call})
		runBytes += chunks[i].StoredLength
	}
	flush()
	return firstErr
}

// claim makes the caller the fetcher of id unless it is cached or on its
// way; leader says whether it is.
func (c *ChunkCache) claim(id chunkID) (call *chunkCall, leader bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.mu.recent.get(id); ok {
		return nil, false
	}
	if _, ok := c.mu.chunks[id]; ok {
		return nil, false
	}
	if _, ok := c.mu.inflight[id]; ok {
		return nil, false
	}
	call = &chunkCall{done: make(chan struct{})}
	c.mu.inflight[id] = call
	c.prefetches.Add(1)
	return call, true
}

// fetchRun GETs the consecutive chunks of run with one request, decodes
// each and completes its call; a failed GET fails them all.
func (c *ChunkCache) fetchRun(ctx context.Context, sr *SegmentReader, run []claimedChunk) error {
	stored, err := c.fetchStored(ctx, sr, run[0].index, run[len(run)-1].index)
	for k, cl := range run {
		var raw []byte
		cerr := err
		if cerr == nil {
			raw, cerr = DecodeChunk(stored[k], sr.Footer().Chunks[cl.index], nil, c.cfg.Reader.MaxChunkBytes)
			if cerr != nil {
				cerr = fmt.Errorf("read %q chunk %d: %w", sr.Key(), cl.index, cerr)
			}
		}
		c.complete(chunkID{sr.Key(), cl.index}, cl.call, raw, cerr)
		if err == nil && cerr != nil {
			err = cerr
		}
	}
	return err
}

// fetchStored is one GET of chunks first to last as stored, within the
// cache's cap on GETs in flight.
func (c *ChunkCache) fetchStored(ctx context.Context, sr *SegmentReader, first, last int) ([][]byte, error) {
	if err := c.acquire(ctx); err != nil {
		return nil, err
	}
	defer c.release()
	return sr.FetchChunks(ctx, first, last)
}
