package retention

import "github.com/strata-streaming/strata/tiered/segment"

// HotLog is the hot tier of a partition as retention sees it. Both
// *segment.Log and *tiered.Log satisfy it.
type HotLog interface {
	Segments() []segment.Info
	DeleteSegmentsBefore(offset int64) (int, error)
}

// Local adapts a hot-tier log to a Partition, so the manager enforces time
// and size retention on its local segments.
func Local(l HotLog) Partition { return localPartition{l} }

type localPartition struct{ log HotLog }

func (p localPartition) RetentionSegments() []Segment {
	infos := p.log.Segments()
	segs := make([]Segment, len(infos))
	for i, info := range infos {
		segs[i] = Segment{
			BaseOffset:   info.BaseOffset,
			NextOffset:   info.NextOffset,
			Size:         info.Size,
			MaxTimestamp: info.MaxTimestamp,
			ModTime:      info.ModTime,
			Active:       !info.Sealed,
		}
	}
	return segs
}

func (p localPartition) DeleteSegmentsBefore(offset int64) (int, error) {
	return p.log.DeleteSegmentsBefore(offset)
}
