package broker

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/strata-streaming/strata/replication"
	"github.com/strata-streaming/strata/tiered"
	"github.com/strata-streaming/strata/tiered/remote"
)

// tieringMetrics are tiered storage's instruments, read from the tiers and
// the chunk cache at collection time, except the cold-read latency, which
// each remote read records.
type tieringMetrics struct {
	uploaded, uploadErrors, hits, misses metric.Int64ObservableCounter
	backlog, logBytes                    metric.Int64ObservableGauge
	readLatency                          metric.Float64Histogram
	registration                         metric.Registration
}

var (
	tierLocal  = metric.WithAttributeSet(attribute.NewSet(attribute.String("tier", "local")))
	tierRemote = metric.WithAttributeSet(attribute.NewSet(attribute.String("tier", "remote")))
)

// observeTiering creates tiered storage's instruments on the broker's
// meter (nil: none) and registers their collection.
func (t *telemetryParts) observeTiering(tg *tiering, parts *replication.Manager) error {
	m := metric.Meter(noop.NewMeterProvider().Meter(meterBroker))
	if t != nil && t.broker != nil {
		m = t.broker
	}
	tm, err := newTieringMetrics(m)
	if err != nil {
		return fmt.Errorf("broker: create instruments: %w", err)
	}
	tg.readLatency = tm.readLatency
	tm.registration, err = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		tm.observe(o, tg, parts)
		return nil
	}, tm.uploaded, tm.uploadErrors, tm.hits, tm.misses, tm.backlog, tm.logBytes)
	if err != nil {
		return fmt.Errorf("broker: register metric callback: %w", err)
	}
	if t != nil {
		t.tiering = tm.registration
	}
	return nil
}

func newTieringMetrics(m metric.Meter) (*tieringMetrics, error) {
	var tm tieringMetrics
	var errs [7]error
	tm.uploaded, errs[0] = m.Int64ObservableCounter("strata.remote.upload", metric.WithUnit("By"),
		metric.WithDescription("Bytes of segment objects uploaded to the object store and named by a manifest."))
	tm.uploadErrors, errs[1] = m.Int64ObservableCounter("strata.remote.upload.errors", metric.WithUnit("{error}"),
		metric.WithDescription("Failed upload attempts; each is retried."))
	tm.hits, errs[2] = m.Int64ObservableCounter("strata.remote.cache.hits", metric.WithUnit("{read}"),
		metric.WithDescription("Cold chunk reads served from the chunk cache."))
	tm.misses, errs[3] = m.Int64ObservableCounter("strata.remote.cache.misses", metric.WithUnit("{read}"),
		metric.WithDescription("Cold chunk reads that fetched the chunk from the object store."))
	tm.backlog, errs[4] = m.Int64ObservableGauge("strata.remote.upload.backlog", metric.WithUnit("By"),
		metric.WithDescription("Bytes of sealed local segments not yet uploaded."))
	tm.logBytes, errs[5] = m.Int64ObservableGauge("strata.log", metric.WithUnit("By"),
		metric.WithDescription("Log bytes of this broker's partitions by tier: local segment files, remote segment objects."))
	tm.readLatency, errs[6] = m.Float64Histogram("strata.remote.read.latency", metric.WithUnit("s"),
		metric.WithDescription("Reads of the remote tier, from the request to the batches returned."),
		metric.WithExplicitBucketBoundaries(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return &tm, nil
}

// observe reports the tiers' and the cache's counters.
func (tm *tieringMetrics) observe(o metric.Observer, tg *tiering, parts *replication.Manager) {
	var uploaded, errs, backlog, remoteBytes, localBytes int64
	for _, tier := range tg.tiers() {
		st := tier.Stats()
		uploaded += st.BytesUploaded
		errs += st.Errors
		backlog += st.BacklogBytes
		remoteBytes += st.Bytes
	}
	for _, p := range parts.Partitions() {
		localBytes += p.Size()
	}
	cs := tg.cache.Stats()
	o.ObserveInt64(tm.uploaded, uploaded)
	o.ObserveInt64(tm.uploadErrors, errs)
	o.ObserveInt64(tm.backlog, backlog)
	o.ObserveInt64(tm.hits, cs.Hits)
	o.ObserveInt64(tm.misses, cs.Misses)
	o.ObserveInt64(tm.logBytes, localBytes, tierLocal)
	o.ObserveInt64(tm.logBytes, remoteBytes, tierRemote)
}

// timedRemote is a partition's remote tier whose reads are timed.
type timedRemote struct {
	tiered.RemoteReader
	latency metric.Float64Histogram
}

func (r timedRemote) Read(ctx context.Context, offset int64, maxBytes int) (remote.Batches, int64, error) {
	start := time.Now()
	b, next, err := r.RemoteReader.Read(ctx, offset, maxBytes)
	r.latency.Record(ctx, time.Since(start).Seconds())
	return b, next, err
}
