package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/strata-streaming/strata/tiered/objstore"
)

// testKey is where tests put segment objects.
var testKey = SegmentKey(goldenTP, 0, 1, 1)

// spyBucket records GetRange calls and can fail them.
type spyBucket struct {
	objstore.Bucket
	mu struct {
		sync.Mutex
		ranges [][2]int64
		fail   error // returned by GetRange when set
	}
}

func newSpyBucket() *spyBucket { return &spyBucket{Bucket: objstore.NewMem()} }

func (b *spyBucket) GetRange(ctx context.Context, key string, off, length int64) (io.ReadCloser, error) {
	b.mu.Lock()
	b.mu.ranges = append(b.mu.ranges, [2]int64{off, length})
	fail := b.mu.fail
	b.mu.Unlock()
	if fail != nil {
		return nil, fail
	}
	return b.Bucket.GetRange(ctx, key, off, length)
}

func (b *spyBucket) setFail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.mu.fail = err
}

// takeRanges returns and forgets the ranges read so far.
func (b *spyBucket) takeRanges() [][2]int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.mu.ranges
	b.mu.ranges = nil
	return r
}

func put(tb testing.TB, b objstore.Bucket, key string, obj []byte) {
	tb.Helper()
	if err := b.Put(tb.Context(), key, bytes.NewReader(obj), int64(len(obj))); err != nil {
		tb.Fatal(err)
	}
}

// openObject puts obj into a new bucket and opens it.
func openObject(tb testing.TB, obj []byte, cfg ReaderConfig) *SegmentReader {
	tb.Helper()
	b := objstore.NewMem()
	put(tb, b, testKey, obj)
	r, err := OpenSegment(tb.Context(), b, testKey, int64(len(obj)), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// readAll returns the batches of every chunk of src, concatenated.
func readAll(tb testing.TB, src ChunkSource) []byte {
	tb.Helper()
	var out []byte
	for i := range src.Footer().Chunks {
		raw, err := src.ReadChunk(tb.Context(), i)
		if err != nil {
			tb.Fatalf("chunk %d: %v", i, err)
		}
		out = append(out, raw...)
	}
	return out
}

// TestOpenSegmentGets checks the number of GETs OpenSegment makes: one
// when the tail holds the footer, two when it does not.
func TestOpenSegmentGets(t *testing.T) {
	obj, _ := goldenObject(t)
	tr, _ := ParseTrailer(obj)
	for _, tc := range []struct {
		tail int
		gets [][2]int64
	}{
		{0, [][2]int64{{0, int64(len(obj))}}}, // the default tail holds the whole object
		{int(tr.FooterLength) + TrailerSize, [][2]int64{{int64(len(obj)) - int64(tr.FooterLength) - TrailerSize, int64(tr.FooterLength) + TrailerSize}}},
		{TrailerSize, [][2]int64{{int64(len(obj)) - TrailerSize, TrailerSize}, {int64(len(obj)) - TrailerSize - int64(tr.FooterLength), int64(tr.FooterLength)}}},
		{100, [][2]int64{{int64(len(obj)) - 100, 100}, {int64(len(obj)) - TrailerSize - int64(tr.FooterLength), int64(tr.FooterLength) + TrailerSize - 100}}},
	} {
		b := newSpyBucket()
		put(t, b, testKey, obj)
		r, err := OpenSegment(t.Context(), b, testKey, int64(len(obj)), ReaderConfig{TailBytes: tc.tail})
		if err != nil {
			t.Fatalf("tail %d: %v", tc.tail, err)
		}
		if got := b.takeRanges(); fmt.Sprint(got) != fmt.Sprint(tc.gets) {
			t.Fatalf("tail %d: GETs %v, want %v", tc.tail, got, tc.gets)
		}
		if !bytes.Equal(readAll(t, r), goldenBatches()) {
			t.Fatalf("tail %d: batches differ", tc.tail)
		}
		if got := b.takeRanges(); len(got) != len(r.Footer().Chunks) {
			t.Fatalf("tail %d: %d GETs to read %d chunks", tc.tail, len(got), len(r.Footer().Chunks))
		}
	}
}

func TestOpenSegmentUnknownSize(t *testing.T) {
	obj, _ := goldenObject(t)
	b := objstore.NewMem()
	put(t, b, testKey, obj)
	r, err := OpenSegment(t.Context(), b, testKey, -1, ReaderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Size() != int64(len(obj)) || r.Key() != testKey {
		t.Fatalf("size %d key %q", r.Size(), r.Key())
	}
}

// TestBucketErrorsKeepTheirClass checks that a missing object and an
// unavailable store are reported as such, not as corruption.
func TestBucketErrorsKeepTheirClass(t *testing.T) {
	obj, _ := goldenObject(t)
	b := newSpyBucket()
	if _, err := OpenSegment(t.Context(), b, testKey, int64(len(obj)), ReaderConfig{}); !errors.Is(err, objstore.ErrNotFound) || errors.Is(err, ErrCorrupt) {
		t.Fatalf("missing object: %v", err)
	}
	if _, err := OpenSegment(t.Context(), b, testKey, -1, ReaderConfig{}); !errors.Is(err, objstore.ErrNotFound) {
		t.Fatalf("missing object, size unknown: %v", err)
	}
	put(t, b, testKey, obj)
	r, err := OpenSegment(t.Context(), b, testKey, int64(len(obj)), ReaderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	unavailable := fmt.Errorf("get: %w", objstore.ErrUnavailable)
	b.setFail(unavailable)
	if _, err := r.ReadChunk(t.Context(), 0); !objstore.IsRetriable(err) || errors.Is(err, ErrCorrupt) {
		t.Fatalf("ReadChunk with the store down: %v", err)
	}
	if _, err := OpenSegment(t.Context(), b, testKey, int64(len(obj)), ReaderConfig{}); !objstore.IsRetriable(err) {
		t.Fatalf("OpenSegment with the store down: %v", err)
	}
	b.setFail(nil)
	if _, err := r.ReadChunk(t.Context(), 2); err == nil {
		t.Fatal("ReadChunk past the last chunk succeeded")
	}
}

// TestReaderChunkLimit checks that a chunk over MaxChunkBytes is refused
// before it is fetched.
func TestReaderChunkLimit(t *testing.T) {
	obj, _ := goldenObject(t)
	b := newSpyBucket()
	put(t, b, testKey, obj)
	r, err := OpenSegment(t.Context(), b, testKey, int64(len(obj)), ReaderConfig{MaxChunkBytes: 100})
	if err != nil {
		t.Fatal(err)
	}
	b.takeRanges()
	if _, err := r.ReadChunk(t.Context(), 0); !errors.Is(err, ErrChunkTooLarge) {
		t.Fatalf("ReadChunk over the limit: %v", err)
	}
	if got := b.takeRanges(); len(got) != 0 {
		t.Fatalf("fetched %v for a chunk over the limit", got)
	}
}

// TestConcurrentReadChunk reads the chunks of one reader from several
// goroutines at once.
func TestConcurrentReadChunk(t *testing.T) {
	log := genLog(t, logSpec{batches: 60, records: 5, seed: 9})
	obj, _ := build(t, log, -1, WriterConfig{ChunkBytes: 2 << 10})
	r := openObject(t, obj, ReaderConfig{})
	chunks := len(r.Footer().Chunks)
	errs := make(chan error, 4*chunks)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range chunks {
				i = (i + w*chunks/4) % chunks
				raw, err := r.ReadChunk(t.Context(), i)
				e := r.Footer().Chunks[i]
				if err == nil && len(raw) != e.RawLength {
					err = fmt.Errorf("chunk %d: %d bytes, want %d", i, len(raw), e.RawLength)
				}
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
