package retention

import "time"

// RemoteSegment is what tiered planning needs to know about one segment in
// the remote tier. Callers convert their manifest's segments, oldest first.
type RemoteSegment struct {
	// BaseOffset is the offset of the segment's first record.
	BaseOffset int64
	// NextOffset is one past the offset of the segment's last record.
	NextOffset int64
	// Size is the segment's size in bytes.
	Size int64
	// MaxTimestamp is the largest record timestamp in the segment, in
	// milliseconds since the Unix epoch, or -1 if it has none. A remote
	// segment without a timestamp is never expired by time.
	MaxTimestamp int64
}

// TieredPolicy is a tiered topic's retention configuration.
type TieredPolicy struct {
	// Total is retention.ms and retention.bytes: the limits on the whole
	// log, both tiers together.
	Total Policy
	// Local is local.retention.ms and local.retention.bytes, with -2 (the
	// same as retention.*) already resolved: the limits on the local tier.
	// It applies only when RemoteEnabled.
	Local Policy
	// RemoteEnabled is remote.storage.enable.
	RemoteEnabled bool
}

// TieredPlan is the retention work for one partition of a tiered topic.
type TieredPlan struct {
	// Upload is the sealed local segments not yet in the remote tier,
	// oldest first: the uploader's next work. It is empty unless
	// RemoteEnabled. It shares the caller's local slice.
	Upload []Segment
	// DeleteLocalBefore is the BaseOffset of the first local segment kept:
	// every local segment wholly below it may be deleted. It is 0 when no
	// local segment is to go, and never beyond the active segment's base.
	DeleteLocalBefore int64
	// DeleteRemoteBefore is an offset every remote segment to delete lies
	// wholly below, and no remote segment kept does. It is 0 when no remote
	// segment is to go.
	DeleteRemoteBefore int64
	// LogStartOffset is the first offset either tier holds once the plan is
	// carried out: the new log start offset if total retention deletes
	// anything, otherwise the current one.
	LogStartOffset int64
	// Reason is the set of total retention rules (retention.ms,
	// retention.bytes) that delete something, in either tier.
	Reason Reason
	// LocalReason is the set of local retention rules (local.retention.ms
	// as ReasonTime, local.retention.bytes as ReasonSize) that delete
	// something from the local tier.
	LocalReason Reason
	// BacklogBytes is the size of the sealed local segments not yet
	// uploaded; 0 unless RemoteEnabled.
	BacklogBytes int64
}

// PlanTiered decides, at time now, what retention deletes from both tiers of
// a partition: local holds its local segments oldest first, the active one
// last; remote its remote segments oldest first; remoteEnd is the remote
// tier's end offset (one past its last offset, or the log start offset if
// it is empty). It follows Kafka's tiered storage (KIP-405):
//
//   - Uploads happen in offset order, so a sealed local segment is uploaded
//     when its NextOffset is at most remoteEnd. The active segment never is.
//   - Total retention judges one log: the remote segments followed by the
//     local segments not yet uploaded, by PlanLocal's time and size rules.
//     What it deletes goes from whichever tier holds it, and local segments
//     wholly below the new log start offset go with it.
//   - With RemoteEnabled, a local segment not yet uploaded is never deleted,
//     by either rule: an upload outage grows the local tier (BacklogBytes)
//     instead of losing data, and total retention stops at the first
//     segment not yet uploaded. Kafka does the same: its remote expiration
//     only deletes remote segments and moves the log start offset up to
//     them, and local deletion waits for the upload.
//   - Local retention, with RemoteEnabled, deletes the oldest uploaded local
//     segments by local.retention.ms and local.retention.bytes (over the
//     local tier's size), never moving the log start offset.
//   - Local segments wholly below the remote tier's first offset (the
//     remote copies already deleted) are below the log start offset and go.
//
// With RemoteEnabled false, nothing is uploaded or deleted by local
// retention, and for a partition without remote segments the plan is
// PlanLocal's under p.Total.
func PlanTiered(now time.Time, p TieredPolicy, local []Segment, remote []RemoteSegment, remoteEnd int64) TieredPlan {
	t := splitTiers(local, remote, remoteEnd, p.RemoteEnabled || len(remote) > 0)
	var plan TieredPlan
	if p.RemoteEnabled {
		plan.Upload = t.local[t.uploaded:t.sealed]
		plan.BacklogBytes = totalSize(plan.Upload)
	}
	cut := planTotal(now, p, t)
	plan.Reason = cut.reason
	localRet := 0
	if p.RemoteEnabled {
		localRet, plan.LocalReason = planLocalTier(now, p.Local, t)
	}
	if cut.remote > 0 {
		plan.DeleteRemoteBefore = remote[cut.remote-1].NextOffset
	}
	held := t.below + whollyBelow(t.local[:t.sealed], cut.start, cut.n > 0)
	if n := max(held, t.below+localRet); n > 0 {
		plan.DeleteLocalBefore = local[n].BaseOffset
	}
	plan.LogStartOffset = logStart(t, cut, t.remote[cut.remote:], local[held:], remoteEnd)
	return plan
}

// tiers is a partition's segments split by where their data lives.
type tiers struct {
	local  []Segment // the local segments without those below the remote tier
	remote []Segment // the remote segments, as Segments
	below  int       // how many local segments lie wholly below the remote tier
	// Indexes into local: local[:uploaded] are uploaded, local[:sealed]
	// precede the active segment; uploaded <= sealed.
	uploaded, sealed int
}

// union is the one log total retention judges: the remote segments, then
// the local segments not yet uploaded.
func (t tiers) union() []Segment {
	u := make([]Segment, 0, len(t.remote)+len(t.local)-t.uploaded)
	return append(append(u, t.remote...), t.local[t.uploaded:]...)
}

// splitTiers splits local by remote and remoteEnd. Without a remote tier
// (tiered is false), no local segment is below or in it.
func splitTiers(local []Segment, remote []RemoteSegment, remoteEnd int64, tiered bool) tiers {
	remoteStart := remoteEnd
	if len(remote) > 0 {
		remoteStart = remote[0].BaseOffset
	}
	sealed := sealedPrefix(local)
	below := whollyBelow(local[:sealed], remoteStart, tiered)
	t := tiers{local: local[below:], below: below, sealed: sealed - below}
	t.uploaded = whollyBelow(t.local[:t.sealed], remoteEnd, tiered)
	t.remote = make([]Segment, len(remote))
	for i, r := range remote {
		t.remote[i] = r.segment()
	}
	return t
}

// segment returns r as a Segment; one without a timestamp is judged as
// modified at the largest representable time, so it never expires.
func (r RemoteSegment) segment() Segment {
	s := Segment{BaseOffset: r.BaseOffset, NextOffset: r.NextOffset, Size: r.Size, MaxTimestamp: r.MaxTimestamp}
	if r.MaxTimestamp < 0 {
		s.ModTime = time.UnixMilli(1<<63 - 1)
	}
	return s
}

// whollyBelow returns how many of the leading segments end at or before offset,
// or 0 if !ok.
func whollyBelow(segs []Segment, offset int64, ok bool) int {
	if !ok {
		return 0
	}
	for i, s := range segs {
		if s.NextOffset > offset {
			return i
		}
	}
	return len(segs)
}

// totalCut is what total retention deletes from the union.
type totalCut struct {
	n      int    // leading union segments deleted
	remote int    // of which remote
	start  int64  // the first offset kept in the union (the new log start offset if n > 0)
	reason Reason // the rules that delete something
}

// planTotal applies retention.ms and retention.bytes to the union of both
// tiers. With RemoteEnabled only remote segments may go; without it, the
// sealed local segments not yet uploaded may too.
func planTotal(now time.Time, p TieredPolicy, t tiers) totalCut {
	u := t.union()
	eligible := len(t.remote)
	if !p.RemoteEnabled {
		eligible += t.sealed - t.uploaded
	}
	byTime := expiredPrefix(now.UnixMilli(), p.Total.RetentionMs, u[:eligible])
	bySize := oversizePrefix(totalSize(u), p.Total.RetentionBytes, u[:eligible])
	cut := totalCut{n: max(byTime, bySize)}
	if cut.n == 0 {
		return cut
	}
	cut.remote = min(cut.n, len(t.remote))
	if cut.n < len(u) {
		cut.start = u[cut.n].BaseOffset
	} else {
		cut.start = u[cut.n-1].NextOffset
	}
	if byTime > 0 {
		cut.reason |= ReasonTime
	}
	if bySize > 0 {
		cut.reason |= ReasonSize
	}
	return cut
}

// planLocalTier applies local.retention.ms and local.retention.bytes to the
// local tier: it returns how many of the leading segments of t.local go, all
// of them uploaded, and the rules that delete them.
func planLocalTier(now time.Time, p Policy, t tiers) (int, Reason) {
	uploaded := t.local[:t.uploaded]
	byTime := expiredPrefix(now.UnixMilli(), p.RetentionMs, uploaded)
	bySize := oversizePrefix(totalSize(t.local), p.RetentionBytes, uploaded)
	var r Reason
	if byTime > 0 {
		r |= ReasonTime
	}
	if bySize > 0 {
		r |= ReasonSize
	}
	return max(byTime, bySize), r
}

// logStart returns the first offset held in either tier after the plan:
// the lower of the first remote and first local offsets kept (local
// retention keeps a segment's data in the remote tier, so keptLocal counts
// only what total retention leaves), never below the new log start offset
// of a total retention cut or the remote tier's start when local segments
// below it go.
func logStart(t tiers, cut totalCut, keptRemote, keptLocal []Segment, remoteEnd int64) int64 {
	floor, first, found := int64(0), int64(0), false
	switch {
	case cut.n > 0:
		floor = cut.start
	case t.below > 0 && len(keptRemote) > 0:
		floor = keptRemote[0].BaseOffset
	case t.below > 0:
		floor = remoteEnd
	}
	for _, segs := range [][]Segment{keptRemote, keptLocal} {
		if len(segs) > 0 && (!found || segs[0].BaseOffset < first) {
			first, found = segs[0].BaseOffset, true
		}
	}
	if !found {
		return max(floor, remoteEnd)
	}
	return max(floor, first)
}
