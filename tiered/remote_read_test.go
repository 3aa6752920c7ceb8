package tiered

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/strata-streaming/strata/tiered/batch"
	"github.com/strata-streaming/strata/tiered/batch/batchtest"
	"github.com/strata-streaming/strata/tiered/objstore"
	"github.com/strata-streaming/strata/tiered/remote"
)

// tieredLog is a log whose remote tier lives in an in-memory bucket.
type tieredLog struct {
	*Log
	uploader *remote.Tier
}

func openTiered(t *testing.T) *tieredLog {
	t.Helper()
	bucket := objstore.NewMem()
	tp := remote.TopicPartition{Topic: "events", TopicID: remote.TopicID{1}, Partition: 3}
	cache, err := remote.OpenChunkCache(bucket, remote.CacheConfig{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Segment.SegmentBytes = 8192
	l, err := Open(t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	leader := func() (int32, bool) { return 0, true }
	tier, err := remote.OpenTier(bucket, cache, tp, l.SealedSource(leader), remote.TierConfig{
		Uploader: remote.UploaderConfig{SpoolDir: t.TempDir(), Writer: remote.WriterConfig{ChunkBytes: 4096}},
		Reader:   remote.PartitionReaderConfig{PrefetchChunks: -1},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tier.Close() })
	if err := tier.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	l.SetRemote(NewRemoteReader(tier))
	return &tieredLog{Log: l, uploader: tier}
}

// appendBatches appends n batches of 1 to 9 records.
func (l *tieredLog) appendBatches(t *testing.T, n int) {
	t.Helper()
	codecs := []batch.Codec{batch.CodecNone, batch.CodecLZ4, batch.CodecZstd}
	for i := range n {
		b := batchtest.Values(1+i%9, 120, batchtest.Options{Codec: codecs[i%len(codecs)], BaseTimestamp: int64(1000 * i)})
		if _, err := l.Append(b, AppendOptions{LeaderEpoch: 0}); err != nil {
			t.Fatal(err)
		}
	}
}

// uploadAll seals the log, uploads every sealed segment and deletes the
// local copies; it returns the hot tier's new start offset.
func (l *tieredLog) uploadAll(t *testing.T) int64 {
	t.Helper()
	if err := l.Seal(); err != nil {
		t.Fatal(err)
	}
	for {
		ok, err := l.uploader.UploadNext(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
	}
	end := l.EndOffset()
	if _, err := l.DeleteSegmentsBefore(end); err != nil {
		t.Fatal(err)
	}
	return l.hot.StartOffset()
}

// readBatches reads the whole log through Read, one call per batch.
func readBatches(t *testing.T, l *Log, from int64) [][]byte {
	t.Helper()
	var out [][]byte
	for off := from; off < l.EndOffset(); {
		r := mustRead(t, l, off, 1, NoMaxOffset)
		b, _ := r.AppendTo(nil)
		if r.BaseOffset != off || r.NextOffset <= off {
			t.Fatalf("Read(%d) = [%d, %d)", off, r.BaseOffset, r.NextOffset)
		}
		out = append(out, b)
		off = r.NextOffset
	}
	return out
}

func mustRead(t *testing.T, l *Log, offset int64, maxBytes int, maxOffset int64) Records {
	t.Helper()
	r, err := l.Read(t.Context(), offset, maxBytes, maxOffset)
	if err != nil {
		t.Fatalf("Read(%d, %d, %d): %v", offset, maxBytes, maxOffset, err)
	}
	t.Cleanup(r.Close)
	return r
}

func TestReadAcrossTiers(t *testing.T) {
	l := newSpanningLog(t)
	want := l.want
	var all []byte
	for _, b := range want {
		all = append(all, b...)
	}
	// Every offset reads the batch holding it, whichever tier holds it.
	for i, b := range want {
		h, _ := batch.ParseHeader(b)
		for off := h.BaseOffset; off <= h.LastOffset(); off++ {
			r := mustRead(t, l.Log, off, 1, NoMaxOffset)
			got, err := r.AppendTo(nil)
			if err != nil || !bytes.Equal(got, b) || r.BaseOffset != h.BaseOffset || r.NextOffset != h.NextOffset() {
				t.Fatalf("Read(%d): batch %d differs: [%d, %d), %v", off, i, r.BaseOffset, r.NextOffset, err)
			}
		}
	}
	// A consumer fetching in large steps gets the log as appended.
	var got bytes.Buffer
	for off := int64(0); off < l.EndOffset(); {
		r := mustRead(t, l.Log, off, 3000, NoMaxOffset)
		if _, err := r.WriteTo(&got); err != nil || r.Empty() {
			t.Fatalf("fetch at %d: %d bytes, %v", off, r.Len(), err)
		}
		off = r.NextOffset
	}
	if !bytes.Equal(got.Bytes(), all) {
		t.Fatalf("fetched %d bytes, %d in the log", got.Len(), len(all))
	}
}

// spanningLog is a log with its older half remote and its newer half
// local, and its batches as the hot tier held them.
type spanningLog struct {
	*tieredLog
	want     [][]byte
	hotStart int64
}

func newSpanningLog(t *testing.T) *spanningLog {
	t.Helper()
	l := openTiered(t)
	l.appendBatches(t, 60)
	want := readBatches(t, l.Log, 0)
	hotStart := l.uploadAll(t)
	if hotStart == 0 || l.StartOffset() != 0 || len(l.Segments()) != 1 {
		t.Fatalf("after upload: hot start %d, start %d, %d local segments", hotStart, l.StartOffset(), len(l.Segments()))
	}
	l.appendBatches(t, 20)
	want = append(want, readBatches(t, l.Log, hotStart)...)
	return &spanningLog{tieredLog: l, want: want, hotStart: hotStart}
}

func TestReadRemoteTrimsAtMaxOffset(t *testing.T) {
	l := newSpanningLog(t)
	var lasts []int64
	for _, b := range l.want {
		h, _ := batch.ParseHeader(b)
		lasts = append(lasts, h.LastOffset())
	}
	for _, k := range []int{0, 1, 7, 20} {
		maxOffset := lasts[k] // batch k holds maxOffset: it is left out
		r := mustRead(t, l.Log, 0, 1<<20, maxOffset)
		got, _ := r.AppendTo(nil)
		want := bytes.Join(l.want[:k], nil)
		if !bytes.Equal(got, want) || (k > 0 && r.NextOffset != lasts[k-1]+1) {
			t.Fatalf("maxOffset %d: %d bytes up to %d, want %d bytes", maxOffset, len(got), r.NextOffset, len(want))
		}
		if k == 0 && (!r.Empty() || r.NextOffset != 0) {
			t.Fatalf("maxOffset %d: %+v, want empty", maxOffset, r)
		}
	}
	if r := mustRead(t, l.Log, 5, 1<<20, 5); !r.Empty() || r.BaseOffset != 5 || r.NextOffset != 5 {
		t.Fatalf("read at maxOffset: %+v", r)
	}
}

func TestReadBelowRemoteStart(t *testing.T) {
	ctx := context.Background()
	l := newSpanningLog(t)
	first, _ := batch.ParseHeader(l.want[0])
	second, _ := batch.ParseHeader(l.want[1])
	if _, err := l.uploader.DeleteBefore(ctx, second.BaseOffset); err != nil {
		t.Fatal(err)
	}
	if l.StartOffset() != second.BaseOffset {
		t.Fatalf("start %d after remote retention to %d", l.StartOffset(), second.BaseOffset)
	}
	if _, err := l.Read(ctx, first.BaseOffset, 1<<20, NoMaxOffset); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatalf("Read below the remote start = %v, want ErrOffsetOutOfRange", err)
	}
	r := mustRead(t, l.Log, second.BaseOffset, 1, NoMaxOffset)
	if got, _ := r.AppendTo(nil); !bytes.Equal(got, l.want[1]) {
		t.Fatalf("Read at the remote start returned %d bytes", len(got))
	}
	// DeleteRecords inside the remote tier's range raises the start too.
	if err := l.SetStartOffset(ctx, l.hotStart-1); err != nil {
		t.Fatal(err)
	}
	if l.StartOffset() != l.hotStart-1 {
		t.Fatalf("start %d after SetStartOffset(%d)", l.StartOffset(), l.hotStart-1)
	}
	if got := l.uploader.Manifest().LogStartOffset; got != l.hotStart-1 {
		t.Fatalf("remote manifest start %d after SetStartOffset(%d): not durable", got, l.hotStart-1)
	}
	if _, err := l.Read(ctx, second.BaseOffset, 1, NoMaxOffset); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatalf("Read below the start set = %v, want ErrOffsetOutOfRange", err)
	}
}

func TestTrimBatches(t *testing.T) {
	a := batchtest.Values(3, 10, batchtest.Options{BaseOffset: 10})
	b := batchtest.Values(3, 10, batchtest.Options{BaseOffset: 20})
	both := append(append([]byte(nil), a...), b...)
	for _, tc := range []struct {
		next, maxOffset int64
		kept            []byte
		base, after     int64
	}{
		{30, NoMaxOffset, both, 10, 30}, // the reader's next, past a gap, stays
		{23, 23, both, 10, 23},
		{23, 22, a, 10, 13},
		{23, 12, nil, 0, 0},
	} {
		for _, runs := range []remote.Batches{{both}, {a, b}} {
			kept, base, after := trimBatches(runs, tc.next, tc.maxOffset)
			if !bytes.Equal(kept.AppendTo(nil), tc.kept) || base != tc.base || after != tc.after {
				t.Errorf("trimBatches(%d runs, next %d, max %d) = %d bytes [%d, %d), want %d bytes [%d, %d)",
					len(runs), tc.next, tc.maxOffset, kept.Len(), base, after, len(tc.kept), tc.base, tc.after)
			}
		}
	}
}
