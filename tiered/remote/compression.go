package remote

// Compression is the rule that decides, chunk by chunk, whether a
// SegmentWriter stores a chunk as an lz4 frame or as it is.
type Compression int8

// The compression rules.
const (
	// CompressAuto stores a chunk as lz4 only where that pays: the chunk
	// is tried only when at least minPlainShare of its bytes are in
	// batches the producer left uncompressed, and the frame is kept only
	// when it is at least minSavings smaller than the batches. doc.go
	// records the measurements behind the two thresholds.
	CompressAuto Compression = iota
	// CompressAlways stores every chunk as lz4, even when that saves
	// nothing.
	CompressAlways
	// CompressNever stores every chunk as it is.
	CompressNever
)

// The thresholds of CompressAuto, as fractions of the chunk's raw length.
const (
	minPlainShareNum, minPlainShareDen = 1, 4 // try lz4 when ≥ 1/4 of the bytes are uncompressed batches
	minSavingsNum, minSavingsDen       = 1, 8 // keep lz4 when it saves ≥ 1/8 (12.5%)
)

func (c Compression) String() string {
	switch c {
	case CompressAuto:
		return "auto"
	case CompressAlways:
		return "always"
	case CompressNever:
		return "never"
	}
	return "unknown"
}

// encode decides how to store the chunk. It returns CodecNone (and the
// caller stores the chunk's own bytes) or CodecLZ4 and the frame, appended
// to dst.
func (c Compression) encode(ch *chunkBuilder, dst []byte) (Codec, []byte, error) {
	raw := ch.buf
	if c == CompressNever || (c == CompressAuto && ch.plainBytes*minPlainShareDen < len(raw)*minPlainShareNum) {
		return CodecNone, nil, nil
	}
	frame, err := compressLZ4(dst, raw)
	if err != nil {
		return CodecNone, nil, err
	}
	saved := len(raw) - len(frame)
	if int64(len(raw)) > maxLZ4Ratio*int64(len(frame)) ||
		(c == CompressAuto && saved*minSavingsDen < len(raw)*minSavingsNum) {
		return CodecNone, frame, nil
	}
	return CodecLZ4, frame, nil
}
