// Package batchtest builds real Kafka v2 record batches for tests, encoded
// and compressed the way franz-go producers encode them, so that tests of
// Strata's batch, segment and broker code run on the bytes clients send.
//
// It is for tests only: its functions panic on misuse rather than return
// errors.
package batchtest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/tiered/batch"
)

// Record is one record to build. Key and Value are null when nil.
type Record struct {
	Key, Value     []byte
	Headers        []Header
	TimestampDelta int64
}

// Header is a record header; Value is null when nil.
type Header struct {
	Key   string
	Value []byte
}

// Options are the batch-level fields of a batch to build. The zero Options
// build an uncompressed, non-idempotent batch at offset 0 whose records
// have offset deltas 0, 1, 2...
type Options struct {
	Codec                batch.Codec
	BaseOffset           int64
	PartitionLeaderEpoch int32
	BaseTimestamp        int64

	// Idempotent sets the producer fields; without it (and without
	// Transactional) they are -1, as a plain producer sends them.
	Idempotent    bool
	ProducerID    int64
	ProducerEpoch int16
	BaseSequence  int32
	Transactional bool
	Control       bool

	// OffsetDeltas, if set, gives each record's offset delta (one per
	// record), as compaction leaves them; lastOffsetDelta is then the last.
	OffsetDeltas []int32

	// Compress, if set, makes the records section from the encoded records
	// in place of the codec's compressor; the codec still names the
	// attribute. Tests use it to frame snappy as Java clients do or to
	// build malformed sections.
	Compress func(records []byte) []byte
}

// Build encodes records with opts into one batch with a valid CRC.
func Build(records []Record, opts Options) []byte {
	deltas := offsetDeltas(len(records), opts.OffsetDeltas)
	raw := EncodeRecords(records, deltas)
	section := compress(opts, raw)
	lastDelta := int32(-1)
	if len(deltas) > 0 {
		lastDelta = deltas[len(deltas)-1]
	}
	rb := kmsg.RecordBatch{
		FirstOffset:          opts.BaseOffset,
		Length:               int32(batch.HeaderSize - batch.LengthFieldEnd + len(section)),
		PartitionLeaderEpoch: opts.PartitionLeaderEpoch,
		Magic:                batch.Magic,
		Attributes:           attributes(opts),
		LastOffsetDelta:      max(lastDelta, 0),
		FirstTimestamp:       opts.BaseTimestamp,
		MaxTimestamp:         opts.BaseTimestamp + maxTimestampDelta(records),
		ProducerID:           -1,
		ProducerEpoch:        -1,
		FirstSequence:        -1,
		NumRecords:           int32(len(records)),
		Records:              section,
	}
	if opts.Idempotent || opts.Transactional {
		rb.ProducerID, rb.ProducerEpoch, rb.FirstSequence = opts.ProducerID, opts.ProducerEpoch, opts.BaseSequence
	}
	return FixCRC(rb.AppendTo(nil))
}

// Values builds a batch of n records with null keys, size-byte values
// (see ValueRecords) and timestamp deltas 0, 1, 2...
func Values(n, size int, opts Options) []byte {
	return Build(ValueRecords(n, size), opts)
}

// ValueRecords returns n records with null keys and size-byte values that
// differ from record to record but compress well, and timestamp deltas 0,
// 1, 2...
func ValueRecords(n, size int) []Record {
	records := make([]Record, n)
	for i := range records {
		v := make([]byte, size)
		for j := range v {
			v[j] = byte('a' + (i+j/16)%26)
		}
		records[i] = Record{Value: v, TimestampDelta: int64(i)}
	}
	return records
}

// EncodeRecords encodes records, uncompressed, as a records section with
// the given offset deltas (nil for 0, 1, 2...).
func EncodeRecords(records []Record, deltas []int32) []byte {
	deltas = offsetDeltas(len(records), deltas)
	var out []byte
	for i, r := range records {
		kr := kmsg.Record{
			TimestampDelta64: r.TimestampDelta,
			OffsetDelta:      deltas[i],
			Key:              r.Key,
			Value:            r.Value,
		}
		for _, h := range r.Headers {
			kr.Headers = append(kr.Headers, kmsg.Header{Key: h.Key, Value: h.Value})
		}
		// A zero Length encodes in one byte: the rest is the body.
		kr.Length = int32(len(kr.AppendTo(nil)) - 1)
		out = kr.AppendTo(out)
	}
	return out
}

// FixCRC recomputes the CRC of the batch b in place and returns b.
func FixCRC(b []byte) []byte {
	const crcAt, attrsAt = 17, 21
	crc := crc32.Checksum(b[attrsAt:], crc32.MakeTable(crc32.Castagnoli))
	binary.BigEndian.PutUint32(b[crcAt:], crc)
	return b
}

func offsetDeltas(n int, deltas []int32) []int32 {
	if deltas != nil {
		if len(deltas) != n {
			panic(fmt.Sprintf("batchtest: %d offset deltas for %d records", len(deltas), n))
		}
		return deltas
	}
	deltas = make([]int32, n)
	for i := range deltas {
		deltas[i] = int32(i)
	}
	return deltas
}

func attributes(opts Options) int16 {
	attrs := int16(opts.Codec)
	if opts.Transactional {
		attrs |= 0x10
	}
	if opts.Control {
		attrs |= 0x20
	}
	return attrs
}

func maxTimestampDelta(records []Record) int64 {
	var d int64
	for i, r := range records {
		if i == 0 || r.TimestampDelta > d {
			d = r.TimestampDelta
		}
	}
	return d
}

// compress makes the records section with opts.Compress or with franz-go's
// compressor for opts.Codec.
func compress(opts Options, raw []byte) []byte {
	if opts.Compress != nil {
		return opts.Compress(raw)
	}
	var codec kgo.CompressionCodec
	switch opts.Codec {
	case batch.CodecNone:
		return raw
	case batch.CodecGzip:
		codec = kgo.GzipCompression()
	case batch.CodecSnappy:
		codec = kgo.SnappyCompression()
	case batch.CodecLZ4:
		codec = kgo.Lz4Compression()
	case batch.CodecZstd:
		codec = kgo.ZstdCompression()
	default:
		panic(fmt.Sprintf("batchtest: no compressor for %s; set Options.Compress", opts.Codec))
	}
	c, err := kgo.DefaultCompressor(codec)
	if err != nil {
		panic("batchtest: " + err.Error())
	}
	out, _ := c.Compress(new(bytes.Buffer), raw)
	return bytes.Clone(out)
}
