package remote

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestChunkCacheEvictsUnderTinyCap(t *testing.T) {
	b := newCountingBucket()
	p := uploadPartition(t, b, 2, 12, 4, 4096)
	dir := filepath.Join(t.TempDir(), "cache")
	const capBytes = 6000 // about one chunk
	c := openTestCache(t, b, CacheConfig{Dir: dir, MaxBytes: capBytes, Admission: AdmitEveryFetch})
	r := openTestReader(t, c, p, PartitionReaderConfig{PrefetchChunks: -1})
	for pass := range 2 {
		for offset := int64(0); offset < p.manifest.EndOffset(); offset += 3 {
			checkRead(t, r, p, offset, 1)
		}
		if c.Bytes() > capBytes {
			t.Fatalf("pass %d: cache holds %d bytes, cap %d", pass, c.Bytes(), capBytes)
		}
	}
	if c.Stats().Evictions == 0 {
		t.Fatal("nothing evicted under a tiny cap")
	}
	var size int64
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		size += fi.Size()
	}
	if size != c.Bytes() {
		t.Fatalf("cache dir holds %d bytes in %d files, the cache counts %d", size, len(entries), c.Bytes())
	}
}

func TestChunkCacheSingleFlight(t *testing.T) {
	b := newCountingBucket()
	p := uploadPartition(t, b, 1, 12, 4, 4096)
	c := openTestCache(t, b, CacheConfig{})
	seg := p.manifest.Segments[0]
	s, err := c.OpenSegment(t.Context(), seg.Key, seg.ObjectSize)
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.sr.ReadChunk(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	before := b.gets.Load()
	release := b.hold()
	const readers = 8
	var wg sync.WaitGroup
	errs := make(chan error, readers)
	for range readers {
		wg.Go(func() {
			got, err := s.ReadChunk(t.Context(), 1)
			if err == nil && !bytes.Equal(got, want) {
				err = errors.New("wrong chunk bytes")
			}
			errs <- err
		})
	}
	waitFor(t, func() bool { return b.gets.Load() > before })
	release()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := b.gets.Load() - before; got != 1 {
		t.Fatalf("%d readers of one chunk made %d GETs, want 1", readers, got)
	}
	if st := c.Stats(); st.Misses != 1 || st.Hits != readers-1 {
		t.Fatalf("stats %+v, want 1 miss and %d hits", st, readers-1)
	}
}

func TestChunkCacheFootersBounded(t *testing.T) {
	b := newCountingBucket()
	p := uploadPartition(t, b, 3, 2, 4, 4096)
	c := openTestCache(t, b, CacheConfig{MaxFooters: 2})
	open := func(i int) {
		seg := p.manifest.Segments[i]
		if _, err := c.OpenSegment(t.Context(), seg.Key, seg.ObjectSize); err != nil {
			t.Fatal(err)
		}
	}
	for _, i := range []int{0, 1, 2} {
		open(i)
	}
	before := b.gets.Load()
	open(2) // still cached
	if b.gets.Load() != before {
		t.Fatal("a cached footer was fetched again")
	}
	open(0) // evicted by the third
	if b.gets.Load() != before+1 {
		t.Fatal("an evicted footer was not fetched again")
	}
}

func TestOpenChunkCacheCleansDir(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "stale.chunk")
	if err := os.WriteFile(stale, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	openTestCache(t, newCountingBucket(), CacheConfig{Dir: dir})
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stale file survived Open: %v", err)
	}
	if err := (CacheConfig{}).Validate(); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("config without Dir: %v, want ErrInvalidConfig", err)
	}
}

func TestChunkCacheFileDeletedUnderIt(t *testing.T) {
	b := newCountingBucket()
	p := uploadPartition(t, b, 1, 12, 4, 4096)
	dir := t.TempDir()
	c := openTestCache(t, b, CacheConfig{Dir: dir, MemoryBytes: -1, Admission: AdmitEveryFetch})
	s, want := readChunkThenRemoveFile(t, c, dir, p.manifest.Segments[0])
	got, err := s.ReadChunk(t.Context(), 0)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("ReadChunk after its file went: %d bytes, %v", len(got), err)
	}
	if st := c.Stats(); st.Misses != 2 {
		t.Fatalf("stats %+v, want the chunk fetched again", st)
	}
}
