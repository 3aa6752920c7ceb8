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
	if c == CompressAuto && !worthTrying(raw) {
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

// Samples of a chunk worthTrying compresses: probeWindows windows of
// probeWindowBytes at its start, middle and end.
const (
	probeWindows     = 3
	probeWindowBytes = 32 << 10
)

// worthTrying reports whether compressing raw whole may save minSavings:
// it compresses samples of it (a few percent of a 4 MiB chunk) and says no
// only when they save less than half of minSavings, so a chunk near the
// threshold is still tried whole. Uncompressed batches of incompressible
// data (encrypted or already compressed payloads, random bytes) then cost
// a sample's compression instead of the chunk's.
func worthTrying(raw []byte) bool {
	if len(raw) <= 2*probeWindows*probeWindowBytes {
		return true // small: compress it whole
	}
	sample := make([]byte, 0, probeWindows*probeWindowBytes)
	for i := range probeWindows {
		at := (len(raw) - probeWindowBytes) * i / (probeWindows - 1)
		sample = append(sample, raw[at:at+probeWindowBytes]...)
	}
	frame, err := compressLZ4(nil, sample)
	if err != nil {
		return true
	}
	saved := len(sample) - len(frame)
	return saved*2*minSavingsDen >= len(sample)*minSavingsNum
}
