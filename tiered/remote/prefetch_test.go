package remote

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/strata-streaming/strata/tiered/objstore"
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
	if got, most := b.gets.Load(), int64(p.chunks+segs); got > most {
		t.Errorf("%d GETs, want at most %d: one per footer (%d) and at most one per chunk (%d)", got, most, segs, p.chunks)
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
		pf.schedule(s, 0, 3)
	}
	waitFor(t, func() bool { return b.gets.Load() >= 1 }) // a worker waits in GetRange
	pf.stop()
	if n := pf.pending(); n == 0 {
		t.Log("all jobs ran") // queued jobs may be dropped or run cancelled: either is fine
	}
	pf.schedule(p.manifest.Segments[0], 5, 5) // after stop: ignored
	if c.Bytes() != 0 {
		t.Fatalf("a cancelled prefetch cached %d bytes", c.Bytes())
	}
	waitGoroutines(t, before)
}

// PrefetchRun fetches a stretch of chunks with one GET, skips the chunks
// cached already, and completes every chunk it claimed when the GET fails.
func TestPrefetchRunCoalesces(t *testing.T) {
	b := newCountingBucket()
	p := uploadPartition(t, b, 1, 12, 4, 1024)
	c := openTestCache(t, b, CacheConfig{})
	seg := p.manifest.Segments[0]
	s, err := c.OpenSegment(t.Context(), seg.Key, seg.ObjectSize)
	if err != nil {
		t.Fatal(err)
	}
	n := len(s.Footer().Chunks)
	if n < 4 {
		t.Fatalf("%d chunks, want at least 4", n)
	}
	if _, err := s.ReadChunk(t.Context(), 1); err != nil { // cached: splits the run
		t.Fatal(err)
	}
	gets := b.gets.Load()
	if err := s.PrefetchRun(t.Context(), 0, n+5); err != nil {
		t.Fatal(err)
	}
	if got := b.gets.Load() - gets; got != 2 {
		t.Fatalf("%d GETs for chunks 0 and 2-%d around cached chunk 1, want 2", got, n-1)
	}
	for i := range n {
		if !s.Cached(i) {
			t.Fatalf("chunk %d not cached after the run", i)
		}
	}
	for i := range n {
		got, err := s.ReadChunk(t.Context(), i)
		want, rerr := s.sr.ReadChunk(t.Context(), i)
		if err != nil || rerr != nil || !bytes.Equal(got, want) {
			t.Fatalf("chunk %d from the run differs from one GET of it (%v, %v)", i, err, rerr)
		}
	}

	c.Forget(seg.Key)
	s, err = c.OpenSegment(t.Context(), seg.Key, seg.ObjectSize)
	if err != nil {
		t.Fatal(err)
	}
	b.setFail(objstore.ErrUnavailable)
	if err := s.PrefetchRun(t.Context(), 0, n-1); !errors.Is(err, objstore.ErrUnavailable) {
		t.Fatalf("PrefetchRun with the store down = %v, want ErrUnavailable", err)
	}
	b.setFail(nil)
	if _, err := s.ReadChunk(t.Context(), 0); err != nil { // nothing left waiting on the failed run
		t.Fatalf("ReadChunk after the failed run: %v", err)
	}
}
