package retention_test

import (
	"fmt"
	"time"

	"github.com/strata-streaming/strata/retention"
)

func ExamplePlanLocal() {
	now := time.Date(2025, 1, 8, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	segs := []retention.Segment{
		{BaseOffset: 0, NextOffset: 1000, Size: 1 << 20, MaxTimestamp: now.Add(-9 * day).UnixMilli()},
		{BaseOffset: 1000, NextOffset: 2000, Size: 1 << 20, MaxTimestamp: now.Add(-8 * day).UnixMilli()},
		{BaseOffset: 2000, NextOffset: 3000, Size: 1 << 20, MaxTimestamp: now.Add(-1 * day).UnixMilli()},
		{BaseOffset: 3000, NextOffset: 3500, Size: 1 << 19, MaxTimestamp: now.UnixMilli(), Active: true},
	}
	plan := retention.PlanLocal(now, retention.DefaultPolicy(), segs)
	fmt.Printf("delete %d segments (%d bytes, %s); log start offset %d\n",
		plan.Delete, plan.BytesFreed, plan.Reason, plan.LogStartOffset)
	// Output: delete 2 segments (2097152 bytes, time); log start offset 2000
}
