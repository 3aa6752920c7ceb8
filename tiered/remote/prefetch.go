package remote

import (
	"context"
	"sync"
)

// prefetchJob is a run of chunks to bring into the cache: chunks first
// to last of the segment object seg (last may lie past the object's last
// chunk when the run's length was estimated).
type prefetchJob struct {
	seg         Segment
	first, last int
}

// prefetcher fetches chunks into a ChunkCache in the background with a
// fixed pool of workers, so that a sequential reader finds the chunks it
// reads next already cached. A job is a run of consecutive chunks, fetched
// with as few GETs as maxRunBytes allows (CachedSegment.PrefetchRun). Jobs that do not fit in the queue are dropped:
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

// schedule queues chunks first to last of seg, as runs of the chunks not
// queued or running already, unless the queue is full.
func (p *prefetcher) schedule(seg Segment, first, last int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mu.closed {
		return
	}
	for i := first; i <= last; {
		if _, ok := p.mu.pending[chunkID{seg.Key, i}]; ok {
			i++
			continue
		}
		j := i
		for j < last {
			if _, ok := p.mu.pending[chunkID{seg.Key, j + 1}]; ok {
				break
			}
			j++
		}
		select {
		case p.jobs <- prefetchJob{seg: seg, first: i, last: j}:
			for k := i; k <= j; k++ {
				p.mu.pending[chunkID{seg.Key, k}] = struct{}{}
			}
		default:
			return // full: the rest is dropped
		}
		i = j + 1
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

// run fetches one run of chunks. Errors are dropped: the foreground read
// that needs a chunk meets them itself and reports them.
func (p *prefetcher) run(j prefetchJob) {
	defer p.done(j)
	s, err := p.cache.OpenSegment(p.ctx, j.seg.Key, j.seg.ObjectSize)
	if err != nil {
		return
	}
	_ = s.PrefetchRun(p.ctx, j.first, j.last)
}

func (p *prefetcher) done(j prefetchJob) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k := j.first; k <= j.last; k++ {
		delete(p.mu.pending, chunkID{j.seg.Key, k})
	}
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
