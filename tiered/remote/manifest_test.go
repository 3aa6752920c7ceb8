package remote

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// seg returns a valid manifest entry of goldenTP for offsets base to
// next-1, with leader epochs first to last and max timestamp maxTs.
func seg(base, next int64, first, last int32, maxTs int64) Segment {
	return Segment{
		BaseOffset: base, LastOffset: next - 1, NextOffset: next,
		FirstLeaderEpoch: first, LastLeaderEpoch: last,
		MinTimestamp: maxTs - 100, MaxTimestamp: maxTs,
		BatchBytes: 1000, ObjectSize: 800, ObjectCRC32C: 0xdeadbeef,
		Key:        SegmentKey(goldenTP, base, last, UploadID(base)),
		UploadTime: goldenTime,
	}
}

// manifestOf returns goldenTP's manifest holding segs, at version 5 with
// log start offset start.
func manifestOf(start int64, segs ...Segment) PartitionManifest {
	m := NewPartitionManifest(goldenTP)
	m.Version, m.LogStartOffset = 5, start
	m.Segments = append(m.Segments, segs...)
	return m
}

func TestAddSegment(t *testing.T) {
	two := manifestOf(0, seg(0, 100, 1, 1, 1000), seg(100, 200, 1, 2, 2000))
	for _, tc := range []struct {
		name     string
		m        PartitionManifest
		seg      Segment
		allowGap bool
		want     error // nil: added
	}{
		{"contiguous", two, seg(200, 300, 2, 2, 3000), false, nil},
		{"first at the log start", manifestOf(50), seg(50, 150, 1, 1, 0), false, nil},
		{"first across the log start", manifestOf(50), seg(0, 150, 1, 1, 0), false, nil},
		{"first below the log start", manifestOf(150), seg(0, 150, 1, 1, 0), false, ErrSegmentOverlap},
		{"first after a gap", manifestOf(50), seg(60, 150, 1, 1, 0), false, ErrSegmentGap},
		{"first after an allowed gap", manifestOf(50), seg(60, 150, 1, 1, 0), true, nil},
		{"overlap", two, seg(199, 300, 2, 2, 0), false, ErrSegmentOverlap},
		{"overlap even with gaps allowed", two, seg(150, 300, 2, 2, 0), true, ErrSegmentOverlap},
		{"same segment again", two, seg(100, 200, 1, 2, 2000), false, ErrSegmentOverlap},
		{"gap", two, seg(201, 300, 2, 2, 0), false, ErrSegmentGap},
		{"allowed gap", two, seg(250, 300, 2, 2, 0), true, nil},
		{"older leader epoch", two, seg(200, 300, 1, 3, 0), false, ErrInvalidManifest},
		{"invalid segment", two, func() Segment { s := seg(200, 300, 2, 2, 0); s.NextOffset++; return s }(), false, ErrInvalidManifest},
		{"key of another partition", two, func() Segment {
			s := seg(200, 300, 2, 2, 0)
			s.Key = SegmentKey(TopicPartition{Topic: "orders", TopicID: goldenTP.TopicID, Partition: 4}, 200, 2, 1)
			return s
		}(), false, ErrInvalidKey},
		{"key of another base offset", two, func() Segment { s := seg(200, 300, 2, 2, 0); s.Key = seg(201, 300, 2, 2, 0).Key; return s }(), false, ErrInvalidKey},
	} {
		before := fmt.Sprint(tc.m)
		add := AddSegment
		if tc.allowGap {
			add = AddSegmentAfterGap
		}
		got, err := add(tc.m, tc.seg)
		if fmt.Sprint(tc.m) != before {
			t.Fatalf("%s: the input manifest changed", tc.name)
		}
		if tc.want != nil {
			if !errors.Is(err, tc.want) {
				t.Fatalf("%s: %v, want %v", tc.name, err, tc.want)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got.Version != tc.m.Version+1 || len(got.Segments) != len(tc.m.Segments)+1 || got.Segments[len(got.Segments)-1] != tc.seg {
			t.Fatalf("%s: got version %d with %d segments", tc.name, got.Version, len(got.Segments))
		}
		if err := got.Validate(); err != nil {
			t.Fatalf("%s: result invalid: %v", tc.name, err)
		}
	}
}

func TestRemoveSegmentsBefore(t *testing.T) {
	m := manifestOf(10, seg(0, 100, 1, 1, 0), seg(100, 200, 1, 1, 0), seg(250, 300, 2, 2, 0))
	for _, tc := range []struct {
		offset    int64
		wantStart int64
		wantBases []int64 // remaining segments
		removed   int
		changed   bool
	}{
		{5, 10, []int64{0, 100, 250}, 0, false},
		{10, 10, []int64{0, 100, 250}, 0, false},
		{50, 50, []int64{0, 100, 250}, 0, true},
		{100, 100, []int64{100, 250}, 1, true},
		{199, 199, []int64{100, 250}, 1, true},
		{200, 200, []int64{250}, 2, true},
		{260, 260, []int64{250}, 2, true},
		{300, 300, nil, 3, true},
		{1000, 1000, nil, 3, true},
	} {
		got, removed := RemoveSegmentsBefore(m, tc.offset)
		var bases []int64
		for _, s := range got.Segments {
			bases = append(bases, s.BaseOffset)
		}
		wantVersion := m.Version
		if tc.changed {
			wantVersion++
		}
		if got.LogStartOffset != tc.wantStart || fmt.Sprint(bases) != fmt.Sprint(tc.wantBases) ||
			len(removed) != tc.removed || got.Version != wantVersion {
			t.Fatalf("before %d: start %d, segments %v, %d removed, version %d", tc.offset, got.LogStartOffset, bases, len(removed), got.Version)
		}
		if err := got.Validate(); err != nil {
			t.Fatalf("before %d: %v", tc.offset, err)
		}
	}
	if len(m.Segments) != 3 || m.LogStartOffset != 10 {
		t.Fatal("the input manifest changed")
	}
	// Segments wholly below the start (left by an earlier start move) go
	// even when the start does not move.
	stale := manifestOf(150, seg(0, 100, 1, 1, 0), seg(100, 200, 1, 1, 0))
	got, removed := RemoveSegmentsBefore(stale, 120)
	if len(removed) != 1 || got.LogStartOffset != 150 || got.Version != stale.Version+1 {
		t.Fatalf("stale segment: %d removed, start %d", len(removed), got.LogStartOffset)
	}
}

func TestSegmentFor(t *testing.T) {
	m := manifestOf(10, seg(0, 100, 1, 1, 5000), seg(100, 200, 1, 1, 3000), seg(250, 300, 2, 2, 9000))
	for _, tc := range []struct {
		offset int64
		base   int64 // -1: none
	}{
		{0, -1}, {9, -1}, {10, 0}, {99, 0}, {100, 100}, {199, 100}, {200, 250}, {249, 250}, {250, 250}, {299, 250}, {300, -1}, {1 << 40, -1},
	} {
		s, ok := SegmentFor(m, tc.offset)
		if got := map[bool]int64{true: s.BaseOffset, false: -1}[ok]; got != tc.base {
			t.Fatalf("SegmentFor(%d) = %d, want %d", tc.offset, got, tc.base)
		}
	}
	for _, tc := range []struct {
		ts   int64
		base int64
	}{
		{0, 0}, {5000, 0}, {5001, 250}, {9000, 250}, {9001, -1},
	} {
		s, ok := SegmentForTime(m, tc.ts)
		if got := map[bool]int64{true: s.BaseOffset, false: -1}[ok]; got != tc.base {
			t.Fatalf("SegmentForTime(%d) = %d, want %d", tc.ts, got, tc.base)
		}
	}
	if _, ok := SegmentFor(NewPartitionManifest(goldenTP), 0); ok {
		t.Fatal("SegmentFor in an empty manifest found a segment")
	}
}

func TestPartitionManifestRoundTrip(t *testing.T) {
	m := manifestOf(10, seg(0, 100, 1, 1, 5000), seg(100, 200, 1, 3, 3000), seg(250, 300, 3, 3, 9000))
	m.Segments[0].UploadTime = time.Date(2024, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 3600))
	b, err := EncodePartitionManifest(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodePartitionManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	m.Segments[0].UploadTime = m.Segments[0].UploadTime.UTC()
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, m)
	}
	empty, err := EncodePartitionManifest(NewPartitionManifest(goldenTP))
	if err != nil || !bytes.Contains(empty, []byte(`"segments":[]`)) {
		t.Fatalf("empty manifest: %s, %v", empty, err)
	}
	if _, err := DecodePartitionManifest(empty); err != nil {
		t.Fatal(err)
	}
}

func TestTopicManifestRoundTrip(t *testing.T) {
	m := TopicManifest{Topic: "a.b_c-d", TopicID: goldenTP.TopicID, Partitions: 12, Created: goldenTime,
		Configs: map[string]string{"x": `<&>"\`, "retention.ms": "-1"}}
	b, err := EncodeTopicManifest(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeTopicManifest(b)
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	m.Configs = nil
	if b, err = EncodeTopicManifest(m); err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeTopicManifest(b); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []TopicManifest{
		{Topic: "", TopicID: goldenTP.TopicID, Partitions: 1, Created: goldenTime},
		{Topic: "a/b", TopicID: goldenTP.TopicID, Partitions: 1, Created: goldenTime},
		{Topic: "t", Partitions: 1, Created: goldenTime},
		{Topic: "t", TopicID: goldenTP.TopicID, Partitions: 0, Created: goldenTime},
		{Topic: "t", TopicID: goldenTP.TopicID, Partitions: 1},
		{Topic: "t", TopicID: goldenTP.TopicID, Partitions: 1, Created: goldenTime, Configs: map[string]string{"": "x"}},
	} {
		if _, err := EncodeTopicManifest(bad); !errors.Is(err, ErrInvalidManifest) {
			t.Fatalf("%+v: %v", bad, err)
		}
	}
}

// TestDecodeManifestRejects edits a valid encoding in ways a decoder must
// refuse.
func TestDecodeManifestRejects(t *testing.T) {
	m := manifestOf(0, seg(0, 100, 1, 1, 5000), seg(100, 200, 1, 1, 3000))
	good, err := EncodePartitionManifest(m)
	if err != nil {
		t.Fatal(err)
	}
	// reencode applies edit to the manifest JSON and fixes the envelope's
	// CRC, so that only validation can catch the edit.
	reencode := func(edit func(string) string) []byte {
		body := edit(string(good[strings.Index(string(good), `"manifest":`)+len(`"manifest":`) : len(good)-2]))
		return fmt.Appendf(nil, `{"format":"strata-partition-manifest","format_version":1,"crc32c":"%08x","manifest":%s}`, crc32c([]byte(body)), body)
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"CRC mismatch", bytes.Replace(good, []byte(`"version":5`), []byte(`"version":6`), 1), ErrInvalidManifest},
		{"bad CRC text", bytes.Replace(good, []byte(`"crc32c":"`), []byte(`"crc32c":"X`), 1), ErrInvalidManifest},
		{"future format version", bytes.Replace(good, []byte(`"format_version":1`), []byte(`"format_version":2`), 1), ErrUnsupportedVersion},
		{"topic manifest format", bytes.Replace(good, []byte(`strata-partition-manifest`), []byte(`strata-topic-manifest`), 1), ErrInvalidManifest},
		{"trailing data", append(bytes.Clone(good), '{', '}'), ErrInvalidManifest},
		{"unknown envelope field", bytes.Replace(good, []byte(`{"format"`), []byte(`{"x":1,"format"`), 1), ErrInvalidManifest},
		{"truncated", good[:len(good)/2], ErrInvalidManifest},
		{"empty", nil, ErrInvalidManifest},
		{"unknown field", reencode(func(s string) string { return strings.Replace(s, `"topic"`, `"x":1,"topic"`, 1) }), ErrInvalidManifest},
		{"segments out of order", reencode(func(s string) string {
			i := strings.Index(s, `{"base_offset":100`)
			return s[:strings.Index(s, "[")+1] + s[i:len(s)-2] + "," + s[strings.Index(s, "[")+1:i-1] + "]}"
		}), ErrSegmentOverlap},
		{"bad topic id", reencode(func(s string) string { return strings.Replace(s, goldenTP.TopicID.String(), "AAAA", 1) }), ErrInvalidManifest},
		{"zero topic id", reencode(func(s string) string { return strings.Replace(s, goldenTP.TopicID.String(), TopicID{}.String(), 1) }), ErrInvalidKey},
		{"negative start", reencode(func(s string) string { return strings.Replace(s, `"log_start_offset":0`, `"log_start_offset":-1`, 1) }), ErrInvalidManifest},
		{"malformed key", reencode(func(s string) string { return strings.Replace(s, ".seg", ".sg", 1) }), ErrInvalidKey},
		{"bad object CRC", reencode(func(s string) string { return strings.Replace(s, `"deadbeef"`, `"DEADBEEF"`, 1) }), ErrInvalidManifest},
	} {
		if _, err := DecodePartitionManifest(tc.b); !errors.Is(err, tc.want) || !errors.Is(err, ErrInvalidManifest) && tc.want != ErrUnsupportedVersion {
			t.Fatalf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := DecodePartitionManifest(reencode(func(s string) string { return s })); err != nil {
		t.Fatalf("re-encoded without an edit: %v", err)
	}
}
