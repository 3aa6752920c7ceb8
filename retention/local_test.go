package retention_test

import (
	"context"
	"testing"
	"time"

	"github.com/strata-streaming/strata/retention"
	"github.com/strata-streaming/strata/tiered"
	"github.com/strata-streaming/strata/tiered/batch/batchtest"
	"github.com/strata-streaming/strata/tiered/segment"
)

// TestLocalRetentionOnARealLog runs the manager over a real hot-tier log:
// time retention removes the expired prefix, size retention the oversize
// one, the active segment stays, and the log start offset follows.
func TestLocalRetentionOnARealLog(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	cfg := segment.DefaultConfig()
	cfg.SegmentBytes = 2048
	cfg.Now = func() time.Time { return now }
	l, err := segment.Open(t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// Twenty batches, one hour apart in record time, the newest an hour old.
	for i := 0; i < 20; i++ {
		ts := now.Add(-time.Duration(20-i) * time.Hour).UnixMilli()
		b := batchtest.Values(2, 200, batchtest.Options{BaseTimestamp: ts})
		if _, err := l.Append(b, segment.AppendOptions{LeaderEpoch: -1}); err != nil {
			t.Fatal(err)
		}
	}
	before := l.Segments()
	if len(before) < 4 {
		t.Fatalf("want several segments, have %d", len(before))
	}

	policy := retention.Policy{RetentionMs: (10 * time.Hour).Milliseconds(), RetentionBytes: -1}
	m, err := retention.New(retention.Config{CheckInterval: time.Hour, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	m.Add("t-0", retention.Local(l), func() retention.Policy { return policy })

	plan, err := m.Enforce(context.Background(), "t-0")
	if err != nil || plan.Empty() {
		t.Fatalf("time retention: %+v, %v", plan, err)
	}
	for _, s := range l.Segments() {
		if s.Sealed && now.UnixMilli()-s.MaxTimestamp > policy.RetentionMs {
			t.Fatalf("expired segment %+v kept", s)
		}
	}
	if l.StartOffset() != l.Segments()[0].BaseOffset {
		t.Fatalf("start offset %d, first segment %d", l.StartOffset(), l.Segments()[0].BaseOffset)
	}

	policy = retention.Policy{RetentionMs: -1, RetentionBytes: 1}
	if _, err := m.Enforce(context.Background(), "t-0"); err != nil {
		t.Fatal(err)
	}
	after := l.Segments()
	if len(after) != 1 || after[0].Sealed {
		t.Fatalf("size retention left %+v; want only the active segment", after)
	}
	if l.StartOffset() != after[0].BaseOffset || l.EndOffset() != 40 {
		t.Fatalf("start %d end %d", l.StartOffset(), l.EndOffset())
	}
}

// Both hot-tier log types can be put under retention.
var (
	_ retention.HotLog = (*segment.Log)(nil)
	_ retention.HotLog = (*tiered.Log)(nil)
)
