package remote

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/strata-streaming/strata/tiered/batch"
)

// minObjectSize is the size of the smallest segment object: one chunk of
// one batch, a footer with one chunk and one epoch entry, and the trailer.
const minObjectSize = 1 + footerHeaderSize + chunkEntrySize + epochEntrySize + TrailerSize

// Validate checks the manifest: a partition that keys can name, segments
// that are valid, named by well-formed keys of this partition, in offset
// order without overlap and with leader epochs that never decrease. Errors
// match ErrInvalidManifest.
func (m *PartitionManifest) Validate() error {
	tp := m.TopicPartition()
	if err := tp.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidManifest, err)
	}
	if m.Version < 0 || m.LogStartOffset < 0 {
		return fmt.Errorf("%w: version %d, log start offset %d", ErrInvalidManifest, m.Version, m.LogStartOffset)
	}
	for i := range m.Segments {
		s := &m.Segments[i]
		if err := s.validate(tp); err != nil {
			return fmt.Errorf("%w: segment %d: %w", ErrInvalidManifest, i, err)
		}
		if i > 0 {
			if err := checkFollows(&m.Segments[i-1], s); err != nil {
				return invalid(fmt.Errorf("segment %d: %w", i, err))
			}
		}
	}
	return nil
}

// validate checks one segment entry of the partition tp.
func (s *Segment) validate(tp TopicPartition) error {
	switch {
	case s.BaseOffset < 0 || s.BaseOffset > s.LastOffset || s.LastOffset == math.MaxInt64 || s.NextOffset != s.LastOffset+1:
		return fmt.Errorf("offsets %d, %d, %d are not base <= last < next = last+1", s.BaseOffset, s.LastOffset, s.NextOffset)
	case s.FirstLeaderEpoch < -1 || s.FirstLeaderEpoch > s.LastLeaderEpoch:
		return fmt.Errorf("leader epochs %d to %d", s.FirstLeaderEpoch, s.LastLeaderEpoch)
	case s.BatchBytes < batch.HeaderSize || s.ObjectSize < minObjectSize:
		return fmt.Errorf("%d bytes of batches in a %d-byte object", s.BatchBytes, s.ObjectSize)
	case s.UploadTime.IsZero():
		return fmt.Errorf("no upload time")
	}
	k, err := ParseSegmentKey(s.Key)
	if err != nil {
		return err
	}
	if k.TopicPartition != tp || k.BaseOffset != s.BaseOffset {
		return fmt.Errorf("%w: key %q names another partition or base offset than %s/%d at %d",
			ErrInvalidKey, s.Key, tp.Topic, tp.Partition, s.BaseOffset)
	}
	return nil
}

// checkFollows checks that s may come after prev in a manifest.
func checkFollows(prev, s *Segment) error {
	if s.BaseOffset < prev.NextOffset {
		return fmt.Errorf("%w: base offset %d, the previous segment ends at %d", ErrSegmentOverlap, s.BaseOffset, prev.NextOffset)
	}
	if s.FirstLeaderEpoch < prev.LastLeaderEpoch {
		return fmt.Errorf("%w: leader epoch %d after epoch %d", ErrInvalidManifest, s.FirstLeaderEpoch, prev.LastLeaderEpoch)
	}
	return nil
}

// invalid returns err matching ErrInvalidManifest.
func invalid(err error) error {
	if errors.Is(err, ErrInvalidManifest) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrInvalidManifest, err)
}

// AddSegment returns m with seg appended and the version advanced. seg
// must start exactly at m's end offset: below it is ErrSegmentOverlap,
// above it ErrSegmentGap (see AddSegmentAfterGap). For the first segment
// the end offset is the log start offset, and a first segment may also
// start below it if it ends above it. m is not modified.
func AddSegment(m PartitionManifest, seg Segment) (PartitionManifest, error) {
	return addSegment(m, seg, false)
}

// AddSegmentAfterGap is AddSegment but accepts a segment that starts above
// the manifest's end offset, leaving offsets that no tier holds: for a
// partition whose oldest local data was deleted before it was uploaded.
func AddSegmentAfterGap(m PartitionManifest, seg Segment) (PartitionManifest, error) {
	return addSegment(m, seg, true)
}

func addSegment(m PartitionManifest, seg Segment, allowGap bool) (PartitionManifest, error) {
	if err := seg.validate(m.TopicPartition()); err != nil {
		return m, fmt.Errorf("%w: new segment: %w", ErrInvalidManifest, err)
	}
	end := m.EndOffset()
	if n := len(m.Segments); n > 0 {
		if err := checkFollows(&m.Segments[n-1], &seg); err != nil {
			return m, fmt.Errorf("add segment at %d: %w", seg.BaseOffset, err)
		}
	} else if seg.NextOffset <= m.LogStartOffset {
		return m, fmt.Errorf("%w: segment %d-%d is below the log start offset %d",
			ErrSegmentOverlap, seg.BaseOffset, seg.LastOffset, m.LogStartOffset)
	}
	if seg.BaseOffset > end && !allowGap {
		return m, fmt.Errorf("%w: segment starts at %d, the manifest ends at %d", ErrSegmentGap, seg.BaseOffset, end)
	}
	out := m
	out.Segments = append(slices.Clone(m.Segments), seg)
	out.Version++
	return out, nil
}

// RemoveSegmentsBefore returns m with its log start offset raised to
// offset (it never goes down) and without the segments that end at or
// below it, and the segments removed. The version advances only when
// something changed; when nothing did, m is returned as it is. The
// removed segments' objects may be deleted once the new manifest is
// stored. m is not modified.
func RemoveSegmentsBefore(m PartitionManifest, offset int64) (PartitionManifest, []Segment) {
	n := sort.Search(len(m.Segments), func(i int) bool { return m.Segments[i].NextOffset > offset })
	if n == 0 && offset <= m.LogStartOffset {
		return m, nil
	}
	out := m
	out.LogStartOffset = max(m.LogStartOffset, offset)
	out.Segments = slices.Clone(m.Segments[n:])
	out.Version++
	return out, slices.Clone(m.Segments[:n])
}

// SegmentFor returns the segment to read offset from: the one holding it,
// or when offset falls in a gap between segments the first one after it.
// ok is false when offset is below the log start offset or at or past the
// manifest's end.
func SegmentFor(m PartitionManifest, offset int64) (Segment, bool) {
	if offset < m.LogStartOffset {
		return Segment{}, false
	}
	i := sort.Search(len(m.Segments), func(i int) bool { return m.Segments[i].NextOffset > offset })
	if i == len(m.Segments) {
		return Segment{}, false
	}
	return m.Segments[i], true
}

// SegmentForTime returns the first segment above the log start offset
// that holds a batch whose max timestamp is at least ts: where a search
// for the first record at or after ts starts. ok is false when none does.
func SegmentForTime(m PartitionManifest, ts int64) (Segment, bool) {
	for _, s := range m.Segments {
		if s.NextOffset > m.LogStartOffset && s.MaxTimestamp >= ts {
			return s, true
		}
	}
	return Segment{}, false
}
