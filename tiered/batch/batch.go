package batch

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
)

// Sizes and field positions of the v2 batch header.
const (
	HeaderSize = 61 // bytes before the records section
	// LengthFieldEnd is the size of the baseOffset and batchLength fields,
	// the bytes that batchLength does not count.
	LengthFieldEnd = 12
	// MinRecordSize is the smallest encoding of one record: length,
	// attributes, timestamp delta, offset delta, key and value lengths and
	// header count, one byte each.
	MinRecordSize = 7

	offBaseOffset      = 0
	offLength          = 8
	offLeaderEpoch     = 12
	offMagic           = 16
	offCRC             = 17
	offAttributes      = 21
	offLastOffsetDelta = 23
	offBaseTimestamp   = 27
	offMaxTimestamp    = 35
	offProducerID      = 43
	offProducerEpoch   = 51
	offBaseSequence    = 53
	offRecordCount     = 57
)

// Attribute bits.
const (
	codecMask         = 0x07
	attrLogAppendTime = 0x08
	attrTransactional = 0x10
	attrControl       = 0x20
)

// Magic is the only record batch format version Strata accepts.
const Magic = 2

// ErrCorrupt is the class of every validation failure: a batch that does
// not parse, fails its CRC or contradicts itself. Test with errors.Is.
var ErrCorrupt = errors.New("batch: corrupt record batch")

// Specific validation failures; each also matches ErrCorrupt.
var (
	ErrShort       = corruptError("batch: shorter than its header or declared length")
	ErrMagic       = corruptError("batch: unsupported magic (only v2 batches are accepted)")
	ErrLength      = corruptError("batch: invalid batch length")
	ErrCRC         = corruptError("batch: CRC mismatch")
	ErrRecordCount = corruptError("batch: record count contradicts the batch")
	ErrCodec       = corruptError("batch: unknown compression codec")
	ErrOverflow    = corruptError("batch: offsets overflow")
)

type corruptErr struct{ msg string }

func corruptError(msg string) error        { return &corruptErr{msg} }
func (e *corruptErr) Error() string        { return e.msg }
func (e *corruptErr) Is(target error) bool { return target == ErrCorrupt }

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Codec is a batch's compression codec, attribute bits 0-2.
type Codec int8

// The codecs Kafka defines.
const (
	CodecNone   Codec = 0
	CodecGzip   Codec = 1
	CodecSnappy Codec = 2
	CodecLZ4    Codec = 3
	CodecZstd   Codec = 4
)

func (c Codec) String() string {
	switch c {
	case CodecNone:
		return "none"
	case CodecGzip:
		return "gzip"
	case CodecSnappy:
		return "snappy"
	case CodecLZ4:
		return "lz4"
	case CodecZstd:
		return "zstd"
	}
	return fmt.Sprintf("codec(%d)", int8(c))
}

// Header is the parsed 61-byte header of a v2 record batch.
type Header struct {
	BaseOffset           int64
	Length               int32 // the batchLength field: Size() - 12
	PartitionLeaderEpoch int32
	Magic                int8
	CRC                  uint32
	Attributes           int16
	LastOffsetDelta      int32
	BaseTimestamp        int64
	MaxTimestamp         int64
	ProducerID           int64
	ProducerEpoch        int16
	BaseSequence         int32
	NumRecords           int32
}

// Size is the batch's total size in bytes, header included.
func (h *Header) Size() int { return LengthFieldEnd + int(h.Length) }

// LastOffset is the offset of the batch's last record.
func (h *Header) LastOffset() int64 { return h.BaseOffset + int64(h.LastOffsetDelta) }

// NextOffset is the offset that follows the batch.
func (h *Header) NextOffset() int64 { return h.LastOffset() + 1 }

// Codec is the compression codec of the records section.
func (h *Header) Codec() Codec { return Codec(h.Attributes & codecMask) }

// LogAppendTime reports whether the batch's timestamps are the broker's
// append time (held in MaxTimestamp) rather than the producer's create time.
func (h *Header) LogAppendTime() bool { return h.Attributes&attrLogAppendTime != 0 }

// Transactional reports whether the batch belongs to a transaction.
func (h *Header) Transactional() bool { return h.Attributes&attrTransactional != 0 }

// Control reports whether the batch holds a control record (commit/abort).
func (h *Header) Control() bool { return h.Attributes&attrControl != 0 }

// Idempotent reports whether the batch carries a producer id and sequence.
func (h *Header) Idempotent() bool { return h.ProducerID >= 0 }

// ParseHeader decodes the header at the start of b. It checks only what is
// needed to frame the batch safely: that the header is there, the magic is
// 2 and the declared length covers at least a header. It does not require
// the whole batch to be in b; Validate does.
func ParseHeader(b []byte) (Header, error) {
	var h Header
	if len(b) < HeaderSize {
		return h, ErrShort
	}
	h.BaseOffset = int64(binary.BigEndian.Uint64(b[offBaseOffset:]))
	h.Length = int32(binary.BigEndian.Uint32(b[offLength:]))
	h.PartitionLeaderEpoch = int32(binary.BigEndian.Uint32(b[offLeaderEpoch:]))
	h.Magic = int8(b[offMagic])
	h.CRC = binary.BigEndian.Uint32(b[offCRC:])
	h.Attributes = int16(binary.BigEndian.Uint16(b[offAttributes:]))
	h.LastOffsetDelta = int32(binary.BigEndian.Uint32(b[offLastOffsetDelta:]))
	h.BaseTimestamp = int64(binary.BigEndian.Uint64(b[offBaseTimestamp:]))
	h.MaxTimestamp = int64(binary.BigEndian.Uint64(b[offMaxTimestamp:]))
	h.ProducerID = int64(binary.BigEndian.Uint64(b[offProducerID:]))
	h.ProducerEpoch = int16(binary.BigEndian.Uint16(b[offProducerEpoch:]))
	h.BaseSequence = int32(binary.BigEndian.Uint32(b[offBaseSequence:]))
	h.NumRecords = int32(binary.BigEndian.Uint32(b[offRecordCount:]))
	if h.Magic != Magic {
		return h, ErrMagic
	}
	if h.Length < HeaderSize-LengthFieldEnd {
		return h, ErrLength
	}
	return h, nil
}

// Validate checks that b holds exactly one well-formed v2 batch: the header
// parses, the declared length is len(b), the CRC matches, the codec is
// known, the offsets cannot overflow, and the record count agrees with the
// last offset delta. For uncompressed batches it also walks the record
// length prefixes and checks that exactly NumRecords records fill the
// records section; compressed sections are checked by CheckRecords after
// decompression.
//
// A count below lastOffsetDelta+1 is accepted, as compaction leaves such
// batches; producers must send dense batches (see Header.CheckProduced).
func Validate(b []byte) (Header, error) {
	h, err := parseWhole(b)
	if err != nil {
		return h, err
	}
	if crc32.Checksum(b[offAttributes:], castagnoli) != h.CRC {
		return h, ErrCRC
	}
	if err := h.check(); err != nil {
		return h, err
	}
	if h.Codec() == CodecNone {
		if err := CheckRecords(b[HeaderSize:], h.NumRecords); err != nil {
			return h, err
		}
	}
	return h, nil
}

// parseWhole parses the header at the start of b and checks that b is
// exactly the batch it frames.
func parseWhole(b []byte) (Header, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return h, err
	}
	if h.Size() != len(b) {
		if h.Size() > len(b) {
			return h, ErrShort
		}
		return h, fmt.Errorf("%w: %d bytes follow a %d-byte batch", ErrLength, len(b)-h.Size(), h.Size())
	}
	return h, nil
}

// check checks the header fields that must agree with each other and with
// the format: the codec, the record count and the offset range.
func (h *Header) check() error {
	if h.Codec() > CodecZstd {
		return ErrCodec
	}
	if h.LastOffsetDelta < 0 || h.NumRecords < 0 || int64(h.NumRecords) > int64(h.LastOffsetDelta)+1 {
		return ErrRecordCount
	}
	if h.BaseOffset < 0 || h.BaseOffset > math.MaxInt64-int64(h.LastOffsetDelta)-1 {
		return ErrOverflow
	}
	return nil
}

// CheckProduced reports whether a batch as a producer sent it is dense: at
// least one record, and exactly lastOffsetDelta+1 of them.
func (h *Header) CheckProduced() error {
	if h.NumRecords < 1 || int64(h.NumRecords) != int64(h.LastOffsetDelta)+1 {
		return fmt.Errorf("%w: %d records with last offset delta %d", ErrRecordCount, h.NumRecords, h.LastOffsetDelta)
	}
	return nil
}

// CheckRecords checks that an uncompressed records section holds exactly n
// length-prefixed records and nothing else. It reads only the length
// prefixes, so it costs one varint per record.
func CheckRecords(records []byte, n int32) error {
	if n < 0 || int64(n)*MinRecordSize > int64(len(records)) {
		return ErrRecordCount
	}
	for i := int32(0); i < n; i++ {
		l, used := binary.Varint(records)
		if used <= 0 || used > binary.MaxVarintLen32 || l < MinRecordSize-1 || l > int64(len(records)-used) {
			return fmt.Errorf("%w: record %d has a bad length", ErrRecordCount, i)
		}
		records = records[used+int(l):]
	}
	if len(records) != 0 {
		return fmt.Errorf("%w: %d bytes after the last record", ErrRecordCount, len(records))
	}
	return nil
}

// SetBaseOffset rewrites the batch's base offset in place. The CRC does not
// cover it.
func SetBaseOffset(b []byte, offset int64) {
	binary.BigEndian.PutUint64(b[offBaseOffset:], uint64(offset))
}

// SetPartitionLeaderEpoch rewrites the batch's leader epoch in place. The
// CRC does not cover it.
func SetPartitionLeaderEpoch(b []byte, epoch int32) {
	binary.BigEndian.PutUint32(b[offLeaderEpoch:], uint32(epoch))
}

// SetLogAppendTime marks the batch's timestamps as the broker's append time
// ts (milliseconds since the epoch), stored in maxTimestamp, and recomputes
// the CRC.
func SetLogAppendTime(b []byte, ts int64) {
	attrs := binary.BigEndian.Uint16(b[offAttributes:]) | attrLogAppendTime
	binary.BigEndian.PutUint16(b[offAttributes:], attrs)
	binary.BigEndian.PutUint64(b[offMaxTimestamp:], uint64(ts))
	binary.BigEndian.PutUint32(b[offCRC:], crc32.Checksum(b[offAttributes:], castagnoli))
}

// Iter walks a buffer of concatenated batches, framing each by its header
// without validating its CRC. Next returns false at the end of the buffer or
// at the first batch that does not frame; Err then tells which. A partial
// batch at the end of the buffer is reported by Partial rather than as an
// error, since reads that stop at a byte limit leave one.
type Iter struct {
	buf     []byte
	pos     int
	err     error
	partial bool
}

// NewIter returns an iterator over the batches in buf.
func NewIter(buf []byte) *Iter { return &Iter{buf: buf} }

// Next returns the next batch's header and bytes.
func (it *Iter) Next() (Header, []byte, bool) {
	rest := it.buf[it.pos:]
	if len(rest) == 0 || it.err != nil {
		return Header{}, nil, false
	}
	h, err := ParseHeader(rest)
	if errors.Is(err, ErrShort) || (err == nil && h.Size() > len(rest)) {
		it.partial = true
		return h, nil, false
	}
	if err != nil {
		it.err = err
		return h, nil, false
	}
	b := rest[:h.Size()]
	it.pos += h.Size()
	return h, b, true
}

// Pos is the byte position of the next batch in the buffer.
func (it *Iter) Pos() int { return it.pos }

// Partial reports whether the walk stopped at an incomplete trailing batch.
func (it *Iter) Partial() bool { return it.partial }

// Err is the framing error that stopped the walk, if any.
func (it *Iter) Err() error { return it.err }
