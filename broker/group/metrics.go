package group

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// metrics are the coordinator's instruments (see the package
// documentation). The gauges are observed at collection time, from the
// groups' state and Config.HighWatermark.
type metrics struct {
	rebalances metric.Int64Counter
	groups     metric.Int64ObservableGauge
	members    metric.Int64ObservableGauge
	lag        metric.Int64ObservableGauge

	byState [stateDead]metric.ObserveOption // one per live state
	reg     metric.Registration             // nil when nothing is observed
}

// newMetrics creates c's instruments from m, nil meaning no-op ones, and
// registers the callback that observes c's groups.
func newMetrics(c *Coordinator, m metric.Meter) (*metrics, error) {
	if m == nil {
		m = noop.NewMeterProvider().Meter("")
	}
	var ms metrics
	var err error
	gauge := func(name, unit, desc string) metric.Int64ObservableGauge {
		var g metric.Int64ObservableGauge
		if err == nil {
			g, err = m.Int64ObservableGauge(name, metric.WithUnit(unit), metric.WithDescription(desc))
		}
		return g
	}
	ms.groups = gauge("strata.group.groups", "{group}", "Groups this coordinator serves, by state.")
	ms.members = gauge("strata.group.members", "{member}", "Members of the groups this coordinator serves.")
	ms.lag = gauge("strata.group.lag", "{record}", "Consumer lag: high watermark minus committed offset, by group, topic and partition.")
	if err == nil {
		ms.rebalances, err = m.Int64Counter("strata.group.rebalances", metric.WithUnit("{rebalance}"),
			metric.WithDescription("Rebalances started."))
	}
	if err != nil {
		return nil, fmt.Errorf("group: create instruments: %w", err)
	}
	ms.rebalances.Add(context.Background(), 0) // the series exists from the start
	for s := range ms.byState {
		ms.byState[s] = metric.WithAttributeSet(attribute.NewSet(attribute.String("state", state(s).String())))
	}
	ms.reg, err = m.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		ms.observe(c, o)
		return nil
	}, ms.groups, ms.members, ms.lag)
	if err != nil {
		return nil, fmt.Errorf("group: register metric callback: %w", err)
	}
	return &ms, nil
}

// rebalanced records the start of a rebalance.
func (ms *metrics) rebalanced() { ms.rebalances.Add(context.Background(), 1) }

// close stops the observations.
func (ms *metrics) close() error {
	if ms.reg == nil {
		return nil
	}
	return ms.reg.Unregister()
}

// lagPoint is one committed offset to observe the lag of.
type lagPoint struct {
	group  string
	tp     topicPartition
	offset int64
}

// observe reports the group gauges. Each group's lock is held only to
// copy what is observed; the high watermarks are looked up outside it.
func (ms *metrics) observe(c *Coordinator, o metric.Observer) {
	var byState [stateDead]int64
	var members int64
	var points []lagPoint
	for _, g := range c.groupList() {
		g.mu.Lock()
		if g.mu.state != stateDead {
			byState[g.mu.state]++
			members += int64(len(g.mu.members))
			if c.cfg.HighWatermark != nil {
				for tp, cm := range g.mu.offsets {
					points = append(points, lagPoint{group: g.id, tp: tp, offset: cm.offset})
				}
			}
		}
		g.mu.Unlock()
	}
	for s, n := range byState {
		o.ObserveInt64(ms.groups, n, ms.byState[s])
	}
	o.ObserveInt64(ms.members, members)
	for _, p := range points {
		hw, ok := c.cfg.HighWatermark(p.tp.topic, p.tp.partition)
		if !ok {
			continue
		}
		o.ObserveInt64(ms.lag, max(hw-p.offset, 0), metric.WithAttributes(
			attribute.String("group", p.group),
			attribute.String("topic", p.tp.topic),
			attribute.Int("partition", int(p.tp.partition))))
	}
}
