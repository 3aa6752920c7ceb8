package remote

import (
	"fmt"
	"math"

	"github.com/strata-streaming/strata/tiered/batch"
)

// Validate checks that the footer agrees with itself: chunks laid end to
// end from position 0, offsets increasing from chunk to chunk, lengths
// possible for their codec, and segment metadata that sums up the chunks.
// Every error matches ErrCorrupt.
func (f *Footer) Validate() error {
	if len(f.Chunks) == 0 {
		return fmt.Errorf("%w: footer holds no chunks", ErrCorrupt)
	}
	var pos int64
	prevLast := int64(-1)
	for i := range f.Chunks {
		e := &f.Chunks[i]
		if err := e.check(pos, prevLast); err != nil {
			return fmt.Errorf("chunk %d: %w", i, err)
		}
		pos, prevLast = e.End(), e.LastOffset
	}
	if err := f.checkTotals(); err != nil {
		return err
	}
	return f.checkEpochs()
}

// check checks one chunk entry, given where the previous chunk ended in the
// object and its last offset.
func (e *ChunkEntry) check(pos, prevLast int64) error {
	switch {
	case e.Position != pos:
		return fmt.Errorf("%w: chunk at byte %d, want %d", ErrCorrupt, e.Position, pos)
	case e.FirstOffset <= prevLast || e.FirstOffset > e.LastOffset:
		return fmt.Errorf("%w: chunk offsets %d-%d after offset %d", ErrCorrupt, e.FirstOffset, e.LastOffset, prevLast)
	case e.LastOffset == math.MaxInt64:
		return fmt.Errorf("%w: chunk last offset %d overflows", ErrCorrupt, e.LastOffset)
	case e.BatchCount < 1 || int64(e.BatchCount) > e.LastOffset-e.FirstOffset+1:
		return fmt.Errorf("%w: %d batches over offsets %d-%d", ErrCorrupt, e.BatchCount, e.FirstOffset, e.LastOffset)
	case int64(e.RawLength) < int64(e.BatchCount)*batch.HeaderSize:
		return fmt.Errorf("%w: %d batches in %d bytes", ErrCorrupt, e.BatchCount, e.RawLength)
	}
	return e.checkCodec()
}

// checkCodec checks the stored length against the raw length for the
// chunk's codec.
func (e *ChunkEntry) checkCodec() error {
	switch e.Codec {
	case CodecNone:
		if e.StoredLength != e.RawLength {
			return fmt.Errorf("%w: uncompressed chunk stored in %d bytes, decodes to %d", ErrCorrupt, e.StoredLength, e.RawLength)
		}
	case CodecLZ4:
		if e.StoredLength < 1 || int64(e.RawLength) > maxLZ4Ratio*int64(e.StoredLength) || e.StoredLength > lz4Bound(e.RawLength) {
			return fmt.Errorf("%w: lz4 chunk of %d bytes cannot decode to %d", ErrCorrupt, e.StoredLength, e.RawLength)
		}
	default:
		return fmt.Errorf("%w: unknown chunk codec %d", ErrCorrupt, e.Codec)
	}
	return nil
}

// lz4Bound is the most an lz4 frame of n bytes of input can take: blocks
// that do not compress are stored as they are, behind a 4-byte header, and
// the frame adds at most 23 bytes.
func lz4Bound(n int) int { return n + n/255 + 64 }

// checkTotals checks the segment metadata against the chunk index.
func (f *Footer) checkTotals() error {
	m := &f.Meta
	first, last := &f.Chunks[0], &f.Chunks[len(f.Chunks)-1]
	var raw, batches int64
	maxTs := first.MaxTimestamp
	for i := range f.Chunks {
		raw += int64(f.Chunks[i].RawLength)
		batches += int64(f.Chunks[i].BatchCount)
		maxTs = max(maxTs, f.Chunks[i].MaxTimestamp)
	}
	switch {
	case m.BaseOffset < 0 || m.BaseOffset > first.FirstOffset:
		return fmt.Errorf("%w: base offset %d with a first batch at %d", ErrCorrupt, m.BaseOffset, first.FirstOffset)
	case m.LastOffset != last.LastOffset || m.NextOffset != m.LastOffset+1:
		return fmt.Errorf("%w: last offset %d and next offset %d, the chunks end at %d", ErrCorrupt, m.LastOffset, m.NextOffset, last.LastOffset)
	case m.BatchBytes != raw || int64(m.BatchCount) != batches:
		return fmt.Errorf("%w: %d batches in %d bytes, the chunks hold %d in %d", ErrCorrupt, m.BatchCount, m.BatchBytes, batches, raw)
	case m.MaxTimestamp != maxTs:
		return fmt.Errorf("%w: max timestamp %d, the chunks reach %d", ErrCorrupt, m.MaxTimestamp, maxTs)
	case m.MaxTimestampOffset < first.FirstOffset || m.MaxTimestampOffset > m.LastOffset:
		return fmt.Errorf("%w: max timestamp offset %d outside the segment", ErrCorrupt, m.MaxTimestampOffset)
	case m.RecordCount < 0 || m.RecordCount > m.NextOffset-first.FirstOffset:
		return fmt.Errorf("%w: %d records over offsets %d-%d", ErrCorrupt, m.RecordCount, first.FirstOffset, m.LastOffset)
	}
	return nil
}

// checkEpochs checks the leader epoch entries: the first starts at the
// first batch, and both epochs and start offsets increase strictly.
func (f *Footer) checkEpochs() error {
	epochs := f.Meta.LeaderEpochs
	if len(epochs) == 0 {
		return fmt.Errorf("%w: no leader epoch entries", ErrCorrupt)
	}
	if epochs[0].StartOffset != f.Chunks[0].FirstOffset {
		return fmt.Errorf("%w: first leader epoch starts at %d, the first batch at %d", ErrCorrupt, epochs[0].StartOffset, f.Chunks[0].FirstOffset)
	}
	for i := 1; i < len(epochs); i++ {
		prev, e := epochs[i-1], epochs[i]
		if e.Epoch <= prev.Epoch || e.StartOffset <= prev.StartOffset || e.StartOffset > f.Meta.LastOffset {
			return fmt.Errorf("%w: leader epoch %d at offset %d after epoch %d at %d", ErrCorrupt, e.Epoch, e.StartOffset, prev.Epoch, prev.StartOffset)
		}
	}
	return nil
}
