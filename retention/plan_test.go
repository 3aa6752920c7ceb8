package retention

import (
	"testing"
	"time"
)

var planNow = time.UnixMilli(1_700_000_000_000)

// at returns the millisecond timestamp ms milliseconds before planNow.
func at(msAgo int64) int64 { return planNow.UnixMilli() - msAgo }

// segs builds contiguous segments of 10 offsets each, starting at offset
// 100, from (size, max timestamp) pairs. Files were modified at planNow, so
// a segment without a timestamp is fresh unless a test says otherwise. The
// last segment is marked active.
func segs(sizeAndTs ...int64) []Segment {
	var out []Segment
	for i := 0; i+1 < len(sizeAndTs); i += 2 {
		base := 100 + int64(len(out))*10
		out = append(out, Segment{
			BaseOffset:   base,
			NextOffset:   base + 10,
			Size:         sizeAndTs[i],
			MaxTimestamp: sizeAndTs[i+1],
			ModTime:      planNow,
		})
	}
	if len(out) > 0 {
		out[len(out)-1].Active = true
	}
	return out
}

// withModTime returns s with segment i's file modified msAgo before planNow.
func withModTime(s []Segment, i int, msAgo int64) []Segment {
	s[i].ModTime = planNow.Add(-time.Duration(msAgo) * time.Millisecond)
	return s
}

const hour = int64(time.Hour / time.Millisecond)

func TestPlanLocal(t *testing.T) {
	unlimited := Policy{RetentionMs: Unlimited, RetentionBytes: Unlimited}
	byTime := Policy{RetentionMs: hour, RetentionBytes: Unlimited}
	bySize := func(r int64) Policy { return Policy{RetentionMs: Unlimited, RetentionBytes: r} }
	old := at(10 * hour)
	for _, tc := range []struct {
		name   string
		policy Policy
		segs   []Segment
		want   Plan
	}{
		{"no segments", DefaultPolicy(), nil, Plan{}},
		{"only the active segment, expired and over size",
			Policy{RetentionMs: 0, RetentionBytes: 0}, segs(500, old), Plan{}},
		{"unlimited both", unlimited, segs(100, old, 100, old, 100, old), Plan{}},

		// Time: a segment is expired when now - largest > retention.ms.
		{"time: exactly retention.ms old is kept", byTime,
			segs(100, at(hour), 100, old), Plan{}},
		{"time: one ms older is expired", byTime,
			segs(100, at(hour+1), 100, old),
			Plan{Delete: 1, LogStartOffset: 110, BytesFreed: 100, Reason: ReasonTime}},
		{"time: retention.ms 0 keeps a segment stamped now", Policy{RetentionMs: 0, RetentionBytes: Unlimited},
			segs(100, at(0), 100, at(0)), Plan{}},
		{"time: retention.ms 0 deletes a segment one ms old", Policy{RetentionMs: 0, RetentionBytes: Unlimited},
			segs(100, at(1), 100, at(1)),
			Plan{Delete: 1, LogStartOffset: 110, BytesFreed: 100, Reason: ReasonTime}},
		{"time: every sealed segment expired, active kept", byTime,
			segs(100, old, 200, old, 300, old, 400, old),
			Plan{Delete: 3, LogStartOffset: 130, BytesFreed: 600, Reason: ReasonTime}},
		{"time: a fresh segment stops deletion", byTime,
			segs(100, old, 100, at(0), 100, old, 100, old),
			Plan{Delete: 1, LogStartOffset: 110, BytesFreed: 100, Reason: ReasonTime}},
		{"time: a fresh first segment keeps everything", byTime,
			segs(100, at(0), 100, old, 100, old), Plan{}},
		{"time: no timestamp falls back to an old mtime", byTime,
			withModTime(segs(100, -1, 100, at(0)), 0, hour+1),
			Plan{Delete: 1, LogStartOffset: 110, BytesFreed: 100, Reason: ReasonTime}},
		{"time: no timestamp falls back to a fresh mtime", byTime,
			segs(100, -1, 100, at(0)), Plan{}},
		{"time: a timestamp wins over an old mtime", byTime,
			withModTime(segs(100, at(0), 100, at(0)), 0, 10*hour), Plan{}},
		{"time: timestamp 0 is a timestamp, not a missing one", byTime,
			segs(100, 0, 100, at(0)),
			Plan{Delete: 1, LogStartOffset: 110, BytesFreed: 100, Reason: ReasonTime}},
		{"time: an expired empty segment is deleted", byTime,
			withModTime(segs(0, -1, 100, at(0)), 0, 10*hour),
			Plan{Delete: 1, LogStartOffset: 110, BytesFreed: 0, Reason: ReasonTime}},

		// Size: delete the oldest while total - deleted - seg.Size >= retention.bytes.
		{"size: total below the limit", bySize(1000), segs(100, old, 100, old), Plan{}},
		{"size: total equal to the limit", bySize(300), segs(100, old, 100, old, 100, old), Plan{}},
		{"size: over by less than the oldest segment", bySize(300),
			segs(100, old, 100, old, 100, old, 99, old), Plan{}},
		{"size: over by exactly the oldest segment", bySize(300),
			segs(100, old, 100, old, 100, old, 100, old),
			Plan{Delete: 1, LogStartOffset: 110, BytesFreed: 100, Reason: ReasonSize}},
		{"size: deletes while the rest stays at or above the limit", bySize(150),
			segs(100, old, 100, old, 100, old, 100, old),
			Plan{Delete: 2, LogStartOffset: 120, BytesFreed: 200, Reason: ReasonSize}},
		{"size: limit 0 deletes every sealed segment", bySize(0),
			segs(100, old, 100, old, 50, old),
			Plan{Delete: 2, LogStartOffset: 120, BytesFreed: 200, Reason: ReasonSize}},
		{"size: a segment too large stops deletion", bySize(100),
			segs(200, old, 10, old, 0, old), Plan{}},
		{"size: the active segment is never deleted", bySize(0), segs(500, old), Plan{}},
		{"size: leading empty segments go even at the limit", bySize(100),
			segs(0, -1, 0, -1, 100, old, 0, -1),
			Plan{Delete: 2, LogStartOffset: 120, BytesFreed: 0, Reason: ReasonSize}},

		// Both: the longer prefix, with every rule that deletes anything.
		{"both: size reaches further", Policy{RetentionMs: hour, RetentionBytes: 100},
			segs(100, old, 100, at(0), 100, at(0), 100, at(0)),
			Plan{Delete: 3, LogStartOffset: 130, BytesFreed: 300, Reason: ReasonTime | ReasonSize}},
		{"both: time reaches further", Policy{RetentionMs: hour, RetentionBytes: 300},
			segs(100, old, 100, old, 100, old, 100, at(0)),
			Plan{Delete: 3, LogStartOffset: 130, BytesFreed: 300, Reason: ReasonTime | ReasonSize}},
		{"both: only time deletes", Policy{RetentionMs: hour, RetentionBytes: 1000},
			segs(100, old, 100, at(0)),
			Plan{Delete: 1, LogStartOffset: 110, BytesFreed: 100, Reason: ReasonTime}},
		{"both: only size deletes", Policy{RetentionMs: hour, RetentionBytes: 100},
			segs(100, at(0), 100, at(0)),
			Plan{Delete: 1, LogStartOffset: 110, BytesFreed: 100, Reason: ReasonSize}},
		{"both: everything expired and over size keeps the active segment", Policy{RetentionMs: 0, RetentionBytes: 0},
			segs(100, old, 100, old, 100, old),
			Plan{Delete: 2, LogStartOffset: 120, BytesFreed: 200, Reason: ReasonTime | ReasonSize}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := PlanLocal(planNow, tc.policy, tc.segs); got != tc.want {
				t.Errorf("PlanLocal = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// A segment marked active is never deleted, nor anything after it, even
// when it is not last.
func TestPlanLocalStopsAtActive(t *testing.T) {
	old := at(10 * hour)
	s := segs(100, old, 100, old, 100, old)
	s[1].Active = true
	got := PlanLocal(planNow, Policy{RetentionMs: 0, RetentionBytes: 0}, s)
	want := Plan{Delete: 1, LogStartOffset: 110, BytesFreed: 100, Reason: ReasonTime | ReasonSize}
	if got != want {
		t.Errorf("PlanLocal = %+v, want %+v", got, want)
	}
}

// Offsets need not be contiguous: the new log start offset is the first kept
// segment's base offset.
func TestPlanLocalLogStartOffsetIsFirstKeptBase(t *testing.T) {
	s := []Segment{
		{BaseOffset: 0, NextOffset: 40, Size: 10, MaxTimestamp: at(10 * hour)},
		{BaseOffset: 55, NextOffset: 60, Size: 10, MaxTimestamp: at(0), Active: true},
	}
	got := PlanLocal(planNow, Policy{RetentionMs: hour, RetentionBytes: Unlimited}, s)
	if got.Delete != 1 || got.LogStartOffset != 55 {
		t.Errorf("PlanLocal = %+v, want 1 segment deleted and log start offset 55", got)
	}
}

func TestPlanLocalDoesNotModifySegments(t *testing.T) {
	s := segs(100, at(10*hour), 100, at(0))
	before := append([]Segment(nil), s...)
	PlanLocal(planNow, Policy{RetentionMs: 0, RetentionBytes: 0}, s)
	for i := range s {
		if s[i] != before[i] {
			t.Fatalf("segment %d changed: %+v, was %+v", i, s[i], before[i])
		}
	}
}

func TestReasonString(t *testing.T) {
	for r, want := range map[Reason]string{
		0:                       "none",
		ReasonTime:              "time",
		ReasonSize:              "size",
		ReasonTime | ReasonSize: "time+size",
	} {
		if got := r.String(); got != want {
			t.Errorf("Reason(%d).String() = %q, want %q", r, got, want)
		}
	}
}

func TestPlanEmpty(t *testing.T) {
	if !(Plan{}).Empty() {
		t.Error("zero Plan is not empty")
	}
	if (Plan{Delete: 1}).Empty() {
		t.Error("Plan deleting a segment is empty")
	}
}
