package retention

import (
	"strings"
	"time"
)

// Segment is what planning needs to know about one segment of a partition
// log. Callers pass a partition's segments oldest first; the last one is the
// active segment.
type Segment struct {
	// BaseOffset is the offset of the segment's first record (or, for an
	// empty segment, of the first record it would hold).
	BaseOffset int64
	// NextOffset is one past the offset of the segment's last record.
	NextOffset int64
	// Size is the segment's size in bytes.
	Size int64
	// MaxTimestamp is the largest record timestamp in the segment, in
	// milliseconds since the Unix epoch, or -1 if it has none.
	MaxTimestamp int64
	// ModTime is the last modification time of the segment's file, which
	// stands in for MaxTimestamp when that is -1.
	ModTime time.Time
	// Active marks the segment appends go to. The last segment is treated
	// as active whether or not it is marked.
	Active bool
}

// LargestTimestamp is the timestamp time-based retention judges the segment
// by, in milliseconds since the Unix epoch: MaxTimestamp if the segment has
// one (it is at least 0), otherwise ModTime, as in Kafka.
func (s Segment) LargestTimestamp() int64 {
	if s.MaxTimestamp >= 0 {
		return s.MaxTimestamp
	}
	return s.ModTime.UnixMilli()
}

// Reason says which retention rules asked for a deletion. It is a set: a
// plan that both rules contribute to has ReasonTime|ReasonSize.
type Reason uint8

// The retention rules.
const (
	ReasonTime Reason = 1 << iota // retention.ms
	ReasonSize                    // retention.bytes
)

// Has reports whether r includes every rule in q.
func (r Reason) Has(q Reason) bool { return r&q == q }

// String returns the rules in r joined by "+" ("time", "size", "time+size"),
// or "none"; the values are stable for logs and metric attributes.
func (r Reason) String() string {
	var names []string
	if r.Has(ReasonTime) {
		names = append(names, "time")
	}
	if r.Has(ReasonSize) {
		names = append(names, "size")
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "+")
}

// Plan is the retention work for one partition. Today that is deleting a
// prefix of its local segments; the steps of the remote tier (uploads,
// remote deletions) join it as further fields when that tier is built.
type Plan struct {
	// Delete is how many of the oldest local segments to delete.
	Delete int
	// LogStartOffset is the partition's log start offset once they are
	// gone: the BaseOffset of the first segment kept. It is 0 when Delete
	// is 0.
	LogStartOffset int64
	// BytesFreed is the total size of the segments to delete.
	BytesFreed int64
	// Reason is the set of rules that, each on its own, would delete at
	// least one segment.
	Reason Reason
}

// Empty reports whether the plan has nothing to do.
func (p Plan) Empty() bool { return p.Delete == 0 }

// PlanLocal decides which of a partition's local segments, passed oldest
// first, time- and size-based retention delete at time now. It follows
// Kafka: each rule deletes the longest prefix of the oldest segments that
// breaks it, and the plan deletes the longer of the two prefixes, which is
// what applying the rules one after the other deletes. Retention never
// deletes the active segment, nor any segment after it.
//
// A segment breaks time-based retention when its LargestTimestamp is more
// than p.RetentionMs before now; one exactly p.RetentionMs old is kept. Size
// retention deletes a segment while the partition, active segment included,
// would still hold at least p.RetentionBytes without it.
func PlanLocal(now time.Time, p Policy, segs []Segment) Plan {
	sealed := segs[:sealedPrefix(segs)]
	byTime := expiredPrefix(now.UnixMilli(), p.RetentionMs, sealed)
	bySize := oversizePrefix(totalSize(segs), p.RetentionBytes, sealed)
	n := max(byTime, bySize)
	if n == 0 {
		return Plan{}
	}
	plan := Plan{Delete: n, LogStartOffset: segs[n].BaseOffset, BytesFreed: totalSize(segs[:n])}
	if byTime > 0 {
		plan.Reason |= ReasonTime
	}
	if bySize > 0 {
		plan.Reason |= ReasonSize
	}
	return plan
}

// sealedPrefix returns how many segments precede the active one: the first
// segment marked Active, or else the last segment.
func sealedPrefix(segs []Segment) int {
	if len(segs) == 0 {
		return 0
	}
	for i, s := range segs[:len(segs)-1] {
		if s.Active {
			return i
		}
	}
	return len(segs) - 1
}

// expiredPrefix returns how many of the leading segments have a largest
// timestamp more than retentionMs before nowMs (Kafka's
// now - largestTimestamp > retention.ms).
func expiredPrefix(nowMs, retentionMs int64, segs []Segment) int {
	if retentionMs < 0 {
		return 0
	}
	for i, s := range segs {
		if nowMs-s.LargestTimestamp() <= retentionMs {
			return i
		}
	}
	return len(segs)
}

// oversizePrefix returns how many of the leading segments can go while the
// partition, of total bytes, keeps at least retentionBytes.
func oversizePrefix(total, retentionBytes int64, segs []Segment) int {
	if retentionBytes < 0 {
		return 0
	}
	excess := total - retentionBytes
	for i, s := range segs {
		if excess-s.Size < 0 {
			return i
		}
		excess -= s.Size
	}
	return len(segs)
}

func totalSize(segs []Segment) int64 {
	var n int64
	for _, s := range segs {
		n += s.Size
	}
	return n
}
