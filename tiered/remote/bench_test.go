package remote

import (
	"bytes"
	"io"
	"testing"

	"github.com/strata-streaming/strata/tiered/batch"
)

// benchChunk builds about n bytes of batches whose records sections use
// codecs in turn.
func benchChunk(b *testing.B, codecs []batch.Codec, n int) []byte {
	b.Helper()
	var out []byte
	for seed := uint64(0); len(out) < n; seed++ {
		base := int64(seed) * 16 * 100
		out = append(out, genLog(b, logSpec{batches: 16, records: 100, codecs: codecs, baseOffset: base, seed: seed})...)
	}
	return out
}

var benchKinds = []struct {
	name   string
	codecs []batch.Codec
}{
	{"none", []batch.Codec{batch.CodecNone}},
	{"producer-lz4", []batch.Codec{batch.CodecLZ4}},
	{"producer-zstd", []batch.Codec{batch.CodecZstd}},
	{"producer-snappy", []batch.Codec{batch.CodecSnappy}},
	{"producer-gzip", []batch.Codec{batch.CodecGzip}},
	{"mixed-zstd-none", []batch.Codec{batch.CodecZstd, batch.CodecNone}},
	{"mixed-zstd-zstd-zstd-none", []batch.Codec{batch.CodecZstd, batch.CodecZstd, batch.CodecZstd, batch.CodecNone}},
}

// BenchmarkChunkCodec measures, for 4 MiB chunks of each kind of batch,
// what storing a chunk costs: "store" is the raw path (the chunk's
// CRC-32C, the baseline), "lz4" compresses it first, "lz4-decode" and
// "store-decode" are the read side (DecodeChunk). MB/s are of raw batch
// bytes; saved_% is how much smaller the stored chunk is than the batches.
// doc.go records the figures behind the compression rule.
func BenchmarkChunkCodec(b *testing.B) {
	for _, kind := range benchKinds {
		raw := benchChunk(b, kind.codecs, 4<<20)
		compressed, err := compressLZ4(nil, raw)
		if err != nil {
			b.Fatal(err)
		}
		saved := 100 * (1 - float64(len(compressed))/float64(len(raw)))
		b.Run(kind.name+"/store", func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				crc32c(raw)
			}
			b.ReportMetric(0, "saved_%")
		})
		b.Run(kind.name+"/lz4", func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			var dst []byte
			for b.Loop() {
				dst, _ = compressLZ4(dst[:0], raw)
				crc32c(dst)
			}
			b.ReportMetric(saved, "saved_%")
		})
		benchDecode(b, kind.name+"/store-decode", raw, raw, CodecNone)
		benchDecode(b, kind.name+"/lz4-decode", raw, compressed, CodecLZ4)
	}
}

func benchDecode(b *testing.B, name string, raw, stored []byte, codec Codec) {
	e := entryFor(b, raw, stored, codec)
	b.Run(name, func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		dst := make([]byte, len(raw))
		for b.Loop() {
			if _, err := DecodeChunk(stored, e, dst, DefaultMaxChunkBytes); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// entryFor returns the index entry of a chunk of the batches raw stored as
// stored.
func entryFor(tb testing.TB, raw, stored []byte, codec Codec) ChunkEntry {
	tb.Helper()
	bs := splitBatches(tb, raw)
	first, _ := batch.ParseHeader(bs[0])
	last, _ := batch.ParseHeader(bs[len(bs)-1])
	e := ChunkEntry{FirstOffset: first.BaseOffset, LastOffset: last.LastOffset(), StoredLength: len(stored),
		RawLength: len(raw), BatchCount: len(bs), CRC: crc32c(stored), Codec: codec, MaxTimestamp: first.MaxTimestamp}
	for _, x := range bs {
		h, _ := batch.ParseHeader(x)
		e.MaxTimestamp = max(e.MaxTimestamp, h.MaxTimestamp)
	}
	return e
}

// BenchmarkSegmentWriter measures building a 16 MiB segment object in
// memory with the default rule, against copying the same batches (the
// baseline): the ratio of the two is the cost of the format.
func BenchmarkSegmentWriter(b *testing.B) {
	for _, kind := range []int{0, 2, 5} {
		raw := benchChunk(b, benchKinds[kind].codecs, 16<<20)
		b.Run(benchKinds[kind].name+"/copy", func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				io.Copy(&buf, bytes.NewReader(raw))
			}
		})
		b.Run(benchKinds[kind].name+"/build", func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			var info ObjectInfo
			for b.Loop() {
				var err error
				if _, info, err = BuildSegment(raw, -1, WriterConfig{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(100*(1-float64(info.Size)/float64(len(raw))), "saved_%")
		})
	}
}
