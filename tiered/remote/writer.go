package remote

import (
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"time"

	"github.com/strata-streaming/strata/tiered/batch"
)

// ObjectInfo is what a SegmentWriter reports once the object is complete:
// the footer's metadata and what the uploader needs for Bucket.Put and the
// manifest entry.
type ObjectInfo struct {
	Meta             SegmentMeta
	Size             int64  // bytes of the whole object
	CRC32C           CRC32C // of the whole object
	Chunks           int    // chunks in the object
	CompressedChunks int    // of which stored as lz4
}

// Segment returns the partition manifest entry for the object, uploaded
// under key at uploadTime.
func (o *ObjectInfo) Segment(key string, uploadTime time.Time) Segment {
	m := &o.Meta
	return Segment{
		BaseOffset:       m.BaseOffset,
		LastOffset:       m.LastOffset,
		NextOffset:       m.NextOffset,
		FirstLeaderEpoch: m.FirstLeaderEpoch(),
		LastLeaderEpoch:  m.LastLeaderEpoch(),
		MinTimestamp:     m.MinTimestamp,
		MaxTimestamp:     m.MaxTimestamp,
		BatchBytes:       m.BatchBytes,
		ObjectSize:       o.Size,
		ObjectCRC32C:     o.CRC32C,
		Key:              key,
		UploadTime:       uploadTime.UTC(),
	}
}

// SegmentWriter writes one segment object to an io.Writer as its batches
// are added, holding at most one chunk (raw and compressed) in memory.
// Batches must come in offset order. It is not safe for concurrent use.
type SegmentWriter struct {
	out     objectWriter
	cfg     WriterConfig
	base    int64
	chunk   chunkBuilder
	scratch []byte // the compressed chunk
	footer  Footer
	info    ObjectInfo
	started bool  // a batch has been added
	err     error // sticky: ErrWriterDone after Finish, or the write error
}

// NewSegmentWriter returns a writer of the object for the segment whose
// base offset is base (the hot tier's name for it; every batch must be at
// or above it), or -1 to use the first batch's base offset.
func NewSegmentWriter(w io.Writer, base int64, cfg WriterConfig) (*SegmentWriter, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &SegmentWriter{out: objectWriter{w: w}, cfg: cfg, base: base}, nil
}

// Add appends one record batch. It validates the batch (framing, CRC,
// record count, see batch.Validate) and its place after the previous one:
// offsets strictly increasing, at or above the segment's base offset, and
// a leader epoch that never decreases. A rejected batch leaves the writer
// as it was; a failed write to the destination ends it.
func (w *SegmentWriter) Add(b []byte) error {
	if w.err != nil {
		return w.err
	}
	if len(b) > w.cfg.MaxBatchBytes {
		return fmt.Errorf("%w: batch of %d bytes, the limit is %d", ErrChunkTooLarge, len(b), w.cfg.MaxBatchBytes)
	}
	h, err := batch.Validate(b)
	if err != nil {
		return fmt.Errorf("add batch: %w", err)
	}
	if err := w.checkOrder(&h); err != nil {
		return err
	}
	if w.chunk.len() > 0 && w.chunk.len()+len(b) > w.cfg.ChunkBytes {
		if err := w.flushChunk(); err != nil {
			return err
		}
	}
	w.chunk.add(&h, b)
	w.account(&h, len(b))
	if w.chunk.len() >= w.cfg.ChunkBytes {
		return w.flushChunk()
	}
	return nil
}

// checkOrder checks that the batch h may follow the batches added so far.
func (w *SegmentWriter) checkOrder(h *batch.Header) error {
	m := &w.footer.Meta
	switch {
	case !w.started && w.base >= 0 && h.BaseOffset < w.base:
		return fmt.Errorf("%w: first batch at offset %d, below the segment base %d", ErrBatchOrder, h.BaseOffset, w.base)
	case !w.started:
		return nil
	case h.BaseOffset <= m.LastOffset:
		return fmt.Errorf("%w: batch at offset %d after offset %d", ErrBatchOrder, h.BaseOffset, m.LastOffset)
	case h.PartitionLeaderEpoch < m.LastLeaderEpoch():
		return fmt.Errorf("%w: leader epoch %d after epoch %d", ErrBatchOrder, h.PartitionLeaderEpoch, m.LastLeaderEpoch())
	}
	return nil
}

// account adds the batch h of size bytes to the segment's metadata.
func (w *SegmentWriter) account(h *batch.Header, size int) {
	m := &w.footer.Meta
	first := batchFirstTimestamp(h)
	if !w.started {
		w.started = true
		if m.BaseOffset = w.base; w.base < 0 {
			m.BaseOffset = h.BaseOffset
		}
		m.MinTimestamp, m.MaxTimestamp, m.MaxTimestampOffset = first, h.MaxTimestamp, h.BaseOffset
	}
	if h.MaxTimestamp > m.MaxTimestamp {
		m.MaxTimestamp, m.MaxTimestampOffset = h.MaxTimestamp, h.BaseOffset
	}
	m.MinTimestamp = min(m.MinTimestamp, first)
	if n := len(m.LeaderEpochs); n == 0 || m.LeaderEpochs[n-1].Epoch != h.PartitionLeaderEpoch {
		m.LeaderEpochs = append(m.LeaderEpochs, EpochEntry{Epoch: h.PartitionLeaderEpoch, StartOffset: h.BaseOffset})
	}
	m.LastOffset = h.LastOffset()
	m.BatchBytes += int64(size)
	m.RecordCount += int64(h.NumRecords)
	m.BatchCount++
}

// batchFirstTimestamp is the timestamp of a batch's first record as far as
// its header tells: the append time for LogAppendTime batches, else the
// base timestamp.
func batchFirstTimestamp(h *batch.Header) int64 {
	if h.LogAppendTime() {
		return h.MaxTimestamp
	}
	return h.BaseTimestamp
}

// flushChunk stores the chunk being built and indexes it.
func (w *SegmentWriter) flushChunk() error {
	codec, frame, err := w.cfg.Compression.encode(&w.chunk, w.scratch[:0])
	if err != nil {
		return w.fail(err)
	}
	if frame != nil {
		w.scratch = frame[:0]
	}
	stored := w.chunk.buf
	if codec == CodecLZ4 {
		stored = frame
		w.info.CompressedChunks++
	}
	e := w.chunk.entry(codec, stored, w.out.n)
	if err := w.out.write(stored); err != nil {
		return w.fail(err)
	}
	w.footer.Chunks = append(w.footer.Chunks, e)
	w.chunk.reset()
	return nil
}

// Finish stores the last chunk, writes the footer and the trailer and
// reports the object. It fails with ErrEmptySegment when no batch was
// added. The writer accepts nothing afterwards.
func (w *SegmentWriter) Finish() (ObjectInfo, error) {
	if w.err != nil {
		return ObjectInfo{}, w.err
	}
	if !w.started {
		return ObjectInfo{}, ErrEmptySegment
	}
	if w.chunk.len() > 0 {
		if err := w.flushChunk(); err != nil {
			return ObjectInfo{}, err
		}
	}
	m := &w.footer.Meta
	if m.LastOffset == math.MaxInt64 {
		return ObjectInfo{}, w.fail(fmt.Errorf("%w: last offset %d has no next offset", ErrBatchOrder, m.LastOffset))
	}
	m.NextOffset = m.LastOffset + 1
	footer := w.footer.AppendTo(w.scratch[:0])
	if len(footer) > MaxFooterBytes {
		return ObjectInfo{}, w.fail(fmt.Errorf("%w: footer of %d chunks is %d bytes, the format allows %d",
			ErrChunkTooLarge, len(w.footer.Chunks), len(footer), MaxFooterBytes))
	}
	trailer := Trailer{Version: Version, FooterLength: uint32(len(footer)), FooterCRC: crc32c(footer)}
	if err := w.out.write(trailer.AppendTo(footer)); err != nil {
		return ObjectInfo{}, w.fail(err)
	}
	w.info.Meta, w.info.Size, w.info.CRC32C, w.info.Chunks = *m, w.out.n, CRC32C(w.out.crc), len(w.footer.Chunks)
	w.err = fmt.Errorf("%w: Finish was called", ErrWriterDone)
	return w.info, nil
}

// fail ends the writer with err.
func (w *SegmentWriter) fail(err error) error {
	w.err = fmt.Errorf("%w: %w", ErrWriterDone, err)
	return err
}

// objectWriter writes the object, counting its bytes and its CRC-32C.
type objectWriter struct {
	w   io.Writer
	n   int64
	crc uint32
}

func (o *objectWriter) write(b []byte) error {
	n, err := o.w.Write(b)
	o.n += int64(n)
	o.crc = crc32.Update(o.crc, castagnoli, b[:n])
	if err == nil && n != len(b) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return fmt.Errorf("write segment object: %w", err)
	}
	return nil
}

// chunkBuilder gathers the batches of one chunk.
type chunkBuilder struct {
	buf        []byte
	first      int64
	last       int64
	maxTs      int64
	batches    int
	plainBytes int // bytes of batches whose records are not compressed
}

func (c *chunkBuilder) len() int { return len(c.buf) }

func (c *chunkBuilder) add(h *batch.Header, b []byte) {
	if c.batches == 0 {
		c.first, c.maxTs = h.BaseOffset, h.MaxTimestamp
	}
	c.maxTs = max(c.maxTs, h.MaxTimestamp)
	c.last = h.LastOffset()
	c.batches++
	if h.Codec() == batch.CodecNone {
		c.plainBytes += len(b)
	}
	c.buf = append(c.buf, b...)
}

// entry returns the index entry of the chunk stored as stored at pos.
func (c *chunkBuilder) entry(codec Codec, stored []byte, pos int64) ChunkEntry {
	return ChunkEntry{
		FirstOffset:  c.first,
		LastOffset:   c.last,
		MaxTimestamp: c.maxTs,
		Position:     pos,
		StoredLength: len(stored),
		RawLength:    len(c.buf),
		BatchCount:   c.batches,
		CRC:          crc32c(stored),
		Codec:        codec,
	}
}

func (c *chunkBuilder) reset() {
	*c = chunkBuilder{buf: c.buf[:0]}
}
