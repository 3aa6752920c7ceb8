package retention

import (
	"context"
	"errors"
	"fmt"
)

// Enforce applies the retention policy of the partition under name now and
// returns the plan it carried out. A failure is also logged and counted.
func (m *Manager) Enforce(ctx context.Context, name string) (Plan, error) {
	if err := m.checkOpen(ctx); err != nil {
		return Plan{}, err
	}
	e := m.lookup(name)
	if e == nil {
		return Plan{}, errRemoved(name)
	}
	return m.enforce(ctx, e)
}

// EnforceAll applies retention to every registered partition now, in name
// order. A partition's failure does not stop the others; the result joins
// every failure, and the context's error if it ends the pass early.
func (m *Manager) EnforceAll(ctx context.Context) error {
	if err := m.checkOpen(ctx); err != nil {
		return err
	}
	return m.enforceEach(ctx, m.entries())
}

func (m *Manager) checkOpen(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	return nil
}

// enforceEach enforces retention on es in order until ctx ends. Partitions
// removed meanwhile are skipped.
func (m *Manager) enforceEach(ctx context.Context, es []*entry) error {
	var errs []error
	for _, e := range es {
		if err := ctx.Err(); err != nil {
			return errors.Join(append(errs, err)...)
		}
		if _, err := m.enforce(ctx, e); err != nil && !errors.Is(err, ErrUnknownPartition) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// enforce plans and applies retention for one registration, holding it so
// that no other enforcement of it runs meanwhile, then counts and logs what
// happened.
func (m *Manager) enforce(ctx context.Context, e *entry) (Plan, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.removed {
		return Plan{}, errRemoved(e.name)
	}
	var plan Plan
	var o outcome
	if e.remote != nil {
		plan, o = m.applyTiered(ctx, e)
	} else {
		plan, o = m.apply(e)
	}
	m.stats.record(o)
	m.report(e.name, plan, o)
	return plan, o.err
}

// apply reads the partition's policy and segments, plans, and deletes what
// the plan says.
func (m *Manager) apply(e *entry) (Plan, outcome) {
	policy := e.policy()
	if err := policy.Validate(); err != nil {
		return Plan{}, outcome{err: fmt.Errorf("retention: partition %q: %w", e.name, err)}
	}
	segs := e.part.RetentionSegments()
	plan := PlanLocal(m.now(), policy, segs)
	if plan.Empty() {
		return plan, outcome{}
	}
	n, err := e.part.DeleteSegmentsBefore(plan.LogStartOffset)
	o := outcome{segments: n, bytes: leadingBytes(segs, n)}
	if err != nil {
		o.err = fmt.Errorf("retention: partition %q: delete segments before offset %d: %w",
			e.name, plan.LogStartOffset, err)
	}
	return plan, o
}

// leadingBytes is the total size of the first n segments of segs, which are
// the ones a deletion of n segments removed.
func leadingBytes(segs []Segment, n int) int64 {
	return totalSize(segs[:min(max(n, 0), len(segs))])
}

func (m *Manager) report(name string, plan Plan, o outcome) {
	if o.segments > 0 || o.remoteSegments > 0 {
		m.log.Info("retention deleted segments",
			"partition", name,
			"segments", o.segments,
			"remote_segments", o.remoteSegments,
			"bytes", o.bytes,
			"reason", plan.Reason.String(),
			"log_start_offset", plan.LogStartOffset)
	}
	if o.err != nil {
		m.log.Error("retention enforcement failed", "partition", name, "err", o.err)
	}
}
