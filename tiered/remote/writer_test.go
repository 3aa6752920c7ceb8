package remote

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/strata-streaming/strata/tiered/batch"
	"github.com/strata-streaming/strata/tiered/batch/batchtest"
)

// build builds the object for log, failing the test on error.
func build(tb testing.TB, log []byte, base int64, cfg WriterConfig) ([]byte, ObjectInfo) {
	tb.Helper()
	obj, info, err := BuildSegment(log, base, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if info.Size != int64(len(obj)) || info.CRC32C != CRC32C(crc32c(obj)) {
		tb.Fatalf("info says %d bytes with CRC %s, the object has %d with %08x", info.Size, info.CRC32C, len(obj), crc32c(obj))
	}
	return obj, info
}

// TestRoundTripManyBatches writes a log of many batches of every codec
// across several leader epochs, reads it back chunk by chunk through a
// bucket, and checks the footer's metadata and lookups.
func TestRoundTripManyBatches(t *testing.T) {
	// Mostly uncompressed batches first, then only compressed ones.
	var codecs []batch.Codec
	for i := range 300 {
		if i < 150 {
			codecs = append(codecs, []batch.Codec{batch.CodecNone, batch.CodecZstd, batch.CodecNone}[i%3])
		} else {
			codecs = append(codecs, []batch.Codec{batch.CodecZstd, batch.CodecLZ4, batch.CodecSnappy, batch.CodecGzip}[i%4])
		}
	}
	log := genLog(t, logSpec{batches: 300, records: 7, codecs: codecs, baseOffset: 5000, epochs: []int32{3, 3, 7, 9}, seed: 1})
	obj, info := build(t, log, 4990, WriterConfig{ChunkBytes: 8 << 10})
	r := openObject(t, obj, ReaderConfig{})
	if got := readAll(t, r); !bytes.Equal(got, log) {
		t.Fatalf("read %d bytes back, wrote %d", len(got), len(log))
	}
	f := r.Footer()
	want := SegmentMeta{BaseOffset: 4990, LastOffset: 5000 + 300*7 - 1, NextOffset: 5000 + 300*7,
		BatchBytes: int64(len(log)), RecordCount: 300 * 7, BatchCount: 300,
		LeaderEpochs: []EpochEntry{{3, 5000}, {7, 5000 + 150*7}, {9, 5000 + 225*7}}}
	checkMeta(t, &f.Meta, &want)
	if info.Chunks != len(f.Chunks) || info.Chunks < 10 || info.CompressedChunks == 0 || info.CompressedChunks == info.Chunks {
		t.Fatalf("%d chunks, %d compressed: want many of both kinds", info.Chunks, info.CompressedChunks)
	}
	for i, e := range f.Chunks {
		if e.RawLength > 8<<10 && e.BatchCount > 1 {
			t.Fatalf("chunk %d: %d bytes in %d batches, over ChunkBytes", i, e.RawLength, e.BatchCount)
		}
	}
	checkLookups(t, f, splitBatches(t, log))
}

// checkMeta compares the fields of got that want sets, and checks the
// timestamps against the batches.
func checkMeta(t *testing.T, got, want *SegmentMeta) {
	t.Helper()
	g := *got
	g.MinTimestamp, g.MaxTimestamp, g.MaxTimestampOffset = 0, 0, 0
	if g.BaseOffset != want.BaseOffset || g.LastOffset != want.LastOffset || g.NextOffset != want.NextOffset ||
		g.BatchBytes != want.BatchBytes || g.RecordCount != want.RecordCount || g.BatchCount != want.BatchCount {
		t.Fatalf("meta %+v, want %+v", *got, *want)
	}
	if len(g.LeaderEpochs) != len(want.LeaderEpochs) {
		t.Fatalf("leader epochs %v, want %v", g.LeaderEpochs, want.LeaderEpochs)
	}
	for i := range g.LeaderEpochs {
		if g.LeaderEpochs[i] != want.LeaderEpochs[i] {
			t.Fatalf("leader epochs %v, want %v", g.LeaderEpochs, want.LeaderEpochs)
		}
	}
}

// checkLookups checks ChunkFor and ChunkForTime against every batch, and
// the segment's timestamp metadata.
func checkLookups(t *testing.T, f *Footer, batches [][]byte) {
	t.Helper()
	minTs, maxTs, maxTsOffset := int64(1<<62), int64(-1<<62), int64(-1)
	for _, b := range batches {
		h, _ := batch.ParseHeader(b)
		for _, off := range []int64{h.BaseOffset, h.LastOffset()} {
			i, ok := f.ChunkFor(off)
			if !ok || f.Chunks[i].FirstOffset > h.BaseOffset || f.Chunks[i].LastOffset < h.LastOffset() {
				t.Fatalf("ChunkFor(%d) = %d, %v: batch %d-%d not in it", off, i, ok, h.BaseOffset, h.LastOffset())
			}
		}
		minTs = min(minTs, h.BaseTimestamp)
		if h.MaxTimestamp > maxTs {
			maxTs, maxTsOffset = h.MaxTimestamp, h.BaseOffset
		}
		i, ok := f.ChunkForTime(h.MaxTimestamp)
		holder, _ := f.ChunkFor(h.BaseOffset)
		if !ok || f.Chunks[i].MaxTimestamp < h.MaxTimestamp || i > holder {
			t.Fatalf("ChunkForTime(%d) = %d, %v; the batch is in chunk %d", h.MaxTimestamp, i, ok, holder)
		}
	}
	m := &f.Meta
	if m.MinTimestamp != minTs || m.MaxTimestamp != maxTs || m.MaxTimestampOffset != maxTsOffset {
		t.Fatalf("timestamps %d, %d at %d; want %d, %d at %d", m.MinTimestamp, m.MaxTimestamp, m.MaxTimestampOffset, minTs, maxTs, maxTsOffset)
	}
	if _, ok := f.ChunkFor(m.NextOffset); ok {
		t.Fatal("ChunkFor past the end found a chunk")
	}
	if i, ok := f.ChunkFor(0); !ok || i != 0 {
		t.Fatalf("ChunkFor below the segment = %d, %v; want chunk 0", i, ok)
	}
	if _, ok := f.ChunkForTime(maxTs + 1); ok {
		t.Fatal("ChunkForTime past the max timestamp found a chunk")
	}
}

// TestChunkBoundaryAtBatchBoundary uses batches of one size that fill a
// chunk exactly: every chunk is cut right at ChunkBytes.
func TestChunkBoundaryAtBatchBoundary(t *testing.T) {
	var log []byte
	for i := range 10 {
		log = append(log, batchtest.Values(4, 80, batchtest.Options{BaseOffset: int64(i * 4)})...)
	}
	size := len(log) / 10
	obj, info := build(t, log, -1, WriterConfig{ChunkBytes: 3 * size, Compression: CompressNever})
	r := openObject(t, obj, ReaderConfig{})
	if info.Chunks != 4 {
		t.Fatalf("%d chunks, want 4", info.Chunks)
	}
	for i, e := range r.Footer().Chunks {
		want := 3
		if i == 3 {
			want = 1
		}
		if e.BatchCount != want || e.RawLength != want*size || e.FirstOffset != int64(i*12) {
			t.Fatalf("chunk %d: %+v, want %d batches of %d bytes", i, e, want, size)
		}
	}
	if got := readAll(t, r); !bytes.Equal(got, log) {
		t.Fatal("batches differ after the round trip")
	}
}

// TestBatchLargerThanChunk checks that a batch bigger than ChunkBytes is a
// chunk of its own, between chunks of small batches.
func TestBatchLargerThanChunk(t *testing.T) {
	small := func(off int64) []byte { return batchtest.Values(2, 30, batchtest.Options{BaseOffset: off}) }
	var log []byte
	log = append(log, small(0)...)
	log = append(log, small(2)...)
	log = append(log, batchtest.Values(20, 400, batchtest.Options{BaseOffset: 4})...)
	log = append(log, small(24)...)
	for _, c := range []Compression{CompressAuto, CompressNever} {
		obj, info := build(t, log, -1, WriterConfig{ChunkBytes: 1 << 10, Compression: c})
		r := openObject(t, obj, ReaderConfig{})
		counts := []int{}
		for _, e := range r.Footer().Chunks {
			counts = append(counts, e.BatchCount)
		}
		if info.Chunks != 3 || counts[0] != 2 || counts[1] != 1 || counts[2] != 1 || r.Footer().Chunks[1].RawLength <= 1<<10 {
			t.Fatalf("%s: chunks of %v batches, want [2 1 1] with the big batch alone", c, counts)
		}
		if got := readAll(t, r); !bytes.Equal(got, log) {
			t.Fatalf("%s: batches differ after the round trip", c)
		}
	}
}

// TestCompressionRules checks which chunks each rule compresses.
func TestCompressionRules(t *testing.T) {
	plain := genLog(t, logSpec{batches: 40, records: 10, seed: 2})
	zstd := genLog(t, logSpec{batches: 40, records: 10, codecs: []batch.Codec{batch.CodecZstd}, seed: 3})
	random := randomLog(40, 600)
	for _, tc := range []struct {
		name       string
		log        []byte
		c          Compression
		compressed bool // every chunk compressed, or none
	}{
		{"auto/plain", plain, CompressAuto, true},
		{"auto/zstd", zstd, CompressAuto, false},
		{"auto/random", random, CompressAuto, false},
		{"never/plain", plain, CompressNever, false},
		{"always/zstd", zstd, CompressAlways, true},
		{"always/random", random, CompressAlways, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj, info := build(t, tc.log, -1, WriterConfig{ChunkBytes: 4 << 10, Compression: tc.c})
			want := 0
			if tc.compressed {
				want = info.Chunks
			}
			if info.Chunks < 2 || info.CompressedChunks != want {
				t.Fatalf("%d of %d chunks compressed, want %d", info.CompressedChunks, info.Chunks, want)
			}
			r := openObject(t, obj, ReaderConfig{})
			for _, e := range r.Footer().Chunks {
				if e.Codec == CodecLZ4 && e.StoredLength > lz4Bound(e.RawLength) {
					t.Fatalf("lz4 chunk of %d bytes stored in %d, over the bound", e.RawLength, e.StoredLength)
				}
			}
			if got := readAll(t, r); !bytes.Equal(got, tc.log) {
				t.Fatal("batches differ after the round trip")
			}
		})
	}
}

// randomLog is n uncompressed batches of one record of size random bytes.
func randomLog(n, size int) []byte {
	rng := rand.New(rand.NewPCG(7, 7))
	var log []byte
	for i := range n {
		v := make([]byte, size)
		for j := range v {
			v[j] = byte(rng.Uint32())
		}
		log = append(log, batchtest.Build([]batchtest.Record{{Value: v}}, batchtest.Options{BaseOffset: int64(i)})...)
	}
	return log
}

func TestEmptySegment(t *testing.T) {
	w, err := NewSegmentWriter(io.Discard, 0, WriterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Finish(); !errors.Is(err, ErrEmptySegment) {
		t.Fatalf("Finish of an empty segment: %v", err)
	}
	if _, _, err := BuildSegment(nil, 0, WriterConfig{}); !errors.Is(err, ErrEmptySegment) {
		t.Fatalf("BuildSegment of nothing: %v", err)
	}
}

// TestAddRejects checks that bad batches are refused and leave the writer
// usable.
func TestAddRejects(t *testing.T) {
	ok := batchtest.Values(3, 10, batchtest.Options{BaseOffset: 10, PartitionLeaderEpoch: 5})
	badCRC := bytes.Clone(batchtest.Values(1, 10, batchtest.Options{BaseOffset: 20}))
	badCRC[len(badCRC)-1] ^= 1
	for _, tc := range []struct {
		name  string
		batch []byte
		want  error
	}{
		{"overlap", batchtest.Values(1, 10, batchtest.Options{BaseOffset: 12, PartitionLeaderEpoch: 5}), ErrBatchOrder},
		{"repeat", ok, ErrBatchOrder},
		{"older epoch", batchtest.Values(1, 10, batchtest.Options{BaseOffset: 13, PartitionLeaderEpoch: 4}), ErrBatchOrder},
		{"bad CRC", badCRC, batch.ErrCRC},
		{"torn", ok[:len(ok)-1], batch.ErrShort},
		{"too large", batchtest.Values(1, 2000, batchtest.Options{BaseOffset: 20}), ErrChunkTooLarge},
	} {
		w, err := NewSegmentWriter(io.Discard, 8, WriterConfig{MaxBatchBytes: 1 << 10})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Add(ok); err != nil {
			t.Fatal(err)
		}
		if err := w.Add(tc.batch); !errors.Is(err, tc.want) {
			t.Fatalf("%s: Add = %v, want %v", tc.name, err, tc.want)
		}
		if err := w.Add(batchtest.Values(1, 10, batchtest.Options{BaseOffset: 13, PartitionLeaderEpoch: 6})); err != nil {
			t.Fatalf("%s: writer unusable after a rejected batch: %v", tc.name, err)
		}
		if _, err := w.Finish(); err != nil {
			t.Fatal(err)
		}
		if err := w.Add(batchtest.Values(1, 10, batchtest.Options{BaseOffset: 30})); !errors.Is(err, ErrWriterDone) {
			t.Fatalf("Add after Finish: %v", err)
		}
	}
	w, _ := NewSegmentWriter(io.Discard, 11, WriterConfig{})
	if err := w.Add(ok); !errors.Is(err, ErrBatchOrder) {
		t.Fatalf("batch below the segment base: %v", err)
	}
}

type failingWriter struct{ left int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		n := w.left
		w.left = 0
		return n, errors.New("disk full")
	}
	w.left -= len(p)
	return len(p), nil
}

func TestWriteFailureEndsWriter(t *testing.T) {
	w, err := NewSegmentWriter(&failingWriter{left: 100}, -1, WriterConfig{ChunkBytes: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	log := splitBatches(t, genLog(t, logSpec{batches: 20, records: 5, seed: 4}))
	var addErr error
	for _, b := range log {
		if addErr = w.Add(b); addErr != nil {
			break
		}
	}
	if addErr == nil || errors.Is(addErr, ErrWriterDone) {
		t.Fatalf("first failing Add = %v, want the write error", addErr)
	}
	if _, err := w.Finish(); !errors.Is(err, ErrWriterDone) {
		t.Fatalf("Finish after a failed write: %v", err)
	}
}

// TestBuildSegmentFile builds the same object into a file from a reader
// and checks it matches the in-memory build, can be read twice, and is
// removed by Close.
func TestBuildSegmentFile(t *testing.T) {
	log := genLog(t, logSpec{batches: 50, records: 5, seed: 5})
	want, _ := build(t, log, -1, WriterConfig{ChunkBytes: 4 << 10})
	dir := t.TempDir()
	sf, err := BuildSegmentFile(dir, bytes.NewReader(log), -1, WriterConfig{ChunkBytes: 4 << 10})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		got, err := io.ReadAll(sf.NewReader())
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("file holds %d bytes (%v), want the %d of BuildSegment", len(got), err, len(want))
		}
	}
	if err := sf.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sf.Name()); !os.IsNotExist(err) {
		t.Fatalf("file left after Close: %v", err)
	}
	_, err = BuildSegmentFile(dir, bytes.NewReader(log[:len(log)-3]), -1, WriterConfig{})
	if !errors.Is(err, batch.ErrShort) {
		t.Fatalf("torn source: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("failed build left %d files", len(entries))
	}
}

func TestWriterConfigValidate(t *testing.T) {
	for _, cfg := range []WriterConfig{
		{ChunkBytes: 100}, {ChunkBytes: 1 << 30}, {MaxBatchBytes: -1}, {Compression: 9},
	} {
		if err := cfg.Validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Fatalf("%+v: %v", cfg, err)
		}
		if _, err := NewSegmentWriter(io.Discard, 0, cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Fatalf("NewSegmentWriter(%+v): %v", cfg, err)
		}
	}
	if err := (WriterConfig{}).Validate(); err != nil {
		t.Fatal(err)
	}
	if err := (ReaderConfig{TailBytes: 3}).Validate(); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("TailBytes 3: %v", err)
	}
}
