package remote

import (
	"runtime"
	"testing"
	"time"
)

// waitFor polls cond with a generous deadline.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestPrefetchSequentialScan scans a three-segment partition one batch per
// Read, letting the read-ahead settle between Reads: every chunk is
// fetched exactly once, and only the first Read misses the cache.
func TestPrefetchSequentialScan(t *testing.T) {
	before := runtime.NumGoroutine()
	b := newCountingBucket()
	p := uploadPartition(t, b, 3, 12, 4, 4096)
	c := openTestCache(t, b, CacheConfig{})
	r, err := NewPartitionReader(c, p.current, PartitionReaderConfig{PrefetchChunks: 2, PrefetchWorkers: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	for offset := int64(0); offset < p.manifest.EndOffset(); {
		offset = checkRead(t, r, p, offset, 1)
		waitFor(t, func() bool { return r.pf.pending() == 0 })
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	segs := len(p.manifest.Segments)
	if got, want := b.gets.Load(), int64(p.chunks+segs); got != want {
		t.Errorf("%d GETs, want %d: one per chunk (%d) and per footer (%d)", got, want, p.chunks, segs)
	}
	if st := c.Stats(); st.Misses != 1 || st.Prefetches != int64(p.chunks-1) {
		t.Errorf("stats %+v, want 1 miss and %d prefetches", st, p.chunks-1)
	}
	waitGoroutines(t, before)
}

// TestPrefetchStopCancels stops a prefetcher whose workers wait on the
// bucket: stop cancels their fetches and leaves no goroutines.
func TestPrefetchStopCancels(t *testing.T) {
	before := runtime.NumGoroutine()
	b := newCountingBucket()
	p := uploadPartition(t, b, 2, 12, 4, 4096)
	c := openTestCache(t, b, CacheConfig{})
	release := b.hold()
	defer release()
	pf := newPrefetcher(c, 2, 8)
	for _, s := range p.manifest.Segments {
		for i := range 4 {
			pf.schedule(s, i)
		}
	}
	waitFor(t, func() bool { return b.gets.Load() >= 1 }) // a worker waits in GetRange
	pf.stop()
	if n := pf.pending(); n == 0 {
		t.Log("all jobs ran") // queued jobs may be dropped or run cancelled: either is fine
	}
	pf.schedule(p.manifest.Segments[0], 5) // after stop: ignored
	if c.Bytes() != 0 {
		t.Fatalf("a cancelled prefetch cached %d bytes", c.Bytes())
	}
	waitGoroutines(t, before)
}
