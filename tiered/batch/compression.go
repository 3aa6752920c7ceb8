package batch

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// ErrTooLarge reports a records section that decompresses to more than the
// caller's limit. It is not in the ErrCorrupt class: the section may be
// well formed, only too large for this broker.
var ErrTooLarge = errors.New("batch: decompressed records exceed the limit")

// ErrDecompress reports a records section that does not decode with its
// batch's codec. It matches ErrCorrupt.
var ErrDecompress = corruptError("batch: records section does not decompress")

// Decompress decodes a records section compressed with codec, refusing with
// ErrTooLarge one that decodes to more than maxSize bytes. The result is a
// new slice, also for CodecNone.
func Decompress(codec Codec, src []byte, maxSize int) ([]byte, error) {
	return DecompressAppend(nil, codec, src, maxSize)
}

// DecompressAppend is Decompress appending to dst, so that a caller may
// reuse one buffer; maxSize bounds the bytes appended, not len(dst). On
// error it returns dst with its length unchanged, though bytes past the
// length may have been overwritten.
//
// The decoders never hold much more than maxSize bytes of output: gzip and
// lz4 stream into a buffer bounded by maxSize; snappy, and zstd when the
// frame declares its size, check the declared size before allocating; and
// zstd otherwise decodes into a buffer of at most maxSize plus one 128 KiB
// block. Each codec also keeps a fixed amount of reusable working memory
// (for lz4, up to two buffers of the 4 MiB block size a frame may declare). A maxSize above 2 GiB - 1, more than any
// records section holds, is taken as 2 GiB - 1.
func DecompressAppend(dst []byte, codec Codec, src []byte, maxSize int) ([]byte, error) {
	maxSize = clampLimit(maxSize, len(dst))
	switch codec {
	case CodecNone:
		if len(src) > maxSize {
			return dst, tooLarge(codec, maxSize)
		}
		return append(dst, src...), nil
	case CodecGzip:
		return decompressGzip(dst, src, maxSize)
	case CodecSnappy:
		return decompressSnappy(dst, src, maxSize)
	case CodecLZ4:
		return decompressLZ4(dst, src, maxSize)
	case CodecZstd:
		return decompressZstd(dst, src, maxSize)
	}
	return dst, fmt.Errorf("%w: %s", ErrCodec, codec)
}

// Compress appends src compressed with codec to dst. Snappy is written as a
// raw block, which every Kafka client and broker reads; lz4 as a frame of
// 64 KiB blocks, as the Java client writes it.
func Compress(codec Codec, dst, src []byte) ([]byte, error) {
	switch codec {
	case CodecNone:
		return append(dst, src...), nil
	case CodecGzip:
		return compressGzip(dst, src)
	case CodecSnappy:
		return compressSnappy(dst, src), nil
	case CodecLZ4:
		return compressLZ4(dst, src)
	case CodecZstd:
		return zstdEncoder().EncodeAll(src, dst), nil
	}
	return dst, fmt.Errorf("%w: %s", ErrCodec, codec)
}

// clampLimit bounds maxSize to 0..2 GiB-1 and to what a buffer of n bytes
// can grow by, with the zstd slack, without overflowing an int.
func clampLimit(maxSize, n int) int {
	return max(0, min(maxSize, math.MaxInt32, math.MaxInt-n-zstdSlack))
}

func tooLarge(codec Codec, maxSize int) error {
	return fmt.Errorf("%w: %s records over %d bytes", ErrTooLarge, codec, maxSize)
}

func decodeError(codec Codec, err error) error {
	return fmt.Errorf("%w: %s: %v", ErrDecompress, codec, err)
}

// minReadSize is the smallest buffer a streaming decode starts with.
const minReadSize = 4 << 10

// readSizeHint guesses the decoded size of a section of n compressed bytes
// when the section does not declare it.
func readSizeHint(n, maxSize int) int {
	return min(maxSize, max(4*n, minReadSize))
}

// readCapped appends what r decodes to dst, starting with room for hint
// bytes and growing only as the output does, never past maxSize bytes; it
// fails with ErrTooLarge if r has more.
func readCapped(dst []byte, r io.Reader, codec Codec, maxSize, hint int) ([]byte, error) {
	limit := len(dst) + maxSize
	out := slices.Grow(dst, hint)
	for {
		room := out[len(out):min(cap(out), limit)]
		if len(room) == 0 {
			// Full: read one byte ahead before growing, so that an exact
			// hint costs no reallocation and the limit is exact.
			var one [1]byte
			if _, err := io.ReadFull(r, one[:]); err == io.EOF {
				return out, nil
			} else if err != nil {
				return dst, decodeError(codec, err)
			}
			if len(out) == limit {
				return dst, tooLarge(codec, maxSize)
			}
			grow := min(max(len(out)-len(dst), minReadSize), limit-len(out))
			out = append(slices.Grow(out, grow), one[0])
			continue
		}
		n, err := r.Read(room)
		out = out[:len(out)+n]
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return dst, decodeError(codec, err)
		}
	}
}

// gzipReader is pooled with the bytes.Reader it reads from.
type gzipReader struct {
	zr  gzip.Reader
	src bytes.Reader
}

var gzipReaders = sync.Pool{New: func() any { return new(gzipReader) }}

func decompressGzip(dst, src []byte, maxSize int) ([]byte, error) {
	r := gzipReaders.Get().(*gzipReader)
	defer func() {
		r.src.Reset(nil)
		gzipReaders.Put(r)
	}()
	r.src.Reset(src)
	if err := r.zr.Reset(&r.src); err != nil {
		return dst, decodeError(CodecGzip, err)
	}
	return readCapped(dst, &r.zr, CodecGzip, maxSize, gzipSizeHint(src, maxSize))
}

// gzipSizeHint reads the decoded size from the gzip trailer (ISIZE, the
// size modulo 2^32 of the last member), trusting it no further than
// maxSize and deflate's best ratio of about 1032:1 allow.
func gzipSizeHint(src []byte, maxSize int) int {
	if len(src) < 18 {
		return readSizeHint(len(src), maxSize)
	}
	isize := int64(binary.LittleEndian.Uint32(src[len(src)-4:]))
	return int(min(isize, int64(maxSize), 1032*int64(len(src))))
}

// decompressLZ4 uses a new reader each time: a pooled one would carry the
// previous section's history into the next, letting a hostile frame
// reference bytes before its start. The block buffers come from the lz4
// package's pools.
func decompressLZ4(dst, src []byte, maxSize int) ([]byte, error) {
	zr := lz4.NewReader(bytes.NewReader(src))
	defer zr.Reset(nil) // returns the block buffer to lz4's pool
	return readCapped(dst, zr, CodecLZ4, maxSize, readSizeHint(len(src), maxSize))
}

// xerialMagic starts a snappy section framed the way the Java client's
// xerial SnappyOutputStream writes it; the magic is followed by two 4-byte
// version fields, then blocks that are each a 4-byte big-endian length and
// a raw snappy block. No raw snappy block starts with the magic.
var xerialMagic = []byte("\x82SNAPPY\x00")

const xerialHeaderSize = 16

func decompressSnappy(dst, src []byte, maxSize int) ([]byte, error) {
	if len(src) >= xerialHeaderSize && bytes.HasPrefix(src, xerialMagic) {
		return decompressXerial(dst, src[xerialHeaderSize:], maxSize)
	}
	n, err := snappy.DecodedLen(src)
	if err != nil {
		return dst, decodeError(CodecSnappy, err)
	}
	if n > maxSize {
		return dst, tooLarge(CodecSnappy, maxSize)
	}
	return appendSnappyBlock(slices.Grow(dst, n), src, n)
}

// appendSnappyBlock decodes block, of decoded length n, into dst's spare
// capacity, which must hold n bytes. The strict decoder accepts only
// standard snappy, which every consumer can read.
func appendSnappyBlock(dst, block []byte, n int) ([]byte, error) {
	if _, err := snappy.DecodeStrict(dst[len(dst):len(dst)+n], block); err != nil {
		return dst, decodeError(CodecSnappy, err)
	}
	return dst[:len(dst)+n], nil
}

// decompressXerial decodes xerial blocks. A first pass sums the decoded
// lengths the blocks declare, so that the limit is checked and dst grows
// once before anything is decoded.
func decompressXerial(dst, blocks []byte, maxSize int) ([]byte, error) {
	total := 0
	for rest := blocks; len(rest) > 0; {
		block, next, err := nextXerialBlock(rest)
		if err != nil {
			return dst, err
		}
		n, err := snappy.DecodedLen(block)
		if err != nil {
			return dst, decodeError(CodecSnappy, err)
		}
		if n > maxSize-total {
			return dst, tooLarge(CodecSnappy, maxSize)
		}
		total += n
		rest = next
	}
	out := slices.Grow(dst, total)
	for len(blocks) > 0 {
		block, next, _ := nextXerialBlock(blocks)
		n, _ := snappy.DecodedLen(block)
		var err error
		if out, err = appendSnappyBlock(out, block, n); err != nil {
			return dst, err
		}
		blocks = next
	}
	return out, nil
}

var errXerialFraming = errors.New("xerial block overruns the section")

// nextXerialBlock splits the length-prefixed block at the start of b from
// the blocks that follow it.
func nextXerialBlock(b []byte) (block, rest []byte, err error) {
	if len(b) < 4 {
		return nil, nil, decodeError(CodecSnappy, errXerialFraming)
	}
	n := binary.BigEndian.Uint32(b)
	b = b[4:]
	if uint64(n) > uint64(len(b)) {
		return nil, nil, decodeError(CodecSnappy, errXerialFraming)
	}
	return b[:n], b[n:], nil
}

// zstdDecoder serves every zstd decode. DecodeAll runs up to GOMAXPROCS
// decodes at once and, with the cap limit, never writes past the capacity
// of the buffer it is given; the output is its own window, so a frame's
// declared window size allocates nothing.
var zstdDecoder = sync.OnceValue(func() *zstd.Decoder {
	d, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(0),
		zstd.WithDecodeAllCapLimit(true),
		zstd.WithDecoderMaxMemory(1<<40),
	)
	if err != nil {
		panic("batch: zstd decoder options: " + err.Error())
	}
	return d
})

// zstdSlack is room for one more block (and the decoder's copy overrun)
// past the size a decode aims at, so that a decode that fails within that
// size fails for corruption and not for want of room.
const zstdSlack = 128<<10 + 64

// decompressZstd decodes into a buffer sized to the frame's declared
// content size when it has one (refusing one over maxSize before
// allocating), and otherwise to a guess that grows fourfold, up to
// maxSize, each time the output outgrows it; a retry decodes again, so
// the guess grows fast. A decode that stops within the size aimed
// at, other than for a size check, is corrupt; one that had no slack is
// first retried with it, in case a later frame of the section declares no
// size.
func decompressZstd(dst, src []byte, maxSize int) ([]byte, error) {
	size, slack := readSizeHint(len(src), maxSize), zstdSlack
	var fh zstd.Header
	if fh.Decode(src) == nil && fh.HasFCS {
		if fh.FrameContentSize > uint64(maxSize) {
			return dst, tooLarge(CodecZstd, maxSize)
		}
		size, slack = int(fh.FrameContentSize), 0
	}
	buf := dst
	for {
		buf = slices.Grow(buf[:len(dst)], size+slack)
		out, err := zstdDecoder().DecodeAll(src, buf[:len(dst):len(dst)+size+slack])
		n := len(out) - len(dst)
		switch {
		case err == nil && n <= maxSize:
			return out, nil
		case err == nil || errors.Is(err, zstd.ErrDecoderSizeExceeded) || n > size:
			if size >= maxSize {
				return dst, tooLarge(CodecZstd, maxSize)
			}
			size += min(3*max(size, minReadSize), maxSize-size)
		case slack == 0:
			slack = zstdSlack
		default:
			return dst, decodeError(CodecZstd, err)
		}
	}
}

var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(io.Discard) }}

func compressGzip(dst, src []byte) ([]byte, error) {
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	buf := bytes.NewBuffer(dst)
	zw.Reset(buf)
	_, err := zw.Write(src)
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	zw.Reset(io.Discard)
	if err != nil {
		return dst, fmt.Errorf("batch: gzip: %w", err)
	}
	return buf.Bytes(), nil
}

func compressSnappy(dst, src []byte) []byte {
	n := s2.MaxEncodedLen(len(src))
	out := slices.Grow(dst, n)
	block := s2.EncodeSnappy(out[len(dst):len(dst)+n], src)
	return out[:len(dst)+len(block)]
}

var lz4Writers = sync.Pool{New: func() any {
	zw := lz4.NewWriter(io.Discard)
	// Kafka's Java client writes 64 KiB blocks; the option cannot fail on
	// a new writer.
	_ = zw.Apply(lz4.BlockSizeOption(lz4.Block64Kb))
	return zw
}}

func compressLZ4(dst, src []byte) ([]byte, error) {
	zw := lz4Writers.Get().(*lz4.Writer)
	defer lz4Writers.Put(zw)
	buf := bytes.NewBuffer(dst)
	zw.Reset(buf)
	_, err := zw.Write(src)
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	zw.Reset(io.Discard)
	if err != nil {
		return dst, fmt.Errorf("batch: lz4: %w", err)
	}
	return buf.Bytes(), nil
}

// zstdEncoder serves every zstd compression; EncodeAll is safe for
// concurrent use. Empty input still makes a frame, which older decoders
// require.
var zstdEncoder = sync.OnceValue(func() *zstd.Encoder {
	e, err := zstd.NewWriter(nil, zstd.WithZeroFrames(true))
	if err != nil {
		panic("batch: zstd encoder options: " + err.Error())
	}
	return e
})
