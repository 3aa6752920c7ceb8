package remote

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzParseFooter feeds arbitrary bytes to the trailer and footer parsers,
// with the trailer rewritten to match so that the footer's own checks run.
// They must return a footer that passes Validate and encodes back to the
// same bytes, or an error that matches ErrCorrupt (or ErrUnsupportedVersion),
// and never panic or allocate beyond the input.
func FuzzParseFooter(f *testing.F) {
	obj, _ := goldenObject(f)
	_, footer, _ := splitObject(obj)
	f.Add(footer)
	f.Add(footer[:footerHeaderSize])
	f.Add(reseal(f, func(ft *Footer) { ft.Chunks = append(ft.Chunks, ft.Chunks...) })[len(obj)-len(footer)-TrailerSize:])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		tr := Trailer{Version: Version, FooterLength: uint32(len(b)), FooterCRC: crc32c(b)}
		parsed, err := ParseTrailer(tr.AppendTo(nil))
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("ParseTrailer: %v", err)
			}
			return
		}
		ft, err := ParseFooter(b, parsed)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("ParseFooter: %v", err)
			}
			return
		}
		if err := ft.Validate(); err != nil {
			t.Fatalf("a parsed footer fails Validate: %v", err)
		}
		if !bytes.Equal(ft.AppendTo(nil), b) {
			t.Fatal("a parsed footer encodes to other bytes")
		}
		for _, off := range []int64{-1, 0, ft.Meta.BaseOffset, ft.Meta.LastOffset, ft.Meta.NextOffset} {
			if i, ok := ft.ChunkFor(off); ok && (i < 0 || i >= len(ft.Chunks)) {
				t.Fatalf("ChunkFor(%d) = %d of %d", off, i, len(ft.Chunks))
			}
		}
	})
}

// FuzzParseTrailer checks the trailer parser on arbitrary tails.
func FuzzParseTrailer(f *testing.F) {
	obj, _ := goldenObject(f)
	f.Add(obj[len(obj)-TrailerSize:])
	f.Add([]byte("STSG"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := ParseTrailer(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupportedVersion) {
				t.Fatalf("ParseTrailer: %v", err)
			}
			return
		}
		if got := tr.AppendTo(nil); !bytes.Equal(got, b[len(b)-TrailerSize:]) {
			t.Fatalf("trailer re-encodes as %x, was %x", got, b[len(b)-TrailerSize:])
		}
	})
}

// FuzzDecodeChunk decodes arbitrary stored chunks against an entry made to
// match their length and CRC, so that the codec and batch checks run.
func FuzzDecodeChunk(f *testing.F) {
	obj, _ := goldenObject(f)
	r := openObject(f, obj, ReaderConfig{})
	for _, e := range r.Footer().Chunks {
		f.Add(obj[e.Position:e.End()], uint8(e.Codec), uint32(e.RawLength), uint32(e.BatchCount), e.FirstOffset, e.LastOffset, e.MaxTimestamp)
	}
	f.Fuzz(func(t *testing.T, stored []byte, codec uint8, raw, batches uint32, first, last, maxTs int64) {
		e := ChunkEntry{FirstOffset: first, LastOffset: last, MaxTimestamp: maxTs, StoredLength: len(stored),
			RawLength: int(raw), BatchCount: int(batches), CRC: crc32c(stored), Codec: Codec(codec)}
		const limit = 1 << 20
		out, err := DecodeChunk(stored, e, nil, limit)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrChunkTooLarge) {
				t.Fatalf("DecodeChunk: %v", err)
			}
			return
		}
		if len(out) != e.RawLength || len(out) > limit {
			t.Fatalf("decoded %d bytes, the entry says %d", len(out), e.RawLength)
		}
	})
}

// FuzzDecodeManifest decodes arbitrary bytes as both manifests. A manifest
// that decodes must validate and survive an encode/decode round trip.
func FuzzDecodeManifest(f *testing.F) {
	_, info := goldenObject(f)
	tm, pm := goldenManifests(f, info)
	tb, _ := EncodeTopicManifest(tm)
	pb, _ := EncodePartitionManifest(pm)
	f.Add(tb)
	f.Add(pb)
	more, _ := AddSegment(pm, seg(116, 200, 5, 6, 0))
	mb, _ := EncodePartitionManifest(more)
	f.Add(mb)
	f.Add([]byte(`{"format":"strata-partition-manifest","format_version":1,"crc32c":"00000000","manifest":{}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := DecodePartitionManifest(b); err == nil {
			checkPartitionRoundTrip(t, m)
		} else if !errors.Is(err, ErrInvalidManifest) && !errors.Is(err, ErrUnsupportedVersion) {
			t.Fatalf("DecodePartitionManifest: %v", err)
		}
		if m, err := DecodeTopicManifest(b); err == nil {
			enc, err := EncodeTopicManifest(m)
			if err != nil {
				t.Fatalf("a decoded topic manifest does not encode: %v", err)
			}
			if _, err := DecodeTopicManifest(enc); err != nil {
				t.Fatalf("a re-encoded topic manifest does not decode: %v", err)
			}
		} else if !errors.Is(err, ErrInvalidManifest) && !errors.Is(err, ErrUnsupportedVersion) {
			t.Fatalf("DecodeTopicManifest: %v", err)
		}
	})
}

func checkPartitionRoundTrip(t *testing.T, m PartitionManifest) {
	t.Helper()
	enc, err := EncodePartitionManifest(m)
	if err != nil {
		t.Fatalf("a decoded manifest does not encode: %v", err)
	}
	back, err := DecodePartitionManifest(enc)
	if err != nil {
		t.Fatalf("a re-encoded manifest does not decode: %v", err)
	}
	if back.Version != m.Version || len(back.Segments) != len(m.Segments) || back.LogStartOffset != m.LogStartOffset {
		t.Fatalf("round trip changed the manifest: %+v -> %+v", m, back)
	}
	for _, s := range m.Segments {
		off := max(s.BaseOffset, m.LogStartOffset)
		if got, ok := SegmentFor(m, off); off < s.NextOffset && (!ok || got.BaseOffset != s.BaseOffset) {
			t.Fatalf("SegmentFor(%d) = %d, %v; want the segment at %d", off, got.BaseOffset, ok, s.BaseOffset)
		}
	}
}
