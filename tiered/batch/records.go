package batch

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"
)

// ErrRecord reports a record that does not parse: a bad varint, a length
// that overruns the record, a negative length other than -1 for a null key
// or value, bytes left inside a record, or offset deltas that do not
// increase within the batch's range. It matches ErrCorrupt.
var ErrRecord = corruptError("batch: malformed record")

// Record is one record of a batch. Key and Value are nil for null and
// otherwise sub-slices of the batch or of its decompressed records.
type Record struct {
	Attributes     int8
	TimestampDelta int64
	OffsetDelta    int32
	Key, Value     []byte
	Headers        []RecordHeader
}

// RecordHeader is one header of a record. Value is nil for null.
type RecordHeader struct {
	Key   string
	Value []byte
}

// RecordReader decodes the records of one batch in order. It checks each
// record's framing as it goes and, at the end, that there were exactly
// NumRecords records and nothing after them.
//
//	r, err := batch.Records(b, maxDecompressed)
//	for rec, ok := r.Next(); ok; rec, ok = r.Next() { ... }
//	if err := r.Err(); err != nil { ... }
type RecordReader struct {
	h    Header
	rest []byte // records not yet decoded
	buf  []byte // decompressed records section, reused by Reset
	n    int32  // records decoded so far
	prev int32  // offset delta of the previous record, -1 before the first
	err  error
}

// Records returns a reader over the records of the whole batch b,
// decompressing its records section, if compressed, into at most
// maxDecompressed bytes. It checks the header's shape (as Validate does)
// but not the CRC: call Validate first on bytes that are not yet trusted.
func Records(b []byte, maxDecompressed int) (*RecordReader, error) {
	r := new(RecordReader)
	if err := r.Reset(b, maxDecompressed); err != nil {
		return nil, err
	}
	return r, nil
}

// Reset points r at the records of b, as Records does, reusing r's
// decompression buffer: keys and values of records read before the Reset
// may then change.
func (r *RecordReader) Reset(b []byte, maxDecompressed int) error {
	*r = RecordReader{buf: r.buf[:0], prev: -1}
	if r.err = r.reset(b, maxDecompressed); r.err != nil {
		r.rest = nil
	}
	return r.err
}

func (r *RecordReader) reset(b []byte, maxDecompressed int) error {
	h, err := parseWhole(b)
	if err != nil {
		return err
	}
	if err := h.check(); err != nil {
		return err
	}
	r.h = h
	r.rest = b[HeaderSize:]
	if codec := h.Codec(); codec != CodecNone {
		if r.buf, err = DecompressAppend(r.buf[:0], codec, r.rest, maxDecompressed); err != nil {
			return err
		}
		r.rest = r.buf
	}
	if int64(h.NumRecords)*MinRecordSize > int64(len(r.rest)) {
		return fmt.Errorf("%w: %d records cannot fit in %d bytes", ErrRecordCount, h.NumRecords, len(r.rest))
	}
	return nil
}

// Header is the header of the batch being read.
func (r *RecordReader) Header() Header { return r.h }

// Next decodes the next record. It returns false after the last record or
// at the first malformed one; Err then tells which.
func (r *RecordReader) Next() (Record, bool) {
	var rec Record
	if !r.more() {
		return rec, false
	}
	if r.err = r.next(&rec, true); r.err != nil {
		return Record{}, false
	}
	return rec, true
}

// Err is the error that stopped the reader, if any.
func (r *RecordReader) Err() error { return r.err }

// Timestamp is the timestamp of rec, a record of the batch being read: the
// batch's maxTimestamp if the batch has LogAppendTime, and otherwise its
// base timestamp plus the record's delta.
func (r *RecordReader) Timestamp(rec *Record) int64 {
	if r.h.LogAppendTime() {
		return r.h.MaxTimestamp
	}
	return r.h.BaseTimestamp + rec.TimestampDelta
}

// Offset is the offset of rec, a record of the batch being read.
func (r *RecordReader) Offset(rec *Record) int64 {
	return r.h.BaseOffset + int64(rec.OffsetDelta)
}

// more reports whether a record remains, recording in r.err any bytes left
// after the last one.
func (r *RecordReader) more() bool {
	if r.err != nil {
		return false
	}
	if r.n < r.h.NumRecords {
		return true
	}
	if len(r.rest) != 0 {
		r.err = fmt.Errorf("%w: %d bytes after the last record", ErrRecordCount, len(r.rest))
		r.rest = nil
	}
	return false
}

// next decodes the next record into rec, with its headers if withHeaders.
func (r *RecordReader) next(rec *Record, withHeaders bool) error {
	c := cursor{r.rest}
	l, ok := c.varint()
	if !ok || l < MinRecordSize-1 || int(l) > len(c.b) {
		return fmt.Errorf("%w: record %d has a bad length", ErrRecordCount, r.n)
	}
	if bad := parseRecord(c.b[:l], rec, withHeaders); bad != "" {
		return fmt.Errorf("%w: record %d: bad %s", ErrRecord, r.n, bad)
	}
	if rec.OffsetDelta <= r.prev || rec.OffsetDelta > r.h.LastOffsetDelta {
		return fmt.Errorf("%w: record %d: offset delta %d after %d, last %d",
			ErrRecord, r.n, rec.OffsetDelta, r.prev, r.h.LastOffsetDelta)
	}
	r.rest = c.b[l:]
	r.prev = rec.OffsetDelta
	r.n++
	return nil
}

// parseRecord decodes body, a record without its length prefix, into rec.
// It checks the headers but builds rec.Headers only if withHeaders. It
// returns the name of the first field that does not parse, or "".
func parseRecord(body []byte, rec *Record, withHeaders bool) (bad string) {
	c := cursor{body}
	rec.Attributes = int8(c.b[0]) // a record has at least MinRecordSize-1 bytes
	c.b = c.b[1:]
	var ok bool
	if rec.TimestampDelta, ok = c.varlong(); !ok {
		return "timestamp delta"
	}
	if rec.OffsetDelta, ok = c.varint(); !ok {
		return "offset delta"
	}
	if rec.Key, ok = c.bytes(true); !ok {
		return "key"
	}
	if rec.Value, ok = c.bytes(true); !ok {
		return "value"
	}
	n, ok := c.varint()
	if !ok || n < 0 || int(n) > len(c.b)/2 { // a header takes at least 2 bytes
		return "header count"
	}
	rec.Headers = nil
	if withHeaders && n > 0 {
		rec.Headers = make([]RecordHeader, n)
	}
	for i := range int(n) {
		key, ok := c.bytes(false)
		if !ok {
			return "header key"
		}
		value, ok := c.bytes(true)
		if !ok {
			return "header value"
		}
		if rec.Headers != nil {
			rec.Headers[i] = RecordHeader{Key: string(key), Value: value}
		}
	}
	if len(c.b) != 0 {
		return "record length"
	}
	return ""
}

// cursor reads the varint-encoded fields of a record.
type cursor struct{ b []byte }

// varlong reads a zig-zag varint of up to 64 bits.
func (c *cursor) varlong() (int64, bool) {
	v, n := binary.Varint(c.b)
	if n <= 0 {
		return 0, false
	}
	c.b = c.b[n:]
	return v, true
}

// varint reads a zig-zag varint that fits 32 bits, in at most 5 bytes.
func (c *cursor) varint() (int32, bool) {
	v, n := binary.Varint(c.b)
	if n <= 0 || n > binary.MaxVarintLen32 || v < math.MinInt32 || v > math.MaxInt32 {
		return 0, false
	}
	c.b = c.b[n:]
	return int32(v), true
}

// bytes reads a varint length and that many bytes. A length of -1 is null,
// allowed only if nullable; a non-null result is never nil.
func (c *cursor) bytes(nullable bool) ([]byte, bool) {
	l, ok := c.varint()
	switch {
	case !ok:
		return nil, false
	case l == -1 && nullable:
		return nil, true
	case l < 0 || int(l) > len(c.b):
		return nil, false
	}
	v := c.b[:l:l]
	c.b = c.b[l:]
	return v, true
}

// maxPooledBuffer bounds the decompression buffers kept for reuse.
const maxPooledBuffer = 4 << 20

var readers = sync.Pool{New: func() any { return new(RecordReader) }}

// withReader runs fn on a pooled reader reset to b.
func withReader(b []byte, maxDecompressed int, fn func(*RecordReader) error) error {
	r := readers.Get().(*RecordReader)
	defer func() {
		buf := r.buf
		*r = RecordReader{}
		if cap(buf) <= maxPooledBuffer {
			r.buf = buf[:0]
		}
		readers.Put(r)
	}()
	if err := r.Reset(b, maxDecompressed); err != nil {
		return err
	}
	return fn(r)
}

// CheckCompressed decodes every record of the batch b, decompressing its
// records section into at most maxDecompressed bytes, and checks the
// records' framing, their offset deltas and their count. The broker calls
// it on produce for compressed batches, whose records Validate cannot see;
// for an uncompressed batch it checks the records in place. Like Records,
// it does not check the CRC.
func CheckCompressed(b []byte, maxDecompressed int) error {
	return withReader(b, maxDecompressed, func(r *RecordReader) error {
		var rec Record
		for r.more() {
			if r.err = r.next(&rec, false); r.err != nil {
				break
			}
		}
		return r.err
	})
}

// OffsetForTimestamp finds the first record of the batch b, in offset
// order, whose timestamp is at least ts, and returns its offset and
// timestamp. In a LogAppendTime batch every record has the batch's
// maxTimestamp. found is false if no record qualifies; the records are then
// all checked, as CheckCompressed checks them. A caller that trusts the
// header's maxTimestamp can skip, without decompressing, a batch whose
// maxTimestamp is below ts.
func OffsetForTimestamp(b []byte, ts int64, maxDecompressed int) (offset, timestamp int64, found bool, err error) {
	err = withReader(b, maxDecompressed, func(r *RecordReader) error {
		var rec Record
		for r.more() {
			if r.err = r.next(&rec, false); r.err != nil {
				break
			}
			if t := r.Timestamp(&rec); t >= ts {
				offset, timestamp, found = r.Offset(&rec), t, true
				return nil
			}
		}
		return r.err
	})
	return offset, timestamp, found, err
}
