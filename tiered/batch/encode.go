package batch

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"math/bits"
)

// ErrEncode reports records that cannot form a batch: none at all, offset
// deltas that are negative or do not increase, or more bytes than a batch
// can frame.
var ErrEncode = errors.New("batch: cannot encode records")

// EncodeOptions are the batch-level fields of a batch Encode writes. The
// zero EncodeOptions write a batch at offset 0 with epoch 0, timestamp 0
// and no producer (the producer fields -1, as a plain producer sends them).
type EncodeOptions struct {
	BaseOffset           int64
	PartitionLeaderEpoch int32
	// BaseTimestamp is the batch's base timestamp in milliseconds since
	// the epoch; each record's timestamp is this plus its TimestampDelta.
	BaseTimestamp int64

	// Idempotent sets the producer fields from ProducerID, ProducerEpoch
	// and BaseSequence; without it (and without Transactional) they are -1.
	Idempotent    bool
	ProducerID    int64
	ProducerEpoch int16
	BaseSequence  int32
	// Transactional marks the batch as part of a transaction; it implies
	// the producer fields.
	Transactional bool
	// Control marks the batch as holding control records (transaction
	// markers).
	Control bool
}

// Encode appends to dst one uncompressed v2 batch holding records, with a
// correct CRC, and returns the extended buffer. It is the inverse of
// Records: each record is written with its Attributes, TimestampDelta,
// OffsetDelta, Key, Value and Headers as given (nil Key, Value or header
// Value for null), and the header's lastOffsetDelta is the last record's
// OffsetDelta. Producers number their records 0, 1, 2...; compaction may
// leave gaps. maxTimestamp is the greatest record timestamp.
//
// Encode allocates nothing beyond growing dst. On error dst is returned
// unchanged and the error matches ErrEncode.
func Encode(dst []byte, records []Record, opts EncodeOptions) ([]byte, error) {
	maxDelta, err := checkEncode(records)
	if err != nil {
		return dst, err
	}
	start := len(dst)
	dst = appendHeader(dst, records, opts, maxDelta)
	for i := range records {
		dst = appendRecord(dst, &records[i])
	}
	b := dst[start:]
	if len(b)-LengthFieldEnd > math.MaxInt32 {
		return dst[:start], fmt.Errorf("%w: %d bytes exceed a batch's length field", ErrEncode, len(b))
	}
	binary.BigEndian.PutUint32(b[offLength:], uint32(len(b)-LengthFieldEnd))
	binary.BigEndian.PutUint32(b[offCRC:], crc32.Checksum(b[offAttributes:], castagnoli))
	return dst, nil
}

// checkEncode checks that records can form a batch and returns their
// greatest timestamp delta.
func checkEncode(records []Record) (maxDelta int64, err error) {
	if len(records) == 0 || len(records) > math.MaxInt32 {
		return 0, fmt.Errorf("%w: %d records", ErrEncode, len(records))
	}
	prev := int32(-1)
	for i := range records {
		r := &records[i]
		if r.OffsetDelta <= prev {
			return 0, fmt.Errorf("%w: record %d has offset delta %d after %d", ErrEncode, i, r.OffsetDelta, prev)
		}
		prev = r.OffsetDelta
		if i == 0 || r.TimestampDelta > maxDelta {
			maxDelta = r.TimestampDelta
		}
	}
	return maxDelta, nil
}

// appendHeader appends the 61-byte header with zero length and CRC, which
// Encode fills in once the records are written.
func appendHeader(dst []byte, records []Record, opts EncodeOptions, maxDelta int64) []byte {
	attrs := uint16(CodecNone)
	if opts.Transactional {
		attrs |= attrTransactional
	}
	if opts.Control {
		attrs |= attrControl
	}
	pid, epoch, seq := int64(-1), int16(-1), int32(-1)
	if opts.Idempotent || opts.Transactional {
		pid, epoch, seq = opts.ProducerID, opts.ProducerEpoch, opts.BaseSequence
	}
	dst = binary.BigEndian.AppendUint64(dst, uint64(opts.BaseOffset))
	dst = binary.BigEndian.AppendUint32(dst, 0) // batchLength, set by Encode
	dst = binary.BigEndian.AppendUint32(dst, uint32(opts.PartitionLeaderEpoch))
	dst = append(dst, Magic)
	dst = binary.BigEndian.AppendUint32(dst, 0) // crc, set by Encode
	dst = binary.BigEndian.AppendUint16(dst, attrs)
	dst = binary.BigEndian.AppendUint32(dst, uint32(records[len(records)-1].OffsetDelta))
	dst = binary.BigEndian.AppendUint64(dst, uint64(opts.BaseTimestamp))
	dst = binary.BigEndian.AppendUint64(dst, uint64(opts.BaseTimestamp+maxDelta))
	dst = binary.BigEndian.AppendUint64(dst, uint64(pid))
	dst = binary.BigEndian.AppendUint16(dst, uint16(epoch))
	dst = binary.BigEndian.AppendUint32(dst, uint32(seq))
	return binary.BigEndian.AppendUint32(dst, uint32(len(records)))
}

// appendRecord appends r, length prefix first.
func appendRecord(dst []byte, r *Record) []byte {
	dst = binary.AppendVarint(dst, int64(recordBodySize(r)))
	dst = append(dst, byte(r.Attributes))
	dst = binary.AppendVarint(dst, r.TimestampDelta)
	dst = binary.AppendVarint(dst, int64(r.OffsetDelta))
	dst = appendNullableBytes(dst, r.Key)
	dst = appendNullableBytes(dst, r.Value)
	dst = binary.AppendVarint(dst, int64(len(r.Headers)))
	for i := range r.Headers {
		h := &r.Headers[i]
		dst = binary.AppendVarint(dst, int64(len(h.Key)))
		dst = append(dst, h.Key...)
		dst = appendNullableBytes(dst, h.Value)
	}
	return dst
}

// recordBodySize is the size of r's encoding after its length prefix.
func recordBodySize(r *Record) int {
	n := 1 + varintSize(r.TimestampDelta) + varintSize(int64(r.OffsetDelta)) +
		nullableBytesSize(r.Key) + nullableBytesSize(r.Value) + varintSize(int64(len(r.Headers)))
	for i := range r.Headers {
		h := &r.Headers[i]
		n += varintSize(int64(len(h.Key))) + len(h.Key) + nullableBytesSize(h.Value)
	}
	return n
}

// appendNullableBytes appends a varint length and b, or -1 for nil.
func appendNullableBytes(dst, b []byte) []byte {
	if b == nil {
		return binary.AppendVarint(dst, -1)
	}
	dst = binary.AppendVarint(dst, int64(len(b)))
	return append(dst, b...)
}

func nullableBytesSize(b []byte) int {
	if b == nil {
		return 1
	}
	return varintSize(int64(len(b))) + len(b)
}

// varintSize is the size of v as a zig-zag varint.
func varintSize(v int64) int {
	u := uint64(v<<1) ^ uint64(v>>63)
	return (bits.Len64(u|1) + 6) / 7
}
