package remote

import (
	"bytes"
	"errors"
	"runtime"
	"testing"

	"github.com/strata-streaming/strata/tiered/objstore"
)

// openBytes opens obj, stored in a new bucket, as an object of size bytes.
func openBytes(tb testing.TB, obj []byte, size int64) (*SegmentReader, error) {
	tb.Helper()
	b := objstore.NewMem()
	put(tb, b, testKey, obj)
	return OpenSegment(tb.Context(), b, testKey, size, ReaderConfig{})
}

// splitObject returns the golden object's data, footer and trailer.
func splitObject(obj []byte) (data, footer, trailer []byte) {
	tr, _ := ParseTrailer(obj)
	footerAt := len(obj) - TrailerSize - int(tr.FooterLength)
	return obj[:footerAt], obj[footerAt : len(obj)-TrailerSize], obj[len(obj)-TrailerSize:]
}

// TestFlippedChunkByte flips every bit of the chunk area in turn: the
// object still opens, and reading the damaged chunk fails with ErrCorrupt.
func TestFlippedChunkByte(t *testing.T) {
	obj, _ := goldenObject(t)
	good := openObject(t, obj, ReaderConfig{})
	data, _, _ := splitObject(obj)
	for pos := range data {
		for bit := range 8 {
			bad := bytes.Clone(obj)
			bad[pos] ^= 1 << bit
			r, err := openBytes(t, bad, int64(len(bad)))
			if err != nil {
				t.Fatalf("byte %d: open: %v", pos, err)
			}
			i := chunkAt(good.Footer(), int64(pos))
			if _, err := r.ReadChunk(t.Context(), i); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("byte %d bit %d (chunk %d): %v, want ErrCorrupt", pos, bit, i, err)
			}
		}
	}
}

func chunkAt(f *Footer, pos int64) int {
	for i := range f.Chunks {
		if pos < f.Chunks[i].End() {
			return i
		}
	}
	return -1
}

// TestFlippedFooterOrTrailerByte flips every bit of the footer and the
// trailer in turn: opening fails with ErrCorrupt, or ErrUnsupportedVersion
// for the trailer's version field.
func TestFlippedFooterOrTrailerByte(t *testing.T) {
	obj, _ := goldenObject(t)
	data, _, _ := splitObject(obj)
	versionAt := len(obj) - TrailerSize + 4
	for pos := len(data); pos < len(obj); pos++ {
		for bit := range 8 {
			bad := bytes.Clone(obj)
			bad[pos] ^= 1 << bit
			want := ErrCorrupt
			if pos == versionAt || pos == versionAt+1 {
				want = ErrUnsupportedVersion
			}
			if _, err := openBytes(t, bad, int64(len(bad))); !errors.Is(err, want) {
				t.Fatalf("byte %d bit %d: %v, want %v", pos, bit, err, want)
			}
		}
	}
}

// TestTruncatedObject cuts the object at every length: opened at its new
// size or at the size the manifest gave, it is corrupt.
func TestTruncatedObject(t *testing.T) {
	obj, _ := goldenObject(t)
	for n := range len(obj) {
		cut := obj[:n]
		if _, err := openBytes(t, cut, int64(n)); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("cut to %d, opened at %d: %v", n, n, err)
		}
		if _, err := openBytes(t, cut, int64(len(obj))); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("cut to %d, opened at %d: %v", n, len(obj), err)
		}
	}
	// An object with bytes added in front of it: the footer no longer
	// describes it.
	longer := append([]byte{0}, obj...)
	if _, err := openBytes(t, longer, int64(len(longer))); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("object with a byte in front: %v", err)
	}
}

// reseal returns the golden object with its footer changed by mutate and
// the trailer rewritten to match, so that only the footer's own checks can
// catch the change.
func reseal(tb testing.TB, mutate func(f *Footer)) []byte {
	tb.Helper()
	obj, _ := goldenObject(tb)
	data, footer, _ := splitObject(obj)
	f, err := decodeFooter(footer)
	if err != nil {
		tb.Fatal(err)
	}
	mutate(f)
	enc := f.AppendTo(nil)
	out := append(bytes.Clone(data), enc...)
	return Trailer{Version: Version, FooterLength: uint32(len(enc)), FooterCRC: crc32c(enc)}.AppendTo(out)
}

// TestFootersThatLie checks footers whose CRC is right but whose content
// is not: each fails with ErrCorrupt and allocates nothing near what it
// claims.
func TestFootersThatLie(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(f *Footer)
	}{
		{"huge raw length", func(f *Footer) { f.Chunks[0].RawLength = 1<<32 - 1 }},
		{"huge stored length", func(f *Footer) { f.Chunks[1].StoredLength = 1<<32 - 1 }},
		{"huge position", func(f *Footer) { f.Chunks[1].Position = 1 << 62 }},
		{"raw length over the lz4 ratio", func(f *Footer) { f.Chunks[0].RawLength = 300 * f.Chunks[0].StoredLength }},
		{"uncompressed with other raw length", func(f *Footer) { f.Chunks[1].RawLength++ }},
		{"unknown codec", func(f *Footer) { f.Chunks[1].Codec = 7 }},
		{"offsets backwards", func(f *Footer) { f.Chunks[1].FirstOffset = f.Chunks[0].LastOffset }},
		{"batch count", func(f *Footer) { f.Meta.BatchCount = 1<<32 - 1 }},
		{"batch bytes", func(f *Footer) { f.Meta.BatchBytes++ }},
		{"next offset", func(f *Footer) { f.Meta.NextOffset++ }},
		{"base above first batch", func(f *Footer) { f.Meta.BaseOffset = f.Chunks[0].FirstOffset + 1 }},
		{"max timestamp", func(f *Footer) { f.Meta.MaxTimestamp++ }},
		{"max timestamp offset", func(f *Footer) { f.Meta.MaxTimestampOffset = f.Meta.NextOffset }},
		{"no epochs", func(f *Footer) { f.Meta.LeaderEpochs = nil }},
		{"epoch going back", func(f *Footer) { f.Meta.LeaderEpochs[1].Epoch = 1 }},
		{"no chunks", func(f *Footer) { f.Chunks = nil }},
		{"chunk missing", func(f *Footer) { f.Chunks = f.Chunks[:1] }},
		{"many chunks", func(f *Footer) {
			for range 1000 {
				f.Chunks = append(f.Chunks, f.Chunks[1])
			}
		}},
	} {
		obj := reseal(t, tc.mutate)
		var err error
		allocated := bytesAllocated(func() { _, err = openBytes(t, obj, int64(len(obj))) })
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("%s: %v, want ErrCorrupt", tc.name, err)
		}
		if allocated > 1<<20 {
			t.Fatalf("%s: allocated %d bytes", tc.name, allocated)
		}
		t.Logf("%s: %v (%d bytes allocated)", tc.name, err, allocated)
	}
}

// TestTrailerThatLies checks a trailer claiming a footer larger than the
// format allows or than the object.
func TestTrailerThatLies(t *testing.T) {
	obj, _ := goldenObject(t)
	for _, length := range []uint32{MaxFooterBytes + 1, 1<<32 - 1, uint32(len(obj)), 10} {
		bad := bytes.Clone(obj)
		tr, _ := ParseTrailer(bad)
		tr.FooterLength = length
		tr.AppendTo(bad[:len(bad)-TrailerSize])
		var err error
		allocated := bytesAllocated(func() { _, err = openBytes(t, bad, int64(len(bad))) })
		if !errors.Is(err, ErrCorrupt) || allocated > 1<<20 {
			t.Fatalf("footer length %d: %v after allocating %d bytes", length, err, allocated)
		}
	}
}

// TestDecodeChunkThatLies checks chunks whose CRC is right but whose
// entry does not describe them.
func TestDecodeChunkThatLies(t *testing.T) {
	obj, _ := goldenObject(t)
	r := openObject(t, obj, ReaderConfig{})
	lz4Entry := r.Footer().Chunks[0]
	stored := obj[lz4Entry.Position:lz4Entry.End()]
	for _, tc := range []struct {
		name string
		edit func(e *ChunkEntry)
		want error
	}{
		{"claims over the cap", func(e *ChunkEntry) { e.RawLength = DefaultMaxChunkBytes + 1 }, ErrChunkTooLarge},
		{"claims more than the frame holds", func(e *ChunkEntry) { e.RawLength += 61 }, ErrCorrupt},
		{"claims less than the frame holds", func(e *ChunkEntry) { e.RawLength-- }, ErrCorrupt},
		{"claims beyond the lz4 ratio", func(e *ChunkEntry) { e.RawLength = 100 << 20 }, ErrCorrupt},
		{"other batch count", func(e *ChunkEntry) { e.BatchCount++ }, ErrCorrupt},
		{"other first offset", func(e *ChunkEntry) { e.FirstOffset-- }, ErrCorrupt},
		{"other last offset", func(e *ChunkEntry) { e.LastOffset++ }, ErrCorrupt},
		{"other max timestamp", func(e *ChunkEntry) { e.MaxTimestamp-- }, ErrCorrupt},
		{"negative length", func(e *ChunkEntry) { e.RawLength = -1 }, ErrCorrupt},
		{"as uncompressed", func(e *ChunkEntry) { e.Codec = CodecNone }, ErrCorrupt},
	} {
		e := lz4Entry
		tc.edit(&e)
		var err error
		allocated := bytesAllocated(func() { _, err = DecodeChunk(stored, e, nil, DefaultMaxChunkBytes) })
		if !errors.Is(err, tc.want) {
			t.Fatalf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if allocated > 1<<20+int64(lz4Entry.RawLength) {
			t.Fatalf("%s: allocated %d bytes", tc.name, allocated)
		}
		t.Logf("%s: %v (%d bytes allocated)", tc.name, err, allocated)
	}
	// A frame of batches that do not frame, with an entry that matches it
	// byte for byte.
	garbage := bytes.Repeat([]byte("not a batch "), 20)
	frame, _ := compressLZ4(nil, garbage)
	e := ChunkEntry{FirstOffset: 0, LastOffset: 0, StoredLength: len(frame), RawLength: len(garbage), BatchCount: 1, CRC: crc32c(frame), Codec: CodecLZ4}
	if _, err := DecodeChunk(frame, e, nil, DefaultMaxChunkBytes); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("garbage batches: %v", err)
	}
}

// bytesAllocated reports the bytes the heap grew by while fn ran.
func bytesAllocated(fn func()) int64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return int64(after.TotalAlloc - before.TotalAlloc)
}
