package remote

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// Sizes and limits of the segment object format (see doc.go).
const (
	// Magic opens the trailer at the very end of every segment object.
	Magic = "STSG"
	// Version is the segment object format version this package writes
	// and the only one it reads.
	Version = 1
	// TrailerSize is the fixed size of the trailer.
	TrailerSize = 16
	// MaxFooterBytes is the largest footer the format allows; a trailer
	// that claims more is corrupt. It holds about a million chunks.
	MaxFooterBytes = 64 << 20

	footerHeaderSize = 76
	chunkEntrySize   = 49
	epochEntrySize   = 12

	// maxLZ4Ratio bounds how far an lz4 frame can expand: the block format
	// spends at least one byte per 255 bytes of match, so a frame never
	// decodes to more than 255 times its size. An entry claiming more is
	// corrupt, which bounds what a reader allocates by the object's size.
	maxLZ4Ratio = 256
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func crc32c(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// Codec is how a chunk's batches are stored in the object.
type Codec uint8

// The chunk codecs.
const (
	CodecNone Codec = 0 // the batches as they are
	CodecLZ4  Codec = 1 // one lz4 frame (see doc.go for its options)
)

func (c Codec) String() string {
	switch c {
	case CodecNone:
		return "none"
	case CodecLZ4:
		return "lz4"
	}
	return fmt.Sprintf("codec(%d)", uint8(c))
}

// Trailer is the fixed-size record at the end of a segment object that
// locates and checks the footer.
type Trailer struct {
	Version      uint16
	FooterLength uint32 // bytes of the footer, which ends where the trailer starts
	FooterCRC    uint32 // CRC-32C of the footer bytes
}

// AppendTo appends the trailer's TrailerSize bytes to dst.
func (t Trailer) AppendTo(dst []byte) []byte {
	dst = append(dst, Magic...)
	dst = binary.BigEndian.AppendUint16(dst, t.Version)
	dst = binary.BigEndian.AppendUint16(dst, 0) // flags
	dst = binary.BigEndian.AppendUint32(dst, t.FooterLength)
	return binary.BigEndian.AppendUint32(dst, t.FooterCRC)
}

// ParseTrailer parses the trailer held in the last TrailerSize bytes of
// tail, which may hold more of the object before it. It checks the magic,
// the version, the flags and that the footer length is within the format's
// limit; whether the footer fits in the object is the caller's check.
func ParseTrailer(tail []byte) (Trailer, error) {
	if len(tail) < TrailerSize {
		return Trailer{}, fmt.Errorf("%w: %d bytes, shorter than the %d-byte trailer", ErrCorrupt, len(tail), TrailerSize)
	}
	b := tail[len(tail)-TrailerSize:]
	if string(b[:4]) != Magic {
		return Trailer{}, fmt.Errorf("%w: trailer magic %q, want %q", ErrCorrupt, b[:4], Magic)
	}
	t := Trailer{
		Version:      binary.BigEndian.Uint16(b[4:]),
		FooterLength: binary.BigEndian.Uint32(b[8:]),
		FooterCRC:    binary.BigEndian.Uint32(b[12:]),
	}
	switch {
	case t.Version != Version:
		return Trailer{}, fmt.Errorf("%w: segment object version %d, this build reads %d", ErrUnsupportedVersion, t.Version, Version)
	case binary.BigEndian.Uint16(b[6:]) != 0:
		return Trailer{}, fmt.Errorf("%w: trailer flags %#04x, want 0", ErrCorrupt, binary.BigEndian.Uint16(b[6:]))
	case t.FooterLength < footerHeaderSize+chunkEntrySize+epochEntrySize || t.FooterLength > MaxFooterBytes:
		return Trailer{}, fmt.Errorf("%w: footer length %d outside [%d, %d]", ErrCorrupt,
			t.FooterLength, footerHeaderSize+chunkEntrySize+epochEntrySize, MaxFooterBytes)
	}
	return t, nil
}

// ChunkEntry describes one chunk in the footer's chunk index.
type ChunkEntry struct {
	FirstOffset  int64  // base offset of the chunk's first batch
	LastOffset   int64  // last offset of the chunk's last batch
	MaxTimestamp int64  // largest batch max timestamp in the chunk
	Position     int64  // byte position of the stored chunk in the object
	StoredLength int    // bytes of the stored chunk
	RawLength    int    // bytes of the chunk's batches once decoded
	BatchCount   int    // batches in the chunk
	CRC          uint32 // CRC-32C of the stored chunk bytes
	Codec        Codec
}

// End is the byte position just past the stored chunk.
func (e *ChunkEntry) End() int64 { return e.Position + int64(e.StoredLength) }

// EpochEntry records where a leader epoch starts within a segment: the
// base offset of the first batch carrying Epoch.
type EpochEntry struct {
	Epoch       int32
	StartOffset int64
}

// SegmentMeta describes the segment an object holds. Timestamps are Kafka
// timestamps: milliseconds since the epoch, -1 when a producer set none.
type SegmentMeta struct {
	BaseOffset         int64 // the segment's base offset: at or below its first batch's
	LastOffset         int64 // last offset of the last batch
	NextOffset         int64 // LastOffset + 1
	MinTimestamp       int64 // smallest first timestamp of a batch (see doc.go)
	MaxTimestamp       int64 // largest batch max timestamp
	MaxTimestampOffset int64 // base offset of the first batch holding MaxTimestamp
	BatchBytes         int64 // bytes of all the batches, as the hot tier stored them
	RecordCount        int64 // records in all the batches, from their headers
	BatchCount         int
	// LeaderEpochs has one entry per leader epoch present, in offset
	// order; there is always at least one.
	LeaderEpochs []EpochEntry
}

// FirstLeaderEpoch is the leader epoch of the segment's first batch.
func (m *SegmentMeta) FirstLeaderEpoch() int32 { return m.LeaderEpochs[0].Epoch }

// LastLeaderEpoch is the leader epoch of the segment's last batch.
func (m *SegmentMeta) LastLeaderEpoch() int32 { return m.LeaderEpochs[len(m.LeaderEpochs)-1].Epoch }

// Footer is the decoded footer of a segment object: the segment's metadata
// and the chunk index.
type Footer struct {
	Meta   SegmentMeta
	Chunks []ChunkEntry
}

// DataLength is the number of bytes of stored chunks: the footer starts
// there.
func (f *Footer) DataLength() int64 { return f.Chunks[len(f.Chunks)-1].End() }

// ObjectSize is the size of the whole object this footer belongs to.
func (f *Footer) ObjectSize() int64 {
	return f.DataLength() + int64(f.encodedSize()) + TrailerSize
}

func (f *Footer) encodedSize() int {
	return footerHeaderSize + len(f.Chunks)*chunkEntrySize + len(f.Meta.LeaderEpochs)*epochEntrySize
}

// ChunkFor returns the index of the first chunk holding a batch whose last
// offset is at least offset: the chunk to read to fetch from offset. ok is
// false when offset is past the segment's last offset.
func (f *Footer) ChunkFor(offset int64) (index int, ok bool) {
	lo, hi := 0, len(f.Chunks)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if f.Chunks[mid].LastOffset < offset {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, lo < len(f.Chunks)
}

// ChunkForTime returns the index of the first chunk holding a batch whose
// max timestamp is at least ts: where a search for the first record at or
// after ts starts. ok is false when no batch reaches ts.
func (f *Footer) ChunkForTime(ts int64) (index int, ok bool) {
	for i := range f.Chunks {
		if f.Chunks[i].MaxTimestamp >= ts {
			return i, true
		}
	}
	return len(f.Chunks), false
}

// AppendTo appends the encoded footer to dst.
func (f *Footer) AppendTo(dst []byte) []byte {
	m := &f.Meta
	for _, v := range []int64{m.BaseOffset, m.LastOffset, m.NextOffset, m.MinTimestamp,
		m.MaxTimestamp, m.MaxTimestampOffset, m.BatchBytes, m.RecordCount} {
		dst = binary.BigEndian.AppendUint64(dst, uint64(v))
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(m.BatchCount))
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(f.Chunks)))
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(m.LeaderEpochs)))
	for i := range f.Chunks {
		dst = appendChunkEntry(dst, &f.Chunks[i])
	}
	for _, e := range m.LeaderEpochs {
		dst = binary.BigEndian.AppendUint32(dst, uint32(e.Epoch))
		dst = binary.BigEndian.AppendUint64(dst, uint64(e.StartOffset))
	}
	return dst
}

func appendChunkEntry(dst []byte, e *ChunkEntry) []byte {
	for _, v := range []int64{e.FirstOffset, e.LastOffset, e.MaxTimestamp, e.Position} {
		dst = binary.BigEndian.AppendUint64(dst, uint64(v))
	}
	for _, v := range []int{e.StoredLength, e.RawLength, e.BatchCount} {
		dst = binary.BigEndian.AppendUint32(dst, uint32(v))
	}
	dst = binary.BigEndian.AppendUint32(dst, e.CRC)
	return append(dst, byte(e.Codec))
}

// ParseFooter checks the footer bytes against the trailer's length and CRC,
// decodes them and checks that the footer agrees with itself (see
// Footer.Validate). It allocates no more than the footer's size suggests.
func ParseFooter(b []byte, t Trailer) (*Footer, error) {
	if len(b) != int(t.FooterLength) {
		return nil, fmt.Errorf("%w: footer is %d bytes, trailer says %d", ErrCorrupt, len(b), t.FooterLength)
	}
	if crc := crc32c(b); crc != t.FooterCRC {
		return nil, fmt.Errorf("%w: footer CRC %08x, trailer says %08x", ErrCorrupt, crc, t.FooterCRC)
	}
	f, err := decodeFooter(b)
	if err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return f, nil
}

// decodeFooter decodes the footer layout without checking its values.
func decodeFooter(b []byte) (*Footer, error) {
	if len(b) < footerHeaderSize {
		return nil, fmt.Errorf("%w: footer of %d bytes is shorter than its header", ErrCorrupt, len(b))
	}
	f := &Footer{}
	m := &f.Meta
	for i, p := range []*int64{&m.BaseOffset, &m.LastOffset, &m.NextOffset, &m.MinTimestamp,
		&m.MaxTimestamp, &m.MaxTimestampOffset, &m.BatchBytes, &m.RecordCount} {
		*p = int64(binary.BigEndian.Uint64(b[8*i:]))
	}
	m.BatchCount = int(binary.BigEndian.Uint32(b[64:]))
	chunks := uint64(binary.BigEndian.Uint32(b[68:]))
	epochs := uint64(binary.BigEndian.Uint32(b[72:]))
	if want := footerHeaderSize + chunks*chunkEntrySize + epochs*epochEntrySize; want != uint64(len(b)) {
		return nil, fmt.Errorf("%w: footer of %d bytes claims %d chunks and %d leader epochs (%d bytes)",
			ErrCorrupt, len(b), chunks, epochs, want)
	}
	rest := b[footerHeaderSize:]
	f.Chunks = make([]ChunkEntry, chunks)
	for i := range f.Chunks {
		f.Chunks[i] = decodeChunkEntry(rest[i*chunkEntrySize:])
	}
	rest = rest[len(f.Chunks)*chunkEntrySize:]
	m.LeaderEpochs = make([]EpochEntry, epochs)
	for i := range m.LeaderEpochs {
		e := rest[i*epochEntrySize:]
		m.LeaderEpochs[i] = EpochEntry{
			Epoch:       int32(binary.BigEndian.Uint32(e)),
			StartOffset: int64(binary.BigEndian.Uint64(e[4:])),
		}
	}
	return f, nil
}

func decodeChunkEntry(b []byte) ChunkEntry {
	return ChunkEntry{
		FirstOffset:  int64(binary.BigEndian.Uint64(b)),
		LastOffset:   int64(binary.BigEndian.Uint64(b[8:])),
		MaxTimestamp: int64(binary.BigEndian.Uint64(b[16:])),
		Position:     int64(binary.BigEndian.Uint64(b[24:])),
		StoredLength: int(binary.BigEndian.Uint32(b[32:])),
		RawLength:    int(binary.BigEndian.Uint32(b[36:])),
		BatchCount:   int(binary.BigEndian.Uint32(b[40:])),
		CRC:          binary.BigEndian.Uint32(b[44:]),
		Codec:        Codec(b[48]),
	}
}
