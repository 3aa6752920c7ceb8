package batch_test

import (
	"errors"
	"testing"

	"github.com/strata-streaming/strata/tiered/batch"
	"github.com/strata-streaming/strata/tiered/batch/batchtest"
)

const fuzzLimit = 1 << 20

// addSeeds seeds f with real batches of every codec, plain and with every
// kind of field the format has.
func addSeeds(f *testing.F) {
	for _, codec := range codecs {
		f.Add(batchtest.Values(3, 20, batchtest.Options{Codec: codec}))
		f.Add(batchtest.Build(mixedRecords, batchtest.Options{
			Codec: codec, BaseOffset: 5, Idempotent: true, ProducerID: 1, BaseSequence: 9,
		}))
	}
	f.Add(batchtest.Values(2, 5, batchtest.Options{
		Codec: batch.CodecSnappy, Compress: func(raw []byte) []byte { return xerial(raw, 16) },
	}))
	f.Add(batchtest.Build(nil, batchtest.Options{}))
}

// checkClass fails t unless err is nil or one of the package's classes.
func checkClass(t *testing.T, what string, err error) {
	if err != nil && !errors.Is(err, batch.ErrCorrupt) && !errors.Is(err, batch.ErrTooLarge) {
		t.Fatalf("%s: unclassified error %v", what, err)
	}
}

func FuzzValidate(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := batch.Validate(b)
		if err != nil {
			if !errors.Is(err, batch.ErrCorrupt) {
				t.Fatalf("Validate: %v is not ErrCorrupt", err)
			}
			return
		}
		it := batch.NewIter(b)
		ih, ib, ok := it.Next()
		if !ok || ih != h || len(ib) != len(b) {
			t.Fatalf("Iter framed %d of %d bytes (ok %v)", len(ib), len(b), ok)
		}
		if _, _, ok := it.Next(); ok || it.Err() != nil || it.Partial() {
			t.Fatalf("Iter after the batch: ok %v err %v partial %v", ok, it.Err(), it.Partial())
		}
	})
}

func FuzzIter(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, buf []byte) {
		it := batch.NewIter(buf)
		pos := 0
		for {
			h, b, ok := it.Next()
			if !ok {
				break
			}
			if len(b) != h.Size() || len(b) < batch.HeaderSize || &b[0] != &buf[pos] {
				t.Fatalf("batch at %d: %d bytes, header size %d", pos, len(b), h.Size())
			}
			pos += len(b)
		}
		if it.Pos() != pos || (it.Err() != nil && it.Partial()) {
			t.Fatalf("pos %d, want %d; err %v partial %v", it.Pos(), pos, it.Err(), it.Partial())
		}
		if it.Err() == nil && !it.Partial() && pos != len(buf) {
			t.Fatalf("stopped at %d of %d bytes with no reason", pos, len(buf))
		}
		checkClass(t, "Iter", it.Err())
	})
}

func FuzzRecords(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		checkErr := batch.CheckCompressed(b, fuzzLimit)
		checkClass(t, "CheckCompressed", checkErr)
		err := readAll(b)
		checkClass(t, "Records", err)
		if (err == nil) != (checkErr == nil) {
			t.Fatalf("Records: %v, but CheckCompressed: %v", err, checkErr)
		}
		_, _, _, tsErr := batch.OffsetForTimestamp(b, 0, fuzzLimit)
		checkClass(t, "OffsetForTimestamp", tsErr)
		if checkErr == nil && tsErr != nil {
			t.Fatalf("OffsetForTimestamp: %v on records that check", tsErr)
		}
	})
}

func FuzzDecompress(f *testing.F) {
	for _, codec := range codecs {
		for _, src := range testInputs() {
			if len(src) < 4096 {
				f.Add(int8(codec), mustCompress(codec, src))
			}
		}
		f.Add(int8(codec), mustCompress(codec, []byte("a short records section")))
	}
	f.Add(int8(batch.CodecSnappy), xerial([]byte("framed as the Java client frames it"), 8))
	f.Fuzz(func(t *testing.T, codec int8, src []byte) {
		out, err := batch.Decompress(batch.Codec(codec), src, fuzzLimit)
		checkClass(t, "Decompress", err)
		if len(out) > fuzzLimit {
			t.Fatalf("decoded %d bytes past the limit", len(out))
		}
	})
}
