package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strata-streaming/strata/tiered/batch"
	"github.com/strata-streaming/strata/tiered/objstore"
)

// countingBucket counts GetRange calls, and can fail them or hold them
// until their context ends or they are let go.
type countingBucket struct {
	objstore.Bucket
	gets atomic.Int64
	mu   struct {
		sync.Mutex
		fail error         // returned by GetRange when set
		gate chan struct{} // GetRange waits for it to close when set
	}
}

func newCountingBucket() *countingBucket { return &countingBucket{Bucket: objstore.NewMem()} }

func (b *countingBucket) GetRange(ctx context.Context, key string, off, length int64) (io.ReadCloser, error) {
	b.gets.Add(1)
	b.mu.Lock()
	fail, gate := b.mu.fail, b.mu.gate
	b.mu.Unlock()
	if fail != nil {
		return nil, fail
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return b.Bucket.GetRange(ctx, key, off, length)
}

func (b *countingBucket) setFail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.mu.fail = err
}

// hold makes GetRange wait until the returned func is called.
func (b *countingBucket) hold() (release func()) {
	gate := make(chan struct{})
	b.mu.Lock()
	b.mu.gate = gate
	b.mu.Unlock()
	return func() {
		b.mu.Lock()
		b.mu.gate = nil
		b.mu.Unlock()
		close(gate)
	}
}

// testPartition is a partition uploaded to a bucket: its manifest and the
// batches it holds, in offset order.
type testPartition struct {
	manifest PartitionManifest
	batches  [][]byte
	chunks   int // chunks in all its objects
	objects  [][]byte
}

// uploadPartition puts segs segments of batchesPerSeg batches of 4
// records, in chunks of about chunkBytes, and their manifest.
func uploadPartition(tb testing.TB, b objstore.Bucket, segs, batchesPerSeg, records, chunkBytes int) *testPartition {
	tb.Helper()
	p := &testPartition{manifest: NewPartitionManifest(goldenTP)}
	base := int64(0)
	for s := range segs {
		log := genLog(tb, logSpec{batches: batchesPerSeg, records: records, baseOffset: base, seed: uint64(s)})
		obj, info, err := BuildSegment(log, base, WriterConfig{ChunkBytes: chunkBytes})
		if err != nil {
			tb.Fatal(err)
		}
		key := SegmentKey(goldenTP, base, 0, UploadID(s+1))
		put(tb, b, key, obj)
		if p.manifest, err = AddSegment(p.manifest, info.Segment(key, goldenTime)); err != nil {
			tb.Fatal(err)
		}
		p.batches = append(p.batches, splitBatches(tb, log)...)
		p.chunks += info.Chunks
		p.objects = append(p.objects, obj)
		base = info.Meta.NextOffset
	}
	return p
}

// want is what a Read of offset with maxBytes must return.
func (p *testPartition) want(offset int64, maxBytes int) ([]byte, int64) {
	var out []byte
	next := offset
	for _, b := range p.batches {
		h, err := batch.ParseHeader(b)
		if err != nil {
			panic(err)
		}
		if h.LastOffset() < offset {
			continue
		}
		if len(out) > 0 && len(out)+len(b) > maxBytes {
			break
		}
		out = append(out, b...)
		next = h.LastOffset() + 1
	}
	return out, next
}

func (p *testPartition) current() PartitionManifest { return p.manifest }

func openTestCache(tb testing.TB, b objstore.Bucket, cfg CacheConfig) *ChunkCache {
	tb.Helper()
	if cfg.Dir == "" {
		cfg.Dir = tb.TempDir()
	}
	c, err := OpenChunkCache(b, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func openTestReader(tb testing.TB, c *ChunkCache, p *testPartition, cfg PartitionReaderConfig) *PartitionReader {
	tb.Helper()
	r, err := NewPartitionReader(c, p.current, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { r.Close() })
	return r
}

// checkRead reads offset and compares with the source batches.
func checkRead(t *testing.T, r *PartitionReader, p *testPartition, offset int64, maxBytes int) int64 {
	t.Helper()
	got, next, err := readFlat(t.Context(), r, offset, maxBytes)
	if err != nil {
		t.Fatalf("Read(%d, %d): %v", offset, maxBytes, err)
	}
	want, wantNext := p.want(offset, maxBytes)
	if !bytes.Equal(got, want) || next != wantNext {
		t.Fatalf("Read(%d, %d) = %d bytes up to %d, want %d bytes up to %d", offset, maxBytes, len(got), next, len(want), wantNext)
	}
	return next
}

// waitGoroutines waits until no more goroutines run than before.
func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPartitionReaderReadsEveryOffset(t *testing.T) {
	b := newCountingBucket()
	p := uploadPartition(t, b, 3, 12, 4, 4096)
	r := openTestReader(t, openTestCache(t, b, CacheConfig{}), p, PartitionReaderConfig{})
	end := p.manifest.EndOffset()
	for _, maxBytes := range []int{1, 3000, 20000, 1 << 20} {
		for offset := int64(0); offset < end; offset++ {
			checkRead(t, r, p, offset, maxBytes)
		}
	}
	if got := b.gets.Load(); got > int64(p.chunks+3) {
		t.Errorf("%d GETs for %d chunks in 3 objects: the cache did not hold", got, p.chunks)
	}
}

func TestPartitionReaderSequentialScan(t *testing.T) {
	b := newCountingBucket()
	p := uploadPartition(t, b, 3, 12, 4, 4096)
	r := openTestReader(t, openTestCache(t, b, CacheConfig{}), p, PartitionReaderConfig{})
	var got []byte
	for offset := int64(0); offset < p.manifest.EndOffset(); {
		out, next, err := readFlat(t.Context(), r, offset, 5000)
		if err != nil {
			t.Fatal(err)
		}
		got, offset = append(got, out...), next
	}
	if want, _ := p.want(0, 1<<30); !bytes.Equal(got, want) {
		t.Fatalf("scan read %d bytes, want %d", len(got), len(want))
	}
}

func TestPartitionReaderLogStartOffset(t *testing.T) {
	b := newCountingBucket()
	p := uploadPartition(t, b, 2, 6, 4, 4096)
	p.manifest, _ = RemoveSegmentsBefore(p.manifest, 10)
	r := openTestReader(t, openTestCache(t, b, CacheConfig{}), p, PartitionReaderConfig{})
	// The batch holding the log start offset is returned whole.
	checkRead(t, r, p, 10, 1)
	if _, _, err := readFlat(t.Context(), r, 9, 1); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatalf("Read below the log start offset: %v, want ErrOffsetOutOfRange", err)
	}
}

func TestPartitionReaderErrors(t *testing.T) {
	b := newCountingBucket()
	p := uploadPartition(t, b, 2, 6, 4, 4096)
	second := p.manifest.Segments[1]
	for _, tc := range []struct {
		name   string
		break_ func()
		offset int64
		check  func(error) bool
	}{
		{"past end", func() {}, p.manifest.EndOffset(), func(err error) bool { return errors.Is(err, ErrOffsetOutOfRange) }},
		{"missing object", func() {
			if err := b.Delete(t.Context(), second.Key); err != nil {
				t.Fatal(err)
			}
		}, second.BaseOffset, func(err error) bool { return errors.Is(err, objstore.ErrNotFound) }},
		{"outage", func() { b.setFail(objstore.ErrUnavailable) }, 0, objstore.IsRetriable},
		{"corrupt chunk", func() {
			obj := bytes.Clone(p.objects[1])
			obj[10] ^= 0xff
			put(t, b, second.Key, obj)
		}, second.BaseOffset, func(err error) bool { return errors.Is(err, ErrCorrupt) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for i, obj := range p.objects {
				put(t, b, p.manifest.Segments[i].Key, obj)
			}
			b.setFail(nil)
			tc.break_()
			r := openTestReader(t, openTestCache(t, b, CacheConfig{}), p, PartitionReaderConfig{PrefetchChunks: -1})
			got, next, err := readFlat(t.Context(), r, tc.offset, 1<<20)
			if !tc.check(err) || got != nil || next != tc.offset {
				t.Fatalf("Read(%d) = %d bytes, next %d, %v", tc.offset, len(got), next, err)
			}
		})
	}
}

func TestPartitionReaderPartialBeforeError(t *testing.T) {
	b := newCountingBucket()
	p := uploadPartition(t, b, 2, 6, 4, 4096)
	second := p.manifest.Segments[1]
	if err := b.Delete(t.Context(), second.Key); err != nil {
		t.Fatal(err)
	}
	r := openTestReader(t, openTestCache(t, b, CacheConfig{}), p, PartitionReaderConfig{PrefetchChunks: -1})
	got, next, err := readFlat(t.Context(), r, 0, 1<<20)
	if err != nil || next != second.BaseOffset {
		t.Fatalf("Read(0) = next %d, %v; want the first segment's batches", next, err)
	}
	if want, _ := p.want(0, int(p.manifest.Segments[0].BatchBytes)); !bytes.Equal(got, want) {
		t.Fatalf("Read(0) = %d bytes, want %d", len(got), len(want))
	}
	if _, _, err := readFlat(t.Context(), r, next, 1<<20); !errors.Is(err, objstore.ErrNotFound) {
		t.Fatalf("Read(%d) = %v, want ErrNotFound", next, err)
	}
}

func TestPartitionReaderClosed(t *testing.T) {
	b := newCountingBucket()
	p := uploadPartition(t, b, 1, 2, 4, 4096)
	r := openTestReader(t, openTestCache(t, b, CacheConfig{}), p, PartitionReaderConfig{})
	r.Close()
	if _, _, err := readFlat(t.Context(), r, 0, 1); !errors.Is(err, ErrReaderClosed) {
		t.Fatalf("Read after Close = %v, want ErrReaderClosed", err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
}

func TestPartitionReaderConfigValidate(t *testing.T) {
	for _, cfg := range []PartitionReaderConfig{{PrefetchChunks: -2}, {PrefetchChunks: 65}, {PrefetchWorkers: -1}} {
		if err := cfg.Validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%+v.Validate() = %v, want ErrInvalidConfig", cfg, err)
		}
	}
}

// BenchmarkPartitionReplay replays a partition from the start, cold, as a
// consumer would: "raw" GETs each stored chunk of each object in turn and
// reads it, without decoding, checking or caching; "reader" reads through a
// fresh ChunkCache and a PartitionReader in 1 MiB fetches, decoding,
// checking, caching on disk and reading ahead. "mem" is objstore.NewMem;
// "latency" adds a fixed delay before every GET, as an object store's
// time to first byte. MB/s are of batch bytes for both.
func BenchmarkPartitionReplay(b *testing.B) {
	mem := objstore.NewMem()
	p := uploadPartition(b, mem, 4, 1000, 20, DefaultChunkBytes/4)
	var total int64
	for _, s := range p.manifest.Segments {
		total += s.BatchBytes
	}
	for _, bucket := range []struct {
		name string
		b    objstore.Bucket
	}{{"mem", mem}, {"latency-5ms", &latencyBucket{Bucket: mem, delay: 5 * time.Millisecond}}} {
		b.Run(bucket.name+"/raw", func(b *testing.B) {
			b.SetBytes(total)
			for b.Loop() {
				replayRaw(b, bucket.b, p)
			}
		})
		for _, depth := range []int{-1, DefaultPrefetchChunks} {
			b.Run(fmt.Sprintf("%s/reader/prefetch=%d", bucket.name, max(depth, 0)), func(b *testing.B) {
				b.SetBytes(total)
				for b.Loop() {
					replayReader(b, bucket.b, p, PartitionReaderConfig{PrefetchChunks: depth})
				}
			})
		}
	}
}

// latencyBucket delays every GetRange.
type latencyBucket struct {
	objstore.Bucket
	delay time.Duration
}

func (b *latencyBucket) GetRange(ctx context.Context, key string, off, length int64) (io.ReadCloser, error) {
	select {
	case <-time.After(b.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return b.Bucket.GetRange(ctx, key, off, length)
}

func replayRaw(b *testing.B, bucket objstore.Bucket, p *testPartition) {
	for _, s := range p.manifest.Segments {
		sr, err := OpenSegment(b.Context(), bucket, s.Key, s.ObjectSize, ReaderConfig{})
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range sr.Footer().Chunks {
			rc, err := bucket.GetRange(b.Context(), s.Key, e.Position, int64(e.StoredLength))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, rc); err != nil {
				b.Fatal(err)
			}
			rc.Close()
		}
	}
}

func replayReader(b *testing.B, bucket objstore.Bucket, p *testPartition, cfg PartitionReaderConfig) {
	c := openTestCache(b, bucket, CacheConfig{})
	r, err := NewPartitionReader(c, p.current, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	for offset := int64(0); offset < p.manifest.EndOffset(); {
		_, next, err := r.Read(b.Context(), offset, 1<<20)
		if err != nil {
			b.Fatal(err)
		}
		offset = next
	}
}

// TestPartitionReaderReturnEarly checks that a read holding batches does
// not wait for a GET: with every GET held, a read of a cached first chunk
// returns that chunk's batches alone, and a scan still reads everything
// once the GETs flow.
func TestPartitionReaderReturnEarly(t *testing.T) {
	b := newCountingBucket()
	p := uploadPartition(t, b, 3, 12, 4, 4096)
	r := openTestReader(t, openTestCache(t, b, CacheConfig{}), p, PartitionReaderConfig{ReturnEarly: true, PrefetchChunks: -1})
	first, next, err := readFlat(t.Context(), r, 0, 1)
	if err != nil || len(first) == 0 {
		t.Fatalf("first read: %d bytes, %v", len(first), err)
	}
	release := b.hold()
	out, next2, err := readFlat(t.Context(), r, 0, 1<<30)
	release()
	if err != nil {
		t.Fatal(err)
	}
	if next2 <= next-1 || len(out) == 0 {
		t.Fatalf("read with the GETs held returned %d bytes up to %d", len(out), next2)
	}
	all, _ := p.want(0, 1<<30)
	if len(out) >= len(all) {
		t.Fatalf("read with the GETs held returned everything (%d bytes): it waited for them", len(out))
	}
	var got []byte
	for offset := int64(0); offset < p.manifest.EndOffset(); {
		out, n, err := readFlat(t.Context(), r, offset, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		got, offset = append(got, out...), n
	}
	if !bytes.Equal(got, all) {
		t.Fatalf("scan read %d bytes, want %d", len(got), len(all))
	}
}

// readFlat is r.Read with the runs it returns joined.
func readFlat(ctx context.Context, r *PartitionReader, offset int64, maxBytes int) ([]byte, int64, error) {
	b, next, err := r.Read(ctx, offset, maxBytes)
	return b.AppendTo(nil), next, err
}
