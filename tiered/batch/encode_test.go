package batch_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/strata-streaming/strata/tiered/batch"
	"github.com/strata-streaming/strata/tiered/batch/batchtest"
)

// toRecords converts test records to the records Encode takes, with the
// given offset deltas (nil for 0, 1, 2...).
func toRecords(in []batchtest.Record, deltas []int32) []batch.Record {
	out := make([]batch.Record, len(in))
	for i, r := range in {
		out[i] = batch.Record{Key: r.Key, Value: r.Value, TimestampDelta: r.TimestampDelta, OffsetDelta: int32(i)}
		if deltas != nil {
			out[i].OffsetDelta = deltas[i]
		}
		for _, h := range r.Headers {
			out[i].Headers = append(out[i].Headers, batch.RecordHeader{Key: h.Key, Value: h.Value})
		}
	}
	return out
}

func mustEncode(t *testing.T, dst []byte, records []batch.Record, opts batch.EncodeOptions) []byte {
	t.Helper()
	b, err := batch.Encode(dst, records, opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Encode writes the same bytes as franz-go's encoder for the same batch.
func TestEncodeMatchesFranzGo(t *testing.T) {
	gaps := []int32{0, 3, 4, 10, 11}
	cases := map[string]struct {
		enc    batch.EncodeOptions
		build  batchtest.Options
		deltas []int32
	}{
		"plain": {
			enc:   batch.EncodeOptions{BaseOffset: 7, PartitionLeaderEpoch: 3, BaseTimestamp: 1_700_000_000_000},
			build: batchtest.Options{BaseOffset: 7, PartitionLeaderEpoch: 3, BaseTimestamp: 1_700_000_000_000},
		},
		"idempotent": {
			enc:   batch.EncodeOptions{Idempotent: true, ProducerID: 42, ProducerEpoch: 2, BaseSequence: 100},
			build: batchtest.Options{Idempotent: true, ProducerID: 42, ProducerEpoch: 2, BaseSequence: 100},
		},
		"transactional control": {
			enc:   batch.EncodeOptions{Transactional: true, Control: true, ProducerID: 9, ProducerEpoch: 1},
			build: batchtest.Options{Transactional: true, Control: true, ProducerID: 9, ProducerEpoch: 1},
		},
		"offset gaps": {
			build:  batchtest.Options{OffsetDeltas: gaps},
			deltas: gaps,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := mustEncode(t, nil, toRecords(mixedRecords, tc.deltas), tc.enc)
			want := batchtest.Build(mixedRecords, tc.build)
			if !bytes.Equal(got, want) {
				t.Fatalf("encoded\n%x\nwant\n%x", got, want)
			}
		})
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	prefix := []byte("existing bytes")
	records := toRecords(mixedRecords, nil)
	opts := batch.EncodeOptions{BaseOffset: 500, BaseTimestamp: 10_000}
	out := mustEncode(t, bytes.Clone(prefix), records, opts)
	if !bytes.HasPrefix(out, prefix) {
		t.Fatal("Encode overwrote dst")
	}
	b := out[len(prefix):]
	h, err := batch.Validate(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.CheckProduced(); err != nil {
		t.Fatal(err)
	}
	if h.ProducerID != -1 || h.ProducerEpoch != -1 || h.BaseSequence != -1 || h.Codec() != batch.CodecNone {
		t.Fatalf("header %+v", h)
	}
	if h.MaxTimestamp != 10_000+(1<<40) {
		t.Fatalf("max timestamp %d", h.MaxTimestamp)
	}
	r, err := batch.Records(b, 0)
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	for rec, ok := r.Next(); ok; rec, ok = r.Next() {
		checkRecord(t, i, rec, mixedRecords[i])
		if r.Offset(&rec) != 500+int64(i) {
			t.Fatalf("record %d at offset %d", i, r.Offset(&rec))
		}
		i++
	}
	if r.Err() != nil || i != len(records) {
		t.Fatalf("read %d records, err %v", i, r.Err())
	}
}

func TestEncodeRefusesBadRecords(t *testing.T) {
	cases := map[string][]batch.Record{
		"none":             nil,
		"negative delta":   {{OffsetDelta: -1}},
		"repeated delta":   {{OffsetDelta: 0}, {OffsetDelta: 0}},
		"decreasing delta": {{OffsetDelta: 0}, {OffsetDelta: 2}, {OffsetDelta: 1}},
	}
	for name, records := range cases {
		t.Run(name, func(t *testing.T) {
			dst := []byte("keep")
			out, err := batch.Encode(dst, records, batch.EncodeOptions{})
			if !errors.Is(err, batch.ErrEncode) {
				t.Fatalf("err %v, want ErrEncode", err)
			}
			if string(out) != "keep" {
				t.Fatalf("dst changed to %q", out)
			}
		})
	}
}

func TestEncodeDoesNotAllocate(t *testing.T) {
	records := toRecords(mixedRecords, nil)
	buf := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		if buf, err = batch.Encode(buf[:0], records, batch.EncodeOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per Encode", allocs)
	}
}

func BenchmarkEncode(b *testing.B) {
	records := toRecords(batchtest.ValueRecords(100, 100), nil)
	buf, _ := batch.Encode(nil, records, batch.EncodeOptions{})
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = batch.Encode(buf[:0], records, batch.EncodeOptions{})
	}
}
