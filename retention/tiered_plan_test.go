package retention

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// lsegs builds contiguous local segments of 10 offsets each, starting at
// base, from (size, max timestamp) pairs, files modified at planNow; the
// last is active.
func lsegs(base int64, sizeAndTs ...int64) []Segment {
	out := segs(sizeAndTs...)
	for i := range out {
		out[i].BaseOffset += base - 100
		out[i].NextOffset += base - 100
	}
	return out
}

// rsegs builds contiguous remote segments of 10 offsets each, starting at
// base, from (size, max timestamp) pairs.
func rsegs(base int64, sizeAndTs ...int64) []RemoteSegment {
	var out []RemoteSegment
	for i := 0; i+1 < len(sizeAndTs); i += 2 {
		b := base + int64(len(out))*10
		out = append(out, RemoteSegment{BaseOffset: b, NextOffset: b + 10, Size: sizeAndTs[i], MaxTimestamp: sizeAndTs[i+1]})
	}
	return out
}

// tiered returns a remote-enabled policy from the total and local limits.
func tiered(totalMs, totalBytes, localMs, localBytes int64) TieredPolicy {
	return TieredPolicy{
		Total:         Policy{RetentionMs: totalMs, RetentionBytes: totalBytes},
		Local:         Policy{RetentionMs: localMs, RetentionBytes: localBytes},
		RemoteEnabled: true,
	}
}

type tieredCase struct {
	name      string
	policy    TieredPolicy
	local     []Segment
	remote    []RemoteSegment
	remoteEnd int64
	want      TieredPlan
}

func runTiered(t *testing.T, cases []tieredCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := PlanTiered(planNow, tc.policy, tc.local, tc.remote, tc.remoteEnd)
			if len(got.Upload) == 0 {
				got.Upload = nil
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("PlanTiered =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

func TestPlanTieredEmpty(t *testing.T) {
	tight := tiered(0, 0, 0, 0)
	runTiered(t, []tieredCase{
		{"no segments anywhere", tight, nil, nil, 0, TieredPlan{}},
		{"no segments, the remote end is the log start", tight, nil, nil, 500,
			TieredPlan{LogStartOffset: 500}},
		{"only the active segment", tight, lsegs(100, 100, at(hour)), nil, 100,
			TieredPlan{LogStartOffset: 100}},
		{"remote only, all expired: the log start is the remote end", tiered(hour, Unlimited, 0, 0),
			nil, rsegs(100, 10, at(2*hour), 10, at(2*hour)), 120,
			TieredPlan{DeleteRemoteBefore: 120, LogStartOffset: 120, Reason: ReasonTime}},
		{"remote only, none expired", tiered(hour, Unlimited, 0, 0),
			nil, rsegs(100, 10, at(0)), 110, TieredPlan{LogStartOffset: 100}},
	})
}

func TestPlanTieredUpload(t *testing.T) {
	old := at(10 * hour)
	tight := tiered(hour, 0, 0, 0)
	three := lsegs(100, 100, old, 200, old, 300, old, 50, at(0))
	runTiered(t, []tieredCase{
		{"outage: nothing uploaded, nothing deleted, backlog is every sealed segment", tight,
			three, nil, 100,
			TieredPlan{Upload: three[:3], LogStartOffset: 100, BacklogBytes: 600}},
		{"partially uploaded: only uploaded segments go by local retention", tiered(Unlimited, Unlimited, 0, Unlimited),
			three, rsegs(100, 100, old, 200, old), 120,
			TieredPlan{Upload: three[2:3], DeleteLocalBefore: 120, LogStartOffset: 100,
				LocalReason: ReasonTime, BacklogBytes: 300}},
		{"partially uploaded: total retention stops at the first segment not uploaded", tight,
			three, rsegs(100, 100, old, 200, old), 120,
			TieredPlan{Upload: three[2:3], DeleteLocalBefore: 120, DeleteRemoteBefore: 120,
				LogStartOffset: 120, Reason: ReasonTime | ReasonSize, LocalReason: ReasonTime | ReasonSize,
				BacklogBytes: 300}},
		{"a segment straddling the remote end is not uploaded", tiered(Unlimited, Unlimited, 0, 0),
			three, rsegs(100, 100, old, 100, old), 115,
			TieredPlan{Upload: three[1:3], DeleteLocalBefore: 110, LogStartOffset: 100,
				LocalReason: ReasonTime | ReasonSize, BacklogBytes: 500}},
		{"remote disabled: nothing to upload, no backlog", TieredPolicy{Total: Policy{Unlimited, Unlimited}},
			three, nil, 0, TieredPlan{LogStartOffset: 100}},
	})
}

func TestPlanTieredLocalRetention(t *testing.T) {
	old := at(10 * hour)
	all := lsegs(100, 100, old, 100, at(0), 100, at(0), 100, at(0))
	remote := rsegs(100, 100, old, 100, at(0), 100, at(0))
	runTiered(t, []tieredCase{
		{"everything uploaded, local.retention.bytes 0: all sealed go, active stays",
			tiered(Unlimited, Unlimited, Unlimited, 0), all, remote, 130,
			TieredPlan{DeleteLocalBefore: 130, LogStartOffset: 100, LocalReason: ReasonSize}},
		{"everything uploaded, local.retention.ms 0: what is older than now goes",
			tiered(Unlimited, Unlimited, 0, Unlimited), all, remote, 130,
			TieredPlan{DeleteLocalBefore: 110, LogStartOffset: 100, LocalReason: ReasonTime}},
		{"uploaded but within local retention: kept",
			tiered(Unlimited, Unlimited, 20*hour, 1000), all, remote, 130,
			TieredPlan{LogStartOffset: 100}},
		{"local.retention.ms: exactly that old is kept, one ms older goes",
			tiered(Unlimited, Unlimited, 10*hour-1, Unlimited), all, remote, 130,
			TieredPlan{DeleteLocalBefore: 110, LogStartOffset: 100, LocalReason: ReasonTime}},
		{"local.retention.ms: a fresh segment stops deletion",
			tiered(Unlimited, Unlimited, hour, Unlimited),
			lsegs(100, 100, at(0), 100, old, 100, old), rsegs(100, 100, at(0), 100, old), 120,
			TieredPlan{LogStartOffset: 100}},
		{"local.retention.bytes counts the local tier, active included",
			tiered(Unlimited, Unlimited, Unlimited, 200), all, remote, 130,
			TieredPlan{DeleteLocalBefore: 120, LogStartOffset: 100, LocalReason: ReasonSize}},
		{"local retention never moves the log start, though total may",
			tiered(hour, Unlimited, Unlimited, 0), all, remote, 130,
			TieredPlan{DeleteLocalBefore: 130, DeleteRemoteBefore: 110, LogStartOffset: 110,
				Reason: ReasonTime, LocalReason: ReasonSize}},
		{"an empty active segment at the remote end is never deleted",
			tiered(Unlimited, Unlimited, 0, 0), lsegs(100, 100, old, 0, -1), rsegs(100, 100, old), 110,
			TieredPlan{DeleteLocalBefore: 110, LogStartOffset: 100, LocalReason: ReasonTime | ReasonSize}},
	})
}

func TestPlanTieredTotalRetention(t *testing.T) {
	old := at(10 * hour)
	byTime := tiered(hour, Unlimited, Unlimited, Unlimited)
	bySize := func(b int64) TieredPolicy { return tiered(Unlimited, b, Unlimited, Unlimited) }
	runTiered(t, []tieredCase{
		{"time: remote-only segments go, the local copy stays in place",
			byTime, lsegs(120, 100, at(0), 100, at(0)), rsegs(100, 100, old, 100, old, 100, at(0)), 130,
			TieredPlan{DeleteRemoteBefore: 120, LogStartOffset: 120, Reason: ReasonTime}},
		{"time: a remote segment also held locally goes from both tiers",
			byTime, lsegs(100, 100, old, 100, at(0), 100, at(0)), rsegs(100, 100, old, 100, at(0)), 120,
			TieredPlan{DeleteLocalBefore: 110, DeleteRemoteBefore: 110, LogStartOffset: 110, Reason: ReasonTime}},
		{"time: exactly retention.ms old is kept",
			byTime, lsegs(110, 100, at(0)), rsegs(100, 100, at(hour)), 110,
			TieredPlan{LogStartOffset: 100}},
		{"time: one ms older is deleted",
			byTime, lsegs(110, 100, at(0)), rsegs(100, 100, at(hour+1)), 110,
			TieredPlan{DeleteRemoteBefore: 110, LogStartOffset: 110, Reason: ReasonTime}},
		{"time: a fresh remote segment stops deletion across tiers",
			byTime, lsegs(120, 100, old, 100, at(0)), rsegs(100, 100, old, 100, at(0)), 120,
			TieredPlan{Upload: lsegs(120, 100, old, 100, at(0))[:1], DeleteRemoteBefore: 110,
				LogStartOffset: 110, Reason: ReasonTime, BacklogBytes: 100}},
		{"time: a remote segment without a timestamp never expires",
			byTime, lsegs(110, 100, at(0)), rsegs(100, 100, -1), 110,
			TieredPlan{LogStartOffset: 100}},
		{"time: unuploaded local data is kept though expired",
			byTime, lsegs(120, 100, old, 100, old), rsegs(100, 100, old, 100, old), 120,
			TieredPlan{Upload: lsegs(120, 100, old, 100, old)[:1], DeleteRemoteBefore: 120,
				LogStartOffset: 120, Reason: ReasonTime, BacklogBytes: 100}},
		{"size: counted over both tiers, deleted from the remote",
			bySize(300), lsegs(130, 100, old, 100, at(0)), rsegs(100, 100, old, 100, old, 100, old), 130,
			TieredPlan{Upload: lsegs(130, 100, old, 100, at(0))[:1], DeleteRemoteBefore: 120, LogStartOffset: 120,
				Reason: ReasonSize, BacklogBytes: 100}},
		{"size: uploaded local copies are not counted twice",
			bySize(300), lsegs(110, 100, old, 100, old, 100, at(0)), rsegs(100, 100, old, 100, old, 100, old), 130,
			TieredPlan{DeleteRemoteBefore: 110, LogStartOffset: 110, Reason: ReasonSize}},
		{"size: limit 0 stops at the first segment not uploaded",
			bySize(0), lsegs(130, 100, old, 100, at(0)), rsegs(100, 100, old, 100, old, 100, old), 130,
			TieredPlan{Upload: lsegs(130, 100, old, 100, at(0))[:1], DeleteRemoteBefore: 130, LogStartOffset: 130,
				Reason: ReasonSize, BacklogBytes: 100}},
		{"both: the longer prefix, with both reasons",
			tiered(hour, 150, Unlimited, Unlimited), lsegs(130, 100, at(0)),
			rsegs(100, 100, old, 100, at(0), 100, at(0)), 130,
			TieredPlan{DeleteRemoteBefore: 120, LogStartOffset: 120, Reason: ReasonTime | ReasonSize}},
	})
}

func TestPlanTieredGaps(t *testing.T) {
	old := at(10 * hour)
	byTime := tiered(hour, Unlimited, Unlimited, Unlimited)
	gapped := []RemoteSegment{
		{BaseOffset: 100, NextOffset: 110, Size: 100, MaxTimestamp: old},
		{BaseOffset: 120, NextOffset: 130, Size: 100, MaxTimestamp: at(0)},
	}
	runTiered(t, []tieredCase{
		{"a gap in the remote tier: the log start is the next segment's base",
			byTime, lsegs(130, 100, at(0)), gapped, 130,
			TieredPlan{DeleteRemoteBefore: 110, LogStartOffset: 120, Reason: ReasonTime}},
		{"a gap between the tiers: the log start is the first local offset",
			byTime, lsegs(150, 100, at(0)), rsegs(100, 100, old), 110,
			TieredPlan{DeleteRemoteBefore: 110, LogStartOffset: 150, Reason: ReasonTime}},
		{"local segments below the remote tier are below the log start and go",
			tiered(Unlimited, Unlimited, Unlimited, Unlimited),
			lsegs(100, 100, at(0), 100, at(0), 100, at(0), 100, at(0)), rsegs(120, 100, at(0), 100, at(0)), 140,
			TieredPlan{DeleteLocalBefore: 120, LogStartOffset: 120}},
		{"remote tier emptied by retention: local copies below its end go",
			tiered(Unlimited, Unlimited, Unlimited, Unlimited),
			lsegs(100, 100, at(0), 100, at(0), 100, at(0)), nil, 120,
			TieredPlan{DeleteLocalBefore: 120, LogStartOffset: 120}},
		{"boundaries differ between the tiers: a straddling local segment keeps its offsets",
			byTime,
			[]Segment{
				{BaseOffset: 85, NextOffset: 95, Size: 100, MaxTimestamp: old},
				{BaseOffset: 95, NextOffset: 105, Size: 100, MaxTimestamp: at(0)},
				{BaseOffset: 105, NextOffset: 110, Size: 100, MaxTimestamp: at(0), Active: true},
			},
			rsegs(80, 100, old, 100, old), 100,
			TieredPlan{Upload: []Segment{{BaseOffset: 95, NextOffset: 105, Size: 100, MaxTimestamp: at(0)}},
				DeleteLocalBefore: 95, DeleteRemoteBefore: 100, LogStartOffset: 95,
				Reason: ReasonTime, BacklogBytes: 100}},
	})
}

func TestPlanTieredRemoteDisabled(t *testing.T) {
	old := at(10 * hour)
	disabled := TieredPolicy{Total: Policy{RetentionMs: hour, RetentionBytes: Unlimited}, Local: Policy{0, 0}}
	runTiered(t, []tieredCase{
		{"local retention does not apply", TieredPolicy{Total: Policy{Unlimited, Unlimited}, Local: Policy{0, 0}},
			lsegs(100, 100, old, 100, old), nil, 0, TieredPlan{LogStartOffset: 100}},
		{"total retention deletes local segments never uploaded", disabled,
			lsegs(100, 100, old, 100, old, 100, at(0)), nil, 0,
			TieredPlan{DeleteLocalBefore: 120, LogStartOffset: 120, Reason: ReasonTime}},
		{"leftover remote segments expire with the local ones behind them", disabled,
			lsegs(120, 100, old, 100, at(0)), rsegs(100, 100, old, 100, old), 120,
			TieredPlan{DeleteLocalBefore: 130, DeleteRemoteBefore: 120, LogStartOffset: 130, Reason: ReasonTime}},
	})
}

// TestPlanTieredEqualsPlanLocal checks that with remote storage disabled and
// no remote tier, PlanTiered is PlanLocal under the total policy.
func TestPlanTieredEqualsPlanLocal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	limits := []int64{Unlimited, 0, 1, 100, 250, hour, 5 * hour}
	for range 5000 {
		local := randomLocal(rng, 100+rng.Int64N(50))
		total := Policy{RetentionMs: limits[rng.IntN(len(limits))], RetentionBytes: limits[rng.IntN(len(limits))]}
		p := TieredPolicy{Total: total, Local: Policy{RetentionMs: 0, RetentionBytes: 0}}
		want := PlanLocal(planNow, total, local)
		got := PlanTiered(planNow, p, local, nil, 0)
		wantStart := want.LogStartOffset
		if want.Empty() && len(local) > 0 {
			wantStart = local[0].BaseOffset
		}
		if got.DeleteLocalBefore != want.LogStartOffset || got.LogStartOffset != wantStart ||
			got.Reason != want.Reason || got.DeleteRemoteBefore != 0 || got.LocalReason != 0 ||
			len(got.Upload) != 0 || got.BacklogBytes != 0 {
			t.Fatalf("policy %+v, segments %+v:\nPlanTiered = %+v\nPlanLocal = %+v", total, local, got, want)
		}
	}
}

// TestPlanTieredNeverLosesData checks, over random tiers, that with remote
// storage enabled no plan deletes a local segment that is not uploaded, nor
// the active segment, nor moves the log start offset past data kept.
func TestPlanTieredNeverLosesData(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	limits := []int64{Unlimited, 0, 100, 300, hour, 5 * hour}
	pick := func() int64 { return limits[rng.IntN(len(limits))] }
	for range 5000 {
		local := randomLocal(rng, 100)
		var remote []RemoteSegment
		end := local[0].BaseOffset
		for _, s := range local[:rng.IntN(len(local))] {
			remote = append(remote, RemoteSegment{s.BaseOffset, s.NextOffset, s.Size, s.MaxTimestamp})
			end = s.NextOffset
		}
		p := tiered(pick(), pick(), pick(), pick())
		got := PlanTiered(planNow, p, local, remote, end)
		active := local[len(local)-1]
		if got.DeleteLocalBefore > min(end, active.BaseOffset) {
			t.Fatalf("deletes local data not uploaded: remote end %d, plan %+v, local %+v", end, got, local)
		}
		if got.LogStartOffset > active.BaseOffset || (got.DeleteRemoteBefore > 0 && got.LogStartOffset < got.DeleteRemoteBefore) {
			t.Fatalf("log start %d inconsistent: plan %+v, local %+v", got.LogStartOffset, got, local)
		}
	}
}

// randomLocal returns 1 to 6 contiguous local segments starting at base,
// with random sizes and ages, some without a timestamp.
func randomLocal(rng *rand.Rand, base int64) []Segment {
	n := 1 + rng.IntN(6)
	ages := []int64{0, hour, hour + 1, 10 * hour}
	out := make([]Segment, n)
	for i := range out {
		ts := at(ages[rng.IntN(len(ages))])
		if rng.IntN(8) == 0 {
			ts = -1
		}
		width := rng.Int64N(3) * 5
		out[i] = Segment{BaseOffset: base, NextOffset: base + width, Size: rng.Int64N(3) * 100,
			MaxTimestamp: ts, ModTime: planNow}
		base += width
	}
	out[n-1].Active = true
	return out
}
