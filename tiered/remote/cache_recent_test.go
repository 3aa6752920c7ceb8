package remote

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestRecentChunksBudget(t *testing.T) {
	r := newRecentChunks(10)
	a, b, c := chunkID{"k", 0}, chunkID{"k", 1}, chunkID{"other", 0}
	r.add(a, make([]byte, 4))
	r.add(b, make([]byte, 4))
	r.add(c, make([]byte, 4)) // 12 bytes: a, the oldest, goes
	if _, ok := r.get(a); ok {
		t.Fatal("the oldest chunk is still held past the budget")
	}
	if _, ok := r.get(c); !ok || r.bytes != 8 {
		t.Fatalf("newest chunk held %v, %d bytes held; want it and 8", ok, r.bytes)
	}
	r.add(chunkID{"big", 0}, make([]byte, 11))
	if _, ok := r.get(chunkID{"big", 0}); ok || r.bytes != 8 {
		t.Fatalf("a chunk over the budget was held (%d bytes held)", r.bytes)
	}
	r.forget("k")
	if _, ok := r.get(b); ok || r.bytes != 4 {
		t.Fatalf("forget left key k's chunk (%d bytes held)", r.bytes)
	}
}

// A chunk fetched last is served from memory, even when its file is gone,
// until its object is forgotten.
func TestChunkCacheServesRecentFromMemory(t *testing.T) {
	b := newCountingBucket()
	p := uploadPartition(t, b, 1, 12, 4, 4096)
	dir := t.TempDir()
	c := openTestCache(t, b, CacheConfig{Dir: dir, Admission: AdmitEveryFetch})
	seg := p.manifest.Segments[0]
	s, want := readChunkThenRemoveFile(t, c, dir, seg)
	got, err := s.ReadChunk(t.Context(), 0)
	if err != nil || !bytes.Equal(got, want) || !s.Cached(0) {
		t.Fatalf("ReadChunk from memory: %d bytes, %v, cached %v", len(got), err, s.Cached(0))
	}
	if st := c.Stats(); st.Misses != 1 || st.Hits != 1 {
		t.Fatalf("stats %+v, want one fetch and one hit", st)
	}
	c.Forget(seg.Key)
	if s.Cached(0) {
		t.Fatal("a forgotten object's chunk is still served from memory")
	}
}

// With AdmitSecondFetch, a chunk fetched once is not written to the cache
// dir; fetched again, it is, and then served from its file.
func TestChunkCacheAdmitsOnSecondFetch(t *testing.T) {
	b := newCountingBucket()
	p := uploadPartition(t, b, 1, 12, 4, 4096)
	dir := t.TempDir()
	c := openTestCache(t, b, CacheConfig{Dir: dir, MemoryBytes: -1})
	seg := p.manifest.Segments[0]
	s, err := c.OpenSegment(t.Context(), seg.Key, seg.ObjectSize)
	if err != nil {
		t.Fatal(err)
	}
	files := func() int {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		return len(entries)
	}
	want, err := s.ReadChunk(t.Context(), 0)
	if err != nil || files() != 0 || s.Cached(0) {
		t.Fatalf("first fetch: %v, %d files, cached %v; want the chunk served and not written", err, files(), s.Cached(0))
	}
	for i, wantMisses := range []int64{2, 2} {
		got, err := s.ReadChunk(t.Context(), 0)
		if err != nil || !bytes.Equal(got, want) || files() != 1 {
			t.Fatalf("read %d: %d bytes, %v, %d files; want the chunk, written once", i+2, len(got), err, files())
		}
		if st := c.Stats(); st.Misses != wantMisses {
			t.Fatalf("read %d: stats %+v, want %d fetches", i+2, st, wantMisses)
		}
	}
	if err := (CacheConfig{Dir: dir, Admission: 7}).Validate(); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("unknown admission: %v, want ErrInvalidConfig", err)
	}
}

// readChunkThenRemoveFile reads chunk 0 of seg through c, whose directory
// is dir, checks that it left one file there and removes that file. It
// returns the segment and the chunk.
func readChunkThenRemoveFile(t *testing.T, c *ChunkCache, dir string, seg Segment) (*CachedSegment, []byte) {
	t.Helper()
	s, err := c.OpenSegment(t.Context(), seg.Key, seg.ObjectSize)
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.ReadChunk(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("cache dir: %d entries, %v", len(entries), err)
	}
	if err := os.Remove(filepath.Join(dir, entries[0].Name())); err != nil {
		t.Fatal(err)
	}
	return s, want
}
