package batch_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/strata-streaming/strata/tiered/batch"
	"github.com/strata-streaming/strata/tiered/batch/batchtest"
)

var codecs = []batch.Codec{batch.CodecNone, batch.CodecGzip, batch.CodecSnappy, batch.CodecLZ4, batch.CodecZstd}

// Header field positions, for tests that corrupt them.
const (
	atLength      = 8
	atMagic       = 16
	atCRC         = 17
	atAttributes  = 21
	atLastDelta   = 23
	atRecordCount = 57
)

func put32(b []byte, at int, v int32) { binary.BigEndian.PutUint32(b[at:], uint32(v)) }

func TestValidateGoodBatches(t *testing.T) {
	for _, codec := range codecs {
		t.Run(codec.String(), func(t *testing.T) {
			opts := batchtest.Options{
				Codec: codec, BaseOffset: 42, PartitionLeaderEpoch: 7, BaseTimestamp: 1_700_000_000_000,
				Idempotent: true, ProducerID: 9, ProducerEpoch: 2, BaseSequence: 11,
			}
			b := batchtest.Values(20, 100, opts)
			h, err := batch.Validate(b)
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			want := batch.Header{
				BaseOffset: 42, Length: int32(len(b) - batch.LengthFieldEnd), PartitionLeaderEpoch: 7,
				Magic: batch.Magic, CRC: binary.BigEndian.Uint32(b[atCRC:]), Attributes: int16(codec),
				LastOffsetDelta: 19, BaseTimestamp: opts.BaseTimestamp, MaxTimestamp: opts.BaseTimestamp + 19,
				ProducerID: 9, ProducerEpoch: 2, BaseSequence: 11, NumRecords: 20,
			}
			if h != want {
				t.Fatalf("header\n got %+v\nwant %+v", h, want)
			}
			if h.Codec() != codec || h.Size() != len(b) || h.NextOffset() != 62 || !h.Idempotent() {
				t.Fatalf("accessors: codec %s size %d next %d idempotent %v", h.Codec(), h.Size(), h.NextOffset(), h.Idempotent())
			}
			if err := h.CheckProduced(); err != nil {
				t.Fatalf("CheckProduced: %v", err)
			}
		})
	}
}

func TestValidateAttributes(t *testing.T) {
	b := batchtest.Values(1, 10, batchtest.Options{Transactional: true, Control: true, ProducerID: 3})
	h, err := batch.Validate(b)
	if err != nil {
		t.Fatal(err)
	}
	if !h.Transactional() || !h.Control() || h.LogAppendTime() || h.ProducerID != 3 {
		t.Fatalf("attributes %#x: transactional %v control %v", h.Attributes, h.Transactional(), h.Control())
	}
	plain, _ := batch.Validate(batchtest.Values(1, 10, batchtest.Options{}))
	if plain.Idempotent() || plain.Transactional() || plain.Control() {
		t.Fatalf("plain batch attributes %#x producer %d", plain.Attributes, plain.ProducerID)
	}
}

func TestValidateCorruption(t *testing.T) {
	tests := []struct {
		name   string
		mutate func([]byte) []byte
		want   error
	}{
		{"truncated", func(b []byte) []byte { return b[:len(b)-1] }, batch.ErrShort},
		{"header only part", func(b []byte) []byte { return b[:batch.HeaderSize-1] }, batch.ErrShort},
		{"empty", func([]byte) []byte { return nil }, batch.ErrShort},
		{"wrong magic", func(b []byte) []byte { b[atMagic] = 1; return b }, batch.ErrMagic},
		{"length below header", func(b []byte) []byte { put32(b, atLength, 48); return b }, batch.ErrLength},
		{"negative length", func(b []byte) []byte { put32(b, atLength, -1); return b }, batch.ErrLength},
		{"length past the end", func(b []byte) []byte { put32(b, atLength, int32(len(b))); return b }, batch.ErrShort},
		{"trailing bytes", func(b []byte) []byte { return append(b, 0) }, batch.ErrLength},
		{"crc field", func(b []byte) []byte { b[atCRC] ^= 1; return b }, batch.ErrCRC},
		{"count above delta+1", func(b []byte) []byte { put32(b, atRecordCount, 4); return batchtest.FixCRC(b) }, batch.ErrRecordCount},
		{"negative count", func(b []byte) []byte { put32(b, atRecordCount, -1); return batchtest.FixCRC(b) }, batch.ErrRecordCount},
		{"negative delta", func(b []byte) []byte { put32(b, atLastDelta, -1); return batchtest.FixCRC(b) }, batch.ErrRecordCount},
		{"count below records", func(b []byte) []byte { put32(b, atRecordCount, 2); return batchtest.FixCRC(b) }, batch.ErrRecordCount},
		{"base offset overflow", func(b []byte) []byte { batch.SetBaseOffset(b, math.MaxInt64-2); return b }, batch.ErrOverflow},
		{"negative base offset", func(b []byte) []byte { batch.SetBaseOffset(b, -1); return b }, batch.ErrOverflow},
		{"codec 5", setCodec(5), batch.ErrCodec},
		{"codec 6", setCodec(6), batch.ErrCodec},
		{"codec 7", setCodec(7), batch.ErrCodec},
		{"record length in 6 bytes", func(b []byte) []byte {
			// The same length, padded to an encoding no Kafka reader accepts.
			l := b[batch.HeaderSize]
			section := append([]byte{l | 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, b[batch.HeaderSize+1:]...)
			b = append(b[:batch.HeaderSize:batch.HeaderSize], section...)
			put32(b, atLength, int32(len(b)-batch.LengthFieldEnd))
			return batchtest.FixCRC(b)
		}, batch.ErrRecordCount},
		{"record overruns section", func(b []byte) []byte {
			b[batch.HeaderSize] = 0x7e // zig-zag 63: longer than the record
			return batchtest.FixCRC(b)
		}, batch.ErrRecordCount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.mutate(batchtest.Values(3, 10, batchtest.Options{}))
			_, err := batch.Validate(b)
			if !errors.Is(err, tt.want) || !errors.Is(err, batch.ErrCorrupt) {
				t.Fatalf("Validate = %v, want %v (and ErrCorrupt)", err, tt.want)
			}
		})
	}
}

func setCodec(c int16) func([]byte) []byte {
	return func(b []byte) []byte {
		attrs := binary.BigEndian.Uint16(b[atAttributes:])&^0x07 | uint16(c)
		binary.BigEndian.PutUint16(b[atAttributes:], attrs)
		return batchtest.FixCRC(b)
	}
}

func TestValidateEveryFlippedByte(t *testing.T) {
	for _, codec := range codecs {
		good := batchtest.Values(2, 8, batchtest.Options{Codec: codec})
		for i := atAttributes; i < len(good); i++ {
			b := bytes.Clone(good)
			b[i] ^= 0x40
			if _, err := batch.Validate(b); !errors.Is(err, batch.ErrCRC) {
				t.Fatalf("%s: flipped byte %d: Validate = %v, want ErrCRC", codec, i, err)
			}
		}
	}
}

func TestCheckProduced(t *testing.T) {
	sparse := batchtest.Values(2, 1, batchtest.Options{OffsetDeltas: []int32{0, 2}})
	h, err := batch.Validate(sparse)
	if err != nil {
		t.Fatalf("a compacted batch must validate: %v", err)
	}
	if err := h.CheckProduced(); !errors.Is(err, batch.ErrRecordCount) {
		t.Fatalf("sparse CheckProduced = %v", err)
	}
	empty, err := batch.Validate(batchtest.Build(nil, batchtest.Options{}))
	if err != nil {
		t.Fatalf("empty batch: %v", err)
	}
	if err := empty.CheckProduced(); !errors.Is(err, batch.ErrRecordCount) {
		t.Fatalf("empty CheckProduced = %v", err)
	}
}

func TestCheckRecords(t *testing.T) {
	section := batchtest.EncodeRecords(batchtest.ValueRecords(3, 5), nil)
	if err := batch.CheckRecords(section, 3); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int32{-1, 2, 4, math.MaxInt32} {
		if err := batch.CheckRecords(section, n); !errors.Is(err, batch.ErrRecordCount) {
			t.Errorf("CheckRecords(n=%d) = %v", n, err)
		}
	}
	if err := batch.CheckRecords(nil, -1); !errors.Is(err, batch.ErrRecordCount) {
		t.Errorf("CheckRecords(nil, -1) = %v", err)
	}
}

func TestSetBaseOffsetAndEpochKeepCRC(t *testing.T) {
	for _, codec := range codecs {
		b := batchtest.Values(5, 10, batchtest.Options{Codec: codec})
		crc := binary.BigEndian.Uint32(b[atCRC:])
		batch.SetBaseOffset(b, 1<<40)
		batch.SetPartitionLeaderEpoch(b, 12)
		h, err := batch.Validate(b)
		if err != nil {
			t.Fatalf("%s: %v", codec, err)
		}
		if h.BaseOffset != 1<<40 || h.PartitionLeaderEpoch != 12 || h.CRC != crc || h.LastOffset() != 1<<40+4 {
			t.Fatalf("%s: header %+v", codec, h)
		}
	}
}

func TestSetLogAppendTime(t *testing.T) {
	for _, codec := range codecs {
		b := batchtest.Values(5, 10, batchtest.Options{Codec: codec, BaseTimestamp: 1000})
		batch.SetLogAppendTime(b, 123456)
		h, err := batch.Validate(b)
		if err != nil {
			t.Fatalf("%s: %v", codec, err)
		}
		if !h.LogAppendTime() || h.MaxTimestamp != 123456 || h.BaseTimestamp != 1000 || h.Codec() != codec {
			t.Fatalf("%s: header %+v", codec, h)
		}
	}
}

func TestIter(t *testing.T) {
	var buf []byte
	var sizes []int
	for i, codec := range codecs {
		b := batchtest.Values(i+1, 50, batchtest.Options{Codec: codec, BaseOffset: int64(10 * i)})
		buf = append(buf, b...)
		sizes = append(sizes, len(b))
	}
	whole := len(buf)
	next := batchtest.Values(1, 1000, batchtest.Options{})
	for _, cut := range []int{0, 1, 30, batch.HeaderSize, batch.HeaderSize + 1, len(next) - 1} {
		it := batch.NewIter(append(bytes.Clone(buf), next[:cut]...))
		for i := 0; ; i++ {
			h, b, ok := it.Next()
			if !ok {
				if i != len(codecs) {
					t.Fatalf("cut %d: stopped after %d batches", cut, i)
				}
				break
			}
			if len(b) != sizes[i] || h.BaseOffset != int64(10*i) || h.Size() != len(b) {
				t.Fatalf("cut %d: batch %d: %d bytes at offset %d", cut, i, len(b), h.BaseOffset)
			}
		}
		if it.Err() != nil || it.Partial() != (cut > 0) || it.Pos() != whole {
			t.Fatalf("cut %d: err %v partial %v pos %d", cut, it.Err(), it.Partial(), it.Pos())
		}
	}
}

func TestIterGarbage(t *testing.T) {
	good := batchtest.Values(2, 10, batchtest.Options{})
	buf := append(bytes.Clone(good), bytes.Repeat([]byte{0xff}, batch.HeaderSize)...)
	it := batch.NewIter(buf)
	if _, _, ok := it.Next(); !ok {
		t.Fatal("first batch not framed")
	}
	if _, _, ok := it.Next(); ok {
		t.Fatal("garbage framed as a batch")
	}
	if !errors.Is(it.Err(), batch.ErrMagic) || it.Partial() || it.Pos() != len(good) {
		t.Fatalf("err %v partial %v pos %d", it.Err(), it.Partial(), it.Pos())
	}
	if _, _, ok := it.Next(); ok {
		t.Fatal("Next after an error")
	}
}

func TestIterEmpty(t *testing.T) {
	it := batch.NewIter(nil)
	if _, _, ok := it.Next(); ok || it.Err() != nil || it.Partial() {
		t.Fatalf("empty buffer: ok %v err %v partial %v", ok, it.Err(), it.Partial())
	}
}

// validate16KiB is an uncompressed batch of about 16 KiB.
func validate16KiB(tb testing.TB) []byte {
	b := batchtest.Values(64, 247, batchtest.Options{})
	if len(b) < 16<<10 || len(b) > 17<<10 {
		tb.Fatalf("batch is %d bytes", len(b))
	}
	return b
}

func TestValidateDoesNotAllocate(t *testing.T) {
	b := validate16KiB(t)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := batch.Validate(b); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Validate allocates %v times", allocs)
	}
}

func BenchmarkValidate16KiB(b *testing.B) {
	buf := validate16KiB(b)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := batch.Validate(buf); err != nil {
			b.Fatal(err)
		}
	}
}
