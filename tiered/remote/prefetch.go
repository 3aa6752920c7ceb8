package remote

import (
	"context"
	"sync"
)

// prefetchJob is one chunk to bring into the cache: chunk index of the
// segment object seg.
type prefetchJob struct {
	seg   Segment
	index int
}

// prefetcher fetches chunks into a ChunkCache in the background with a
// fixed pool of workers, so that a sequential reader finds the chunks it
// reads next already cached. Jobs that do not fit in the queue are dropped:
// a read-ahead is a hint, and a reader that outruns it fetches for itself.
type prefetcher struct {
	cache  *ChunkCache
	jobs   chan prefetchJob
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu struct {
		sync.Mutex
		pending map[chunkID]struct{} // queued or running
		closed  bool
	}
}

// newPrefetcher starts workers goroutines that take up to queue jobs;
// stop ends them.
func newPrefetcher(cache *ChunkCache, workers, queue int) *prefetcher {
	p := &prefetcher{cache: cache, jobs: make(chan prefetchJob, queue)}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.mu.pending = make(map[chunkID]struct{})
	p.wg.Add(workers)
	for range workers {
		go p.work()
	}
	return p
}

// schedule queues chunk index of seg unless it is queued, running or the
// queue is full.
func (p *prefetcher) schedule(seg Segment, index int) {
	id := chunkID{seg.Key, index}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mu.closed {
		return
	}
	if _, ok := p.mu.pending[id]; ok {
		return
	}
	select {
	case p.jobs <- prefetchJob{seg: seg, index: index}:
		p.mu.pending[id] = struct{}{}
	default:
	}
}

func (p *prefetcher) work() {
	defer p.wg.Done()
	for {
		select {
		case <-p.ctx.Done():
			return
		case j := <-p.jobs:
			p.run(j)
		}
	}
}

// run fetches one chunk. Errors are dropped: the foreground read that
// needs the chunk meets them itself and reports them.
func (p *prefetcher) run(j prefetchJob) {
	defer p.done(chunkID{j.seg.Key, j.index})
	s, err := p.cache.OpenSegment(p.ctx, j.seg.Key, j.seg.ObjectSize)
	if err != nil || j.index >= len(s.Footer().Chunks) || s.Cached(j.index) {
		return
	}
	_ = s.Prefetch(p.ctx, j.index)
}

func (p *prefetcher) done(id chunkID) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.mu.pending, id)
}

// pending is the number of jobs queued or running.
func (p *prefetcher) pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.mu.pending)
}

// stop cancels the fetches in flight, drops the queue and waits for the
// workers to return.
func (p *prefetcher) stop() {
	p.mu.Lock()
	p.mu.closed = true
	p.mu.Unlock()
	p.cancel()
	p.wg.Wait()
}
