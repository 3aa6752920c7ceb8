package wire

import (
	"context"
	"sync"
)

// budget bounds the frame bytes a connection holds between reading a frame
// and answering it. The reader acquires a frame's size before allocating it
// and the writer releases it once the response is written, so memory per
// connection is bounded and a full budget stops the reader: backpressure
// that the client sees as a full TCP window, with nothing dropped.
//
// One goroutine acquires and one releases.
type budget struct {
	limit int
	freed chan struct{} // signalled, without blocking, on every release

	mu   sync.Mutex
	used int
}

func newBudget(limit int) *budget {
	return &budget{limit: limit, freed: make(chan struct{}, 1)}
}

// acquire takes n bytes, waiting for releases while the budget lacks them.
// A frame is admitted into an empty budget whatever its size, so frames
// larger than the limit make progress one at a time.
func (b *budget) acquire(ctx context.Context, n int) error {
	for {
		if b.tryAcquire(n) {
			return nil
		}
		select {
		case <-b.freed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (b *budget) tryAcquire(n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used > 0 && b.used+n > b.limit {
		return false
	}
	b.used += n
	return true
}

// release returns n bytes and wakes a waiting acquire.
func (b *budget) release(n int) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
	select {
	case b.freed <- struct{}{}:
	default:
	}
}

// inUse is the bytes currently held.
func (b *budget) inUse() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}
