package tiered

import (
	"context"
	"testing"

	"github.com/strata-streaming/strata/tiered/batch"
	"github.com/strata-streaming/strata/tiered/batch/batchtest"
)

func openTest(t *testing.T) *Log {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Segment.SegmentBytes = 8192
	l, err := Open(t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func TestReadByTimeFindsTheRecord(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	// Batch i (codec by i) holds ten records with timestamps 1000*i + 0..9.
	codecs := []batch.Codec{batch.CodecNone, batch.CodecGzip, batch.CodecSnappy, batch.CodecLZ4, batch.CodecZstd}
	for i := 0; i < 20; i++ {
		b := batchtest.Values(10, 40, batchtest.Options{Codec: codecs[i%len(codecs)], BaseTimestamp: int64(1000 * i)})
		if _, err := l.Append(b, AppendOptions{LeaderEpoch: -1}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		ts, offset int64
		found      bool
	}{
		{0, 0, true}, {5, 5, true}, {9, 9, true}, {10, 10, true}, {1003, 13, true},
		{4007, 47, true}, {19009, 199, true}, {19010, 0, false},
	} {
		got, err := l.ReadByTime(ctx, tc.ts)
		if err != nil {
			t.Fatal(err)
		}
		if got.Found != tc.found || (tc.found && (got.Offset != tc.offset || got.Timestamp < tc.ts)) {
			t.Errorf("ReadByTime(%d) = %+v, want offset %d", tc.ts, got, tc.offset)
		}
	}
	max, err := l.MaxTimestamp(ctx)
	if err != nil || !max.Found || max.Offset != 199 || max.Timestamp != 19009 {
		t.Fatalf("MaxTimestamp = %+v, %v", max, err)
	}
}

func TestLogAppendTimeLookup(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	res, err := l.Append(batchtest.Values(5, 10, batchtest.Options{Codec: batch.CodecLZ4, BaseTimestamp: 1}),
		AppendOptions{LogAppendTime: true, LeaderEpoch: -1})
	if err != nil {
		t.Fatal(err)
	}
	at := res.AppendTime.UnixMilli()
	got, err := l.ReadByTime(ctx, at)
	if err != nil || !got.Found || got.Offset != 0 || got.Timestamp != at {
		t.Fatalf("ReadByTime(append time) = %+v, %v", got, err)
	}
}

func TestReadRecords(t *testing.T) {
	ctx := context.Background()
	l := openTest(t)
	var want []byte
	for i := 0; i < 10; i++ {
		b := batchtest.Values(3, 100, batchtest.Options{BaseTimestamp: 1})
		if _, err := l.Append(b, AppendOptions{LeaderEpoch: -1}); err != nil {
			t.Fatal(err)
		}
		want = append(want, b...)
	}
	var got []byte
	for off := l.StartOffset(); off < l.EndOffset(); {
		r, err := l.Read(ctx, off, 1000, NoMaxOffset)
		if err != nil {
			t.Fatal(err)
		}
		if r.Empty() {
			t.Fatalf("empty read at %d", off)
		}
		got, err = r.AppendTo(got)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		off = r.NextOffset
	}
	if string(got) != string(want) {
		t.Fatal("records differ from what was appended")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.Read(cancelled, 0, 100, NoMaxOffset); err == nil {
		t.Fatal("read with a cancelled context succeeded")
	}
}
