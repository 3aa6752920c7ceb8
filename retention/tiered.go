package retention

import (
	"context"
	"errors"
	"fmt"
)

// Remote is a partition's remote tier as the manager sees it. Its methods
// are called as Partition's are (see Partition).
type Remote interface {
	// RemoteSegments returns the remote tier's segments, oldest first, and
	// its end offset (one past its last offset, or its log start offset
	// when it holds none). ok is false while the remote tier's state is
	// not known (its manifest not yet read from the object store): the
	// manager then deletes nothing from either tier.
	RemoteSegments() (segs []RemoteSegment, end int64, ok bool)
	// DeleteRemoteBefore raises the remote tier's log start offset to
	// offset, durably, and then deletes the remote segments wholly below
	// it. It returns how many segments it removed.
	DeleteRemoteBefore(ctx context.Context, offset int64) (deleted int, err error)
}

// AddTiered registers partition p, whose remote tier is r, under name:
// each enforcement plans both tiers with PlanTiered under the policy the
// policy function returns then, deletes remote segments first (the log
// start offset moves with them) and local segments last, only once
// uploaded. A registration already under name is replaced as if by Remove.
// AddTiered panics if p, r or policy is nil.
func (m *Manager) AddTiered(name string, p Partition, r Remote, policy func() TieredPolicy) {
	if p == nil || r == nil || policy == nil {
		panic("retention: AddTiered with a nil partition, remote tier or policy")
	}
	m.add(&entry{name: name, part: p, remote: r, tieredPolicy: policy})
}

// BacklogBytes is the size of the sealed local segments not yet uploaded,
// over every tiered partition, as of each one's last enforcement.
func (m *Manager) BacklogBytes() int64 {
	var total int64
	for _, e := range m.entries() {
		total += e.backlog.Load()
	}
	return total
}

// applyTiered plans and carries out retention over both tiers of a
// tiered registration.
func (m *Manager) applyTiered(ctx context.Context, e *entry) (Plan, outcome) {
	policy := e.tieredPolicy()
	if err := errors.Join(policy.Total.Validate(), policy.Local.Validate()); err != nil {
		return Plan{}, outcome{err: fmt.Errorf("retention: partition %q: %w", e.name, err)}
	}
	remote, end, ok := e.remote.RemoteSegments()
	if !ok {
		return Plan{}, outcome{}
	}
	local := e.part.RetentionSegments()
	tp := PlanTiered(m.now(), policy, local, remote, end)
	e.backlog.Store(tp.BacklogBytes)
	plan := Plan{LogStartOffset: tp.LogStartOffset, Reason: tp.Reason | tp.LocalReason}
	var o outcome
	if tp.DeleteRemoteBefore > 0 {
		n, err := e.remote.DeleteRemoteBefore(ctx, tp.LogStartOffset)
		o.remoteSegments = n
		if err != nil {
			o.err = fmt.Errorf("retention: partition %q: delete remote segments before offset %d: %w",
				e.name, tp.LogStartOffset, err)
			return plan, o
		}
	}
	if tp.DeleteLocalBefore > 0 {
		n, err := e.part.DeleteSegmentsBefore(tp.DeleteLocalBefore)
		o.segments, o.bytes = n, leadingBytes(local, n)
		plan.Delete, plan.BytesFreed = n, o.bytes
		if err != nil {
			o.err = fmt.Errorf("retention: partition %q: delete local segments before offset %d: %w",
				e.name, tp.DeleteLocalBefore, err)
		}
	}
	return plan, o
}
