package batch_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/strata-streaming/strata/tiered/batch"
	"github.com/strata-streaming/strata/tiered/batch/batchtest"
)

// mixedRecords exercise every field: null and empty keys and values,
// headers with null and empty values, and negative, large and unordered
// timestamp deltas.
var mixedRecords = []batchtest.Record{
	{Key: []byte("k0"), Value: []byte("v0"), TimestampDelta: 0},
	{Key: nil, Value: []byte("null key"), TimestampDelta: 5},
	{Key: []byte{}, Value: []byte{}, TimestampDelta: -3},
	{Key: []byte("null value"), Value: nil, TimestampDelta: 1 << 40},
	{Key: []byte("h"), Value: bytes.Repeat([]byte("x"), 300), TimestampDelta: 2, Headers: []batchtest.Header{
		{Key: "a", Value: []byte("1")}, {Key: "", Value: nil}, {Key: "empty", Value: []byte{}},
	}},
}

func TestRecordsRoundTrip(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codec.String(), func(t *testing.T) {
			opts := batchtest.Options{Codec: codec, BaseOffset: 1000, BaseTimestamp: 50_000}
			r, err := batch.Records(batchtest.Build(mixedRecords, opts), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			i := 0
			for rec, ok := r.Next(); ok; rec, ok = r.Next() {
				checkRecord(t, i, rec, mixedRecords[i])
				if r.Offset(&rec) != 1000+int64(i) || r.Timestamp(&rec) != 50_000+mixedRecords[i].TimestampDelta {
					t.Fatalf("record %d: offset %d timestamp %d", i, r.Offset(&rec), r.Timestamp(&rec))
				}
				i++
			}
			if r.Err() != nil || i != len(mixedRecords) {
				t.Fatalf("read %d records, err %v", i, r.Err())
			}
			if _, ok := r.Next(); ok || r.Err() != nil {
				t.Fatal("Next after the end")
			}
		})
	}
}

func checkRecord(t *testing.T, i int, got batch.Record, want batchtest.Record) {
	t.Helper()
	if got.OffsetDelta != int32(i) || got.TimestampDelta != want.TimestampDelta || got.Attributes != 0 {
		t.Fatalf("record %d: %+v", i, got)
	}
	if !sameBytes(got.Key, want.Key) || !sameBytes(got.Value, want.Value) {
		t.Fatalf("record %d: key %q value %q, want %q %q", i, got.Key, got.Value, want.Key, want.Value)
	}
	if len(got.Headers) != len(want.Headers) {
		t.Fatalf("record %d: %d headers, want %d", i, len(got.Headers), len(want.Headers))
	}
	for j, h := range got.Headers {
		if h.Key != want.Headers[j].Key || !sameBytes(h.Value, want.Headers[j].Value) {
			t.Fatalf("record %d header %d: %q=%q", i, j, h.Key, h.Value)
		}
	}
}

// sameBytes is bytes.Equal that also tells null from empty.
func sameBytes(a, b []byte) bool { return (a == nil) == (b == nil) && bytes.Equal(a, b) }

func TestRecordsSparseOffsets(t *testing.T) {
	deltas := []int32{0, 3, 7}
	b := batchtest.Values(3, 4, batchtest.Options{Codec: batch.CodecZstd, BaseOffset: 10, OffsetDeltas: deltas})
	r, err := batch.Records(b, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for rec, ok := r.Next(); ok; rec, ok = r.Next() {
		got = append(got, r.Offset(&rec))
	}
	if h := r.Header(); r.Err() != nil || !slices.Equal(got, []int64{10, 13, 17}) || h.LastOffset() != 17 {
		t.Fatalf("offsets %v, err %v", got, r.Err())
	}
}

func TestRecordsReaderReset(t *testing.T) {
	var r batch.RecordReader
	for _, codec := range codecs {
		if err := r.Reset(batchtest.Values(3, 10, batchtest.Options{Codec: codec}), 1<<20); err != nil {
			t.Fatalf("%s: %v", codec, err)
		}
		n := 0
		for _, ok := r.Next(); ok; _, ok = r.Next() {
			n++
		}
		if n != 3 || r.Err() != nil {
			t.Fatalf("%s: %d records, %v", codec, n, r.Err())
		}
	}
	if err := r.Reset([]byte("short"), 1<<20); !errors.Is(err, batch.ErrShort) || r.Err() != err {
		t.Fatalf("Reset on garbage: %v", err)
	}
	if _, ok := r.Next(); ok {
		t.Fatal("Next after a failed Reset")
	}
}

// Hand-encoded record fields, for malformed records.
func varint(v int64) []byte { return binary.AppendVarint(nil, v) }

// overlong encodes v in n bytes, padding with continuation bytes.
func overlong(v int64, n int) []byte {
	u := uint64(v<<1) ^ uint64(v>>63)
	out := make([]byte, 0, n)
	for range n - 1 {
		out = append(out, byte(u)|0x80)
		u >>= 7
	}
	return append(out, byte(u))
}

// rawRecord frames the fields after the length prefix as one record.
func rawRecord(fields ...[]byte) []byte {
	body := bytes.Join(fields, nil)
	return append(varint(int64(len(body))), body...)
}

var (
	attrs0   = []byte{0}
	zero     = varint(0)
	null     = varint(-1)
	okRecord = rawRecord(attrs0, zero, zero, null, varint(1), []byte("v"), zero)
)

func TestRecordsMalformed(t *testing.T) {
	tests := []struct {
		name    string
		n       int // records the header declares
		section []byte
		want    error
	}{
		{"length overlong varint", 1, append(bytes.Repeat([]byte{0xff}, 10), 1), batch.ErrRecordCount},
		{"length negative", 1, append(varint(-7), okRecord[1:]...), batch.ErrRecordCount},
		{"length too small", 1, append(varint(5), okRecord[1:]...), batch.ErrRecordCount},
		{"length past the section", 1, append(varint(100), okRecord[1:]...), batch.ErrRecordCount},
		{"length 6-byte varint", 1, append(overlong(int64(len(okRecord)-1), 6), okRecord[1:]...), batch.ErrRecordCount},
		{"key length -2", 1, rawRecord(attrs0, zero, zero, varint(-2), null, zero), batch.ErrRecord},
		{"key length past the record", 1, rawRecord(attrs0, zero, zero, varint(50), null, zero), batch.ErrRecord},
		{"key length over int32", 1, rawRecord(attrs0, zero, zero, varint(1<<33), null, zero), batch.ErrRecord},
		{"value length -5", 1, rawRecord(attrs0, zero, zero, null, varint(-5), zero), batch.ErrRecord},
		{"offset delta 6-byte varint", 1, rawRecord(attrs0, zero, overlong(0, 6), null, null, zero), batch.ErrRecord},
		{"timestamp delta overflows", 1, rawRecord(attrs0, bytes.Repeat([]byte{0xff}, 11), null, null, zero), batch.ErrRecord},
		{"header count negative", 1, rawRecord(attrs0, zero, zero, null, null, varint(-1)), batch.ErrRecord},
		{"header count past the record", 1, rawRecord(attrs0, zero, zero, null, null, varint(1000), zero, zero), batch.ErrRecord},
		{"header key null", 1, rawRecord(attrs0, zero, zero, null, null, varint(1), null, null), batch.ErrRecord},
		{"header value past the record", 1, rawRecord(attrs0, zero, zero, null, null, varint(1), zero, varint(9), zero), batch.ErrRecord},
		{"bytes left in the record", 1, rawRecord(attrs0, zero, zero, null, null, zero, []byte{1, 2}), batch.ErrRecord},
		{"bytes after the last record", 1, append(bytes.Clone(okRecord), okRecord...), batch.ErrRecordCount},
		{"fewer records than declared", 3, append(bytes.Clone(okRecord), okRecord...), batch.ErrRecordCount},
		{"offset deltas repeat", 2, append(bytes.Clone(okRecord), okRecord...), batch.ErrRecord},
		{"offset delta past the last", 1, rawRecord(attrs0, zero, varint(1), null, null, zero), batch.ErrRecord},
		{"offset delta negative", 1, rawRecord(attrs0, zero, varint(-1), null, null, zero), batch.ErrRecord},
	}
	for _, tt := range tests {
		for _, codec := range []batch.Codec{batch.CodecNone, batch.CodecZstd, batch.CodecGzip} {
			t.Run(fmt.Sprint(tt.name, "/", codec), func(t *testing.T) {
				b := rawBatch(codec, tt.n, tt.section)
				err := batch.CheckCompressed(b, 1<<20)
				if !errors.Is(err, tt.want) || !errors.Is(err, batch.ErrCorrupt) {
					t.Fatalf("CheckCompressed = %v, want %v", err, tt.want)
				}
				if err := readAll(b); !errors.Is(err, tt.want) {
					t.Fatalf("reading records: %v, want %v", err, tt.want)
				}
			})
		}
	}
}

// rawBatch wraps section, compressed with codec, as a batch declaring n
// records with offset deltas 0..n-1.
func rawBatch(codec batch.Codec, n int, section []byte) []byte {
	return batchtest.Build(make([]batchtest.Record, n), batchtest.Options{
		Codec:    codec,
		Compress: func([]byte) []byte { return mustCompress(codec, section) },
	})
}

// readAll reads every record of b and returns the error that stopped it.
func readAll(b []byte) error {
	r, err := batch.Records(b, 1<<20)
	if err != nil {
		return err
	}
	for _, ok := r.Next(); ok; _, ok = r.Next() {
	}
	return r.Err()
}

func TestCheckCompressed(t *testing.T) {
	for _, codec := range codecs {
		b := batchtest.Build(mixedRecords, batchtest.Options{Codec: codec})
		if err := batch.CheckCompressed(b, 1<<20); err != nil {
			t.Fatalf("%s: %v", codec, err)
		}
		if codec == batch.CodecNone {
			continue
		}
		if err := batch.CheckCompressed(b, 100); !errors.Is(err, batch.ErrTooLarge) {
			t.Fatalf("%s: limit 100: %v", codec, err)
		}
		cut := b[:len(b)-1]
		put32(cut, atLength, int32(len(cut)-batch.LengthFieldEnd))
		if err := batch.CheckCompressed(batchtest.FixCRC(cut), 1<<20); !errors.Is(err, batch.ErrCorrupt) {
			t.Fatalf("%s: truncated section: %v", codec, err)
		}
	}
	short := batchtest.Values(1, 1, batchtest.Options{})
	if err := batch.CheckCompressed(short[:len(short)-1], 1<<20); !errors.Is(err, batch.ErrShort) {
		t.Fatalf("truncated batch: %v", err)
	}
}

func TestCheckCompressedCountMismatch(t *testing.T) {
	three := batchtest.EncodeRecords(batchtest.ValueRecords(3, 10), nil)
	for _, n := range []int{2, 4} {
		b := batchtest.Build(make([]batchtest.Record, n), batchtest.Options{
			Codec:    batch.CodecLZ4,
			Compress: func([]byte) []byte { return mustCompress(batch.CodecLZ4, three) },
		})
		if err := batch.CheckCompressed(b, 1<<20); !errors.Is(err, batch.ErrRecordCount) {
			t.Fatalf("3 records declared as %d: %v", n, err)
		}
	}
}

// CheckCompressed reuses pooled readers and buffers: it allocates nothing
// once warm, though the race detector's pools drop entries at random, so
// the test only rules out allocating per record.
func TestCheckCompressedDoesNotAllocatePerRecord(t *testing.T) {
	const records = 50
	for _, codec := range []batch.Codec{batch.CodecNone, batch.CodecZstd, batch.CodecSnappy, batch.CodecGzip} {
		b := batchtest.Values(records, 100, batchtest.Options{Codec: codec})
		allocs := testing.AllocsPerRun(50, func() {
			if err := batch.CheckCompressed(b, 1<<20); err != nil {
				t.Fatal(err)
			}
		})
		if allocs >= records/10 {
			t.Errorf("%s: CheckCompressed allocates %v times for %d records", codec, allocs, records)
		}
	}
}

func TestRecordReaderDoesNotAllocate(t *testing.T) {
	var r batch.RecordReader
	b := batchtest.Values(50, 100, batchtest.Options{})
	allocs := testing.AllocsPerRun(50, func() {
		if err := r.Reset(b, 1<<20); err != nil {
			t.Fatal(err)
		}
		for _, ok := r.Next(); ok; _, ok = r.Next() {
		}
		if r.Err() != nil {
			t.Fatal(r.Err())
		}
	})
	if allocs != 0 {
		t.Errorf("reading uncompressed records allocates %v times", allocs)
	}
}

func TestOffsetForTimestamp(t *testing.T) {
	records := []batchtest.Record{{TimestampDelta: 5}, {TimestampDelta: 1}, {TimestampDelta: 9}, {TimestampDelta: 3}}
	tests := []struct {
		ts         int64
		wantOffset int64
		wantTS     int64
		found      bool
	}{
		{0, 100, 1005, true},
		{1005, 100, 1005, true},
		{1006, 102, 1009, true},
		{1009, 102, 1009, true},
		{1010, 0, 0, false},
	}
	for _, codec := range codecs {
		b := batchtest.Build(records, batchtest.Options{Codec: codec, BaseOffset: 100, BaseTimestamp: 1000})
		for _, tt := range tests {
			off, ts, found, err := batch.OffsetForTimestamp(b, tt.ts, 1<<20)
			if err != nil || off != tt.wantOffset || ts != tt.wantTS || found != tt.found {
				t.Errorf("%s: ts %d: got (%d, %d, %v, %v), want (%d, %d, %v)",
					codec, tt.ts, off, ts, found, err, tt.wantOffset, tt.wantTS, tt.found)
			}
		}
	}
}

func TestOffsetForTimestampLogAppendTime(t *testing.T) {
	for _, codec := range codecs {
		b := batchtest.Values(4, 10, batchtest.Options{
			Codec: codec, BaseOffset: 70, BaseTimestamp: 1000, OffsetDeltas: []int32{2, 3, 5, 6},
		})
		batch.SetLogAppendTime(b, 5000)
		if _, err := batch.Validate(b); err != nil {
			t.Fatal(err)
		}
		off, ts, found, err := batch.OffsetForTimestamp(b, 4000, 1<<20)
		if err != nil || off != 72 || ts != 5000 || !found {
			t.Errorf("%s: ts 4000: got (%d, %d, %v, %v), want (72, 5000, true)", codec, off, ts, found, err)
		}
		if _, _, found, err := batch.OffsetForTimestamp(b, 5001, 1<<20); found || err != nil {
			t.Errorf("%s: ts 5001: found %v, err %v", codec, found, err)
		}
	}
}

func TestOffsetForTimestampErrors(t *testing.T) {
	bad := rawBatch(batch.CodecNone, 2, append(bytes.Clone(okRecord), 0xff))
	if _, _, _, err := batch.OffsetForTimestamp(bad, 1<<62, 1<<20); !errors.Is(err, batch.ErrCorrupt) {
		t.Fatalf("malformed records: %v", err)
	}
	big := batchtest.Values(100, 100, batchtest.Options{Codec: batch.CodecGzip})
	if _, _, _, err := batch.OffsetForTimestamp(big, 0, 1000); !errors.Is(err, batch.ErrTooLarge) {
		t.Fatalf("over the limit: %v", err)
	}
}

func BenchmarkRecords(b *testing.B) {
	for _, codec := range []batch.Codec{batch.CodecNone, batch.CodecZstd} {
		buf := batchtest.Values(200, 100, batchtest.Options{Codec: codec})
		b.Run(codec.String(), func(b *testing.B) {
			b.ReportAllocs()
			var r batch.RecordReader
			for b.Loop() {
				if err := r.Reset(buf, 1<<20); err != nil {
					b.Fatal(err)
				}
				for _, ok := r.Next(); ok; _, ok = r.Next() {
				}
				if r.Err() != nil {
					b.Fatal(r.Err())
				}
			}
		})
	}
}
