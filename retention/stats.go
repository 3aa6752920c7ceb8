package retention

import "sync/atomic"

// Stats are a Manager's cumulative counters since New.
type Stats struct {
	// Runs counts partition enforcements, successful or not.
	Runs int64
	// Errors counts enforcements that failed.
	Errors int64
	// SegmentsDeleted counts the local segments the partitions reported
	// deleted.
	SegmentsDeleted int64
	// BytesDeleted is the total size of those segments.
	BytesDeleted int64
	// RemoteSegmentsDeleted counts the remote segments deleted.
	RemoteSegmentsDeleted int64
}

// outcome is what one partition enforcement did.
type outcome struct {
	segments       int
	bytes          int64
	remoteSegments int
	err            error
}

// counters hold the Manager's statistics. record is the one place an
// enforcement is counted, so instruments can be attached there.
type counters struct {
	runs, errors, segments, bytes, remoteSegments atomic.Int64
}

func (c *counters) record(o outcome) {
	c.runs.Add(1)
	if o.err != nil {
		c.errors.Add(1)
	}
	c.segments.Add(int64(o.segments))
	c.bytes.Add(o.bytes)
	c.remoteSegments.Add(int64(o.remoteSegments))
}

func (c *counters) snapshot() Stats {
	return Stats{
		Runs:            c.runs.Load(),
		Errors:          c.errors.Load(),
		SegmentsDeleted: c.segments.Load(),
		BytesDeleted:    c.bytes.Load(),

		RemoteSegmentsDeleted: c.remoteSegments.Load(),
	}
}
