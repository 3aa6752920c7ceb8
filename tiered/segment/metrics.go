package segment

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/metric"
)

// durationBuckets are the bounds in seconds of the append and fsync
// histograms: from 10µs (an append to the page cache) to 10s (an fsync on
// a saturated disk).
var durationBuckets = []float64{
	0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
}

// Metrics are the hot tier's instruments, shared by every Log of a broker
// (Config.Metrics). A nil *Metrics records nothing. Recording allocates
// nothing.
type Metrics struct {
	appendDuration metric.Float64Histogram
	appended       metric.Int64Counter
	syncDuration   metric.Float64Histogram
	rolls          metric.Int64Counter
}

// NewMetrics creates the instruments from m:
//
//	strata.segment.append.duration  s    histogram  one Append, validation to write
//	strata.segment.appended         By   counter    bytes appended
//	strata.segment.sync.duration    s    histogram  one fsync round (segments and directory)
//	strata.segment.rolls            {roll} counter  segments sealed by a roll
//
// A nil m gives nil Metrics.
func NewMetrics(m metric.Meter) (*Metrics, error) {
	if m == nil {
		return nil, nil
	}
	var ms Metrics
	var err error
	hist := func(name, desc string) metric.Float64Histogram {
		var h metric.Float64Histogram
		if err == nil {
			h, err = m.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc),
				metric.WithExplicitBucketBoundaries(durationBuckets...))
		}
		return h
	}
	counter := func(name, unit, desc string) metric.Int64Counter {
		var c metric.Int64Counter
		if err == nil {
			c, err = m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		}
		return c
	}
	ms.appendDuration = hist("strata.segment.append.duration", "Time of one append to a partition log, validation to write.")
	ms.syncDuration = hist("strata.segment.sync.duration", "Time of one fsync round of a partition log.")
	ms.appended = counter("strata.segment.appended", "By", "Bytes appended to partition logs.")
	ms.rolls = counter("strata.segment.rolls", "{roll}", "Segments rolled.")
	if err != nil {
		return nil, fmt.Errorf("segment: create instruments: %w", err)
	}
	ms.rolls.Add(context.Background(), 0) // the series exists from the start
	return &ms, nil
}

// appendDone records an append of n bytes that started at start.
func (ms *Metrics) appendDone(start time.Time, n int) {
	if ms == nil {
		return
	}
	ctx := context.Background()
	ms.appendDuration.Record(ctx, time.Since(start).Seconds())
	ms.appended.Add(ctx, int64(n))
}

// syncDone records an fsync round that started at start.
func (ms *Metrics) syncDone(start time.Time) {
	if ms != nil {
		ms.syncDuration.Record(context.Background(), time.Since(start).Seconds())
	}
}

// rolled records a segment roll.
func (ms *Metrics) rolled() {
	if ms != nil {
		ms.rolls.Add(context.Background(), 1)
	}
}

// start returns the time a measurement starts, or the zero time when
// nothing is recorded, sparing the clock read.
func (ms *Metrics) start() time.Time {
	if ms == nil {
		return time.Time{}
	}
	return time.Now()
}
