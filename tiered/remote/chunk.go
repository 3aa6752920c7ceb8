package remote

import (
	"bytes"
	"fmt"
	"io"
	"sync"

	"github.com/pierrec/lz4/v4"

	"github.com/strata-streaming/strata/tiered/batch"
)

// DefaultMaxChunkBytes is the default cap on a chunk's decoded length that
// a reader accepts, and on a batch a writer accepts. It must be at least
// the largest batch any topic allows (max.message.bytes).
const DefaultMaxChunkBytes = 128 << 20

// lz4Writers are frame encoders set, once per chunk, to the options doc.go
// specifies.
var lz4Writers = sync.Pool{New: func() any { return lz4.NewWriter(nil) }}

// lz4Readers are frame decoders; a reader keeps no options.
var lz4Readers = sync.Pool{New: func() any { return lz4.NewReader(nil) }}

// lz4BlockSize is the frame's block size for a chunk of n raw bytes: the
// smallest that holds the chunk in one block, so a decoder's buffer is no
// larger than it needs, and 4 MiB blocks for larger chunks.
func lz4BlockSize(n int) lz4.BlockSize {
	for _, s := range []lz4.BlockSize{lz4.Block64Kb, lz4.Block256Kb, lz4.Block1Mb} {
		if n <= int(s) {
			return s
		}
	}
	return lz4.Block4Mb
}

// compressLZ4 appends raw's lz4 frame to dst.
func compressLZ4(dst, raw []byte) ([]byte, error) {
	zw := lz4Writers.Get().(*lz4.Writer)
	defer lz4Writers.Put(zw)
	buf := bytes.NewBuffer(dst)
	zw.Reset(buf)
	defer zw.Reset(nil)
	if err := zw.Apply(lz4.BlockSizeOption(lz4BlockSize(len(raw))), lz4.ChecksumOption(false)); err != nil {
		return dst, fmt.Errorf("lz4 options: %w", err)
	}
	if _, err := zw.Write(raw); err != nil {
		return dst, fmt.Errorf("lz4 compress: %w", err)
	}
	if err := zw.Close(); err != nil {
		return dst, fmt.Errorf("lz4 compress: %w", err)
	}
	return buf.Bytes(), nil
}

// DecodeChunk checks a stored chunk against its index entry and returns its
// batches. It refuses an entry whose raw length exceeds maxBytes with
// ErrChunkTooLarge before reading anything, checks the length and CRC-32C
// of stored, decodes it, and checks that the result is exactly RawLength
// bytes of BatchCount batches spanning FirstOffset to LastOffset. Every
// other failure matches ErrCorrupt.
//
// An uncompressed chunk is returned as stored itself. An lz4 chunk is
// decoded into dst when cap(dst) is at least RawLength, else into a new
// slice of exactly RawLength bytes: the entry's claim, already bounded by
// maxBytes, is the most DecodeChunk allocates.
func DecodeChunk(stored []byte, e ChunkEntry, dst []byte, maxBytes int) ([]byte, error) {
	if e.RawLength < 0 || e.StoredLength < 0 {
		return nil, fmt.Errorf("%w: chunk at byte %d has a negative length", ErrCorrupt, e.Position)
	}
	if e.RawLength > maxBytes {
		return nil, fmt.Errorf("%w: chunk at byte %d decodes to %d bytes, the limit is %d",
			ErrChunkTooLarge, e.Position, e.RawLength, maxBytes)
	}
	if len(stored) != e.StoredLength {
		return nil, fmt.Errorf("%w: chunk at byte %d is %d bytes, the index says %d", ErrCorrupt, e.Position, len(stored), e.StoredLength)
	}
	if crc := crc32c(stored); crc != e.CRC {
		return nil, fmt.Errorf("%w: chunk at byte %d has CRC %08x, the index says %08x", ErrCorrupt, e.Position, crc, e.CRC)
	}
	if err := e.checkCodec(); err != nil {
		return nil, err
	}
	raw := stored
	if e.Codec == CodecLZ4 {
		var err error
		if raw, err = decompressLZ4(stored, e.RawLength, dst); err != nil {
			return nil, fmt.Errorf("chunk at byte %d: %w", e.Position, err)
		}
	}
	if err := checkChunkBatches(raw, &e); err != nil {
		return nil, fmt.Errorf("chunk at byte %d: %w", e.Position, err)
	}
	return raw, nil
}

// decompressLZ4 decodes the lz4 frame in stored, which must decode to
// exactly n bytes, into dst or a new slice of n bytes.
func decompressLZ4(stored []byte, n int, dst []byte) ([]byte, error) {
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	dst = dst[:n]
	zr := lz4Readers.Get().(*lz4.Reader)
	defer lz4Readers.Put(zr)
	zr.Reset(bytes.NewReader(stored))
	defer zr.Reset(nil)
	if _, err := io.ReadFull(zr, dst); err != nil {
		return nil, fmt.Errorf("%w: lz4 frame does not decode to %d bytes: %v", ErrCorrupt, n, err)
	}
	var extra [1]byte
	if m, err := zr.Read(extra[:]); m != 0 || err != io.EOF {
		return nil, fmt.Errorf("%w: lz4 frame decodes to more than %d bytes or ends badly", ErrCorrupt, n)
	}
	return dst, nil
}

// checkChunkBatches checks that raw frames as the batches the entry
// describes, reading only their headers.
func checkChunkBatches(raw []byte, e *ChunkEntry) error {
	it := batch.NewIter(raw)
	count, prevLast, maxTs := 0, int64(-1), int64(0)
	for h, _, ok := it.Next(); ok; h, _, ok = it.Next() {
		if (count == 0 && h.BaseOffset != e.FirstOffset) || h.BaseOffset <= prevLast {
			return fmt.Errorf("%w: batch at offset %d out of place", ErrCorrupt, h.BaseOffset)
		}
		if count == 0 || h.MaxTimestamp > maxTs {
			maxTs = h.MaxTimestamp
		}
		count, prevLast = count+1, h.LastOffset()
	}
	switch {
	case it.Err() != nil || it.Partial():
		return fmt.Errorf("%w: batches do not frame after byte %d: %v", ErrCorrupt, it.Pos(), it.Err())
	case count == 0 || count != e.BatchCount || prevLast != e.LastOffset || maxTs != e.MaxTimestamp:
		return fmt.Errorf("%w: %d batches up to offset %d with max timestamp %d, the index says %d up to %d with %d",
			ErrCorrupt, count, prevLast, maxTs, e.BatchCount, e.LastOffset, e.MaxTimestamp)
	}
	return nil
}
