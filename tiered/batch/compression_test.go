package batch_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/strata-streaming/strata/tiered/batch"
)

// testInputs are sections of several shapes: empty, tiny, compressible
// across many blocks, and incompressible.
func testInputs() map[string][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 200<<10)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	text := bytes.Repeat([]byte("strata stores kafka record batches; "), 10_000)
	return map[string][]byte{"empty": {}, "one byte": {'x'}, "text": text, "random": random}
}

func TestCompressRoundTrip(t *testing.T) {
	for name, src := range testInputs() {
		for _, codec := range codecs {
			comp, err := batch.Compress(codec, []byte("prefix"), src)
			if err != nil || !bytes.HasPrefix(comp, []byte("prefix")) {
				t.Fatalf("%s/%s: Compress: %v", codec, name, err)
			}
			got, err := batch.Decompress(codec, comp[len("prefix"):], len(src))
			if err != nil {
				t.Fatalf("%s/%s: Decompress: %v", codec, name, err)
			}
			if !bytes.Equal(got, src) {
				t.Fatalf("%s/%s: round trip differs: %d bytes, want %d", codec, name, len(got), len(src))
			}
		}
	}
}

// franzCompress compresses src as a franz-go producer does.
func franzCompress(codec batch.Codec, src []byte) []byte {
	kc := map[batch.Codec]kgo.CompressionCodec{
		batch.CodecGzip: kgo.GzipCompression(), batch.CodecSnappy: kgo.SnappyCompression(),
		batch.CodecLZ4: kgo.Lz4Compression(), batch.CodecZstd: kgo.ZstdCompression(),
	}[codec]
	c, err := kgo.DefaultCompressor(kc)
	if err != nil {
		panic(err)
	}
	out, used := c.Compress(new(bytes.Buffer), src)
	if int8(used) != int8(codec) {
		panic(fmt.Sprintf("franz-go compressed with %d, want %s", used, codec))
	}
	return bytes.Clone(out)
}

func TestDecompressFranzGo(t *testing.T) {
	for name, src := range testInputs() {
		for _, codec := range codecs[1:] {
			got, err := batch.Decompress(codec, franzCompress(codec, src), len(src))
			if err != nil || !bytes.Equal(got, src) {
				t.Fatalf("%s/%s: %d bytes, err %v", codec, name, len(got), err)
			}
		}
	}
}

// xerial frames src as the Java client's SnappyOutputStream does: the magic,
// version 1 and compatible version 1, then blocks of at most blockSize
// input bytes, each a big-endian length and a raw snappy block.
func xerial(src []byte, blockSize int) []byte {
	out := append([]byte("\x82SNAPPY\x00"), 0, 0, 0, 1, 0, 0, 0, 1)
	for len(src) > 0 {
		n := min(blockSize, len(src))
		block := s2.EncodeSnappy(nil, src[:n])
		out = binary.BigEndian.AppendUint32(out, uint32(len(block)))
		out = append(out, block...)
		src = src[n:]
	}
	return out
}

func TestDecompressXerial(t *testing.T) {
	for name, src := range testInputs() {
		got, err := batch.Decompress(batch.CodecSnappy, xerial(src, 32<<10), len(src))
		if err != nil || !bytes.Equal(got, src) {
			t.Fatalf("%s: %d bytes, err %v", name, len(got), err)
		}
	}
	good := xerial(bytes.Repeat([]byte("abc"), 30_000), 32<<10)
	bad := map[string][]byte{
		"truncated block":  good[:len(good)-1],
		"truncated length": append(bytes.Clone(good), 0, 0),
		"block overruns":   append(bytes.Clone(good[:16]), 0xff, 0xff, 0xff, 0xff, 1),
		"empty block":      append(bytes.Clone(good[:16]), 0, 0, 0, 0),
	}
	for name, src := range bad {
		if _, err := batch.Decompress(batch.CodecSnappy, src, 1<<20); !errors.Is(err, batch.ErrCorrupt) {
			t.Errorf("%s: err %v, want ErrCorrupt", name, err)
		}
	}
}

func TestDecompressAppend(t *testing.T) {
	src := bytes.Repeat([]byte("0123456789"), 1000)
	for _, codec := range codecs {
		comp := mustCompress(codec, src)
		dst := make([]byte, 3, 8)
		copy(dst, "abc")
		got, err := batch.DecompressAppend(dst, codec, comp, len(src))
		if err != nil || string(got[:3]) != "abc" || !bytes.Equal(got[3:], src) {
			t.Fatalf("%s: %d bytes, err %v", codec, len(got), err)
		}
		got, err = batch.DecompressAppend(dst, codec, comp, len(src)-1)
		if !errors.Is(err, batch.ErrTooLarge) || len(got) != 3 || string(got) != "abc" {
			t.Fatalf("%s: over the limit: %q, %v", codec, got, err)
		}
	}
}

// zstdStream compresses src with the streaming encoder, whose frames do not
// declare their content size, as the Java client's frames do not.
func zstdStream(src []byte) []byte {
	var buf bytes.Buffer
	zw, err := zstd.NewWriter(&buf)
	if err != nil {
		panic(err)
	}
	// Flushing before all input is written leaves the size unknown.
	half := len(src) / 2
	_, err = zw.Write(src[:half])
	if ferr := zw.Flush(); err == nil {
		err = ferr
	}
	if _, werr := zw.Write(src[half:]); err == nil {
		err = werr
	}
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	var fh zstd.Header
	if err != nil || fh.Decode(buf.Bytes()) != nil || fh.HasFCS {
		panic(fmt.Sprintf("streamed zstd frame: err %v, declares its size %v", err, fh.HasFCS))
	}
	return buf.Bytes()
}

// mustCompress is Compress for inputs that cannot fail.
func mustCompress(codec batch.Codec, src []byte) []byte {
	out, err := batch.Compress(codec, nil, src)
	if err != nil {
		panic(err)
	}
	return out
}

// compressors makes every form of section the decoder must read.
func compressors() map[string]func([]byte) []byte {
	own := func(codec batch.Codec) func([]byte) []byte {
		return func(src []byte) []byte { return mustCompress(codec, src) }
	}
	franz := func(codec batch.Codec) func([]byte) []byte {
		return func(src []byte) []byte { return franzCompress(codec, src) }
	}
	return map[string]func([]byte) []byte{
		"gzip": own(batch.CodecGzip), "snappy": own(batch.CodecSnappy),
		"lz4": own(batch.CodecLZ4), "zstd": own(batch.CodecZstd),
		"franz-lz4":   franz(batch.CodecLZ4), // 4 MiB blocks
		"xerial":      func(src []byte) []byte { return xerial(src, 32<<10) },
		"zstd-stream": zstdStream,
	}
}

var codecOf = map[string]batch.Codec{
	"gzip": batch.CodecGzip, "snappy": batch.CodecSnappy, "lz4": batch.CodecLZ4, "zstd": batch.CodecZstd,
	"franz-lz4": batch.CodecLZ4, "xerial": batch.CodecSnappy, "zstd-stream": batch.CodecZstd,
}

func TestDecompressLimitIsExact(t *testing.T) {
	src := bytes.Repeat([]byte("limit "), 20_000)
	for name, compress := range compressors() {
		comp := compress(src)
		if got, err := batch.Decompress(codecOf[name], comp, len(src)); err != nil || !bytes.Equal(got, src) {
			t.Errorf("%s: at the limit: %d bytes, %v", name, len(got), err)
		}
		for _, limit := range []int{len(src) - 1, 1000, 0, -1} {
			if _, err := batch.Decompress(codecOf[name], comp, limit); !errors.Is(err, batch.ErrTooLarge) {
				t.Errorf("%s: limit %d: err %v, want ErrTooLarge", name, limit, err)
			}
		}
	}
}

// bombs are 64 MiB of zeros in every compressed form, made once.
var bombs = sync.OnceValue(func() map[string][]byte {
	zeros := make([]byte, 64<<20)
	out := make(map[string][]byte)
	for name, compress := range compressors() {
		out[name] = compress(zeros)
	}
	return out
})

func TestDecompressBombIsRefusedCheaply(t *testing.T) {
	const limit = 1 << 20
	for name, bomb := range bombs() {
		// Warm the pools, so that what is measured is one decode. The
		// bound allows for the output up to the limit plus lz4's two
		// block buffers of up to 4 MiB each, which the race detector's
		// pools may drop and reallocate.
		_, _ = batch.Decompress(codecOf[name], bomb, limit)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := batch.Decompress(codecOf[name], bomb, limit)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, batch.ErrTooLarge) {
			t.Errorf("%s: err %v, want ErrTooLarge", name, err)
		}
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("%s: refused a %d-byte bomb, allocating %d bytes", name, len(bomb), alloc)
		if alloc > 12<<20 {
			t.Errorf("%s: refusing a %d-byte bomb allocated %d bytes", name, len(bomb), alloc)
		}
	}
}

func TestDecompressGarbage(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}
	text := bytes.Repeat([]byte("truncate me "), 5000)
	for name, compress := range compressors() {
		codec := codecOf[name]
		for _, src := range [][]byte{garbage, garbage[:1]} {
			_, err := batch.Decompress(codec, src, 1<<20)
			if !errors.Is(err, batch.ErrCorrupt) && !errors.Is(err, batch.ErrTooLarge) {
				t.Errorf("%s: %d garbage bytes: err %v, want ErrCorrupt", name, len(src), err)
			}
		}
		comp := compress(text)
		for _, n := range []int{len(comp) / 3, len(comp) / 2, len(comp) - 1} {
			if _, err := batch.Decompress(codec, comp[:n], 1<<20); !errors.Is(err, batch.ErrCorrupt) {
				t.Errorf("%s: truncated to %d of %d bytes: err %v, want ErrCorrupt", name, n, len(comp), err)
			}
		}
	}
}

func TestUnknownCodec(t *testing.T) {
	if _, err := batch.Decompress(5, []byte("x"), 10); !errors.Is(err, batch.ErrCodec) {
		t.Fatalf("Decompress: %v", err)
	}
	if _, err := batch.Compress(7, nil, []byte("x")); !errors.Is(err, batch.ErrCodec) {
		t.Fatalf("Compress: %v", err)
	}
	if got := batch.Codec(6).String(); got != "codec(6)" {
		t.Fatalf("String = %q", got)
	}
}

func TestDecompressConcurrently(t *testing.T) {
	src := bytes.Repeat([]byte("concurrent "), 10_000)
	var wg sync.WaitGroup
	for _, codec := range codecs {
		comp, _ := batch.Compress(codec, nil, src)
		for range 4 {
			wg.Go(func() {
				for range 20 {
					if got, err := batch.Decompress(codec, comp, len(src)); err != nil || !bytes.Equal(got, src) {
						t.Errorf("%s: %d bytes, %v", codec, len(got), err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
}

func BenchmarkDecompress(b *testing.B) {
	src := bytes.Repeat([]byte("benchmark records section "), 4000)
	for _, codec := range codecs[1:] {
		comp, _ := batch.Compress(codec, nil, src)
		b.Run(codec.String(), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			var buf []byte
			for b.Loop() {
				var err error
				if buf, err = batch.DecompressAppend(buf[:0], codec, comp, len(src)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
