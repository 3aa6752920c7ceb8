package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/strata-streaming/strata/broker/telemetry"
	"github.com/strata-streaming/strata/replication"
	"github.com/strata-streaming/strata/tiered/segment"
)

// DefaultAdminListen is the admin server address strata serve uses unless
// told otherwise.
const DefaultAdminListen = telemetry.DefaultListen

// TelemetryConfig configures a broker's admin HTTP server (/metrics,
// /healthz, /readyz, optionally /debug/pprof/) and trace export. The zero
// value switches both off, so that tests may start many brokers; strata
// serve listens on DefaultAdminListen unless told otherwise.
type TelemetryConfig struct {
	// AdminListen is the admin server's host:port; empty disables it and
	// metric collection with it.
	AdminListen string
	// EnablePprof serves net/http/pprof on the admin server.
	EnablePprof bool
	// OTLPEndpoint is an OTLP/HTTP collector URL (http://host:4318) to
	// export traces to; empty disables tracing.
	OTLPEndpoint string
	// TraceSampleRatio is the fraction of requests traced; zero means
	// telemetry.DefaultTraceSampleRatio.
	TraceSampleRatio float64
}

// validate checks the fields; the error matches ErrConfig.
func (c TelemetryConfig) validate() error {
	if err := c.config(0, nil, nil).Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return nil
}

// config is the telemetry package's Config for node nodeID.
func (c TelemetryConfig) config(nodeID int32, log *slog.Logger, routes map[string]http.Handler) telemetry.Config {
	return telemetry.Config{
		Routes:           routes,
		Listen:           c.AdminListen,
		EnablePprof:      c.EnablePprof,
		OTLPEndpoint:     c.OTLPEndpoint,
		TraceSampleRatio: c.TraceSampleRatio,
		ServiceName:      telemetry.DefaultServiceName,
		InstanceID:       strconv.Itoa(int(nodeID)),
		Logger:           log,
	}
}

// Meter names: each package's import path.
const (
	meterBroker  = "github.com/strata-streaming/strata/broker"
	meterWire    = "github.com/strata-streaming/strata/broker/wire"
	meterGroup   = "github.com/strata-streaming/strata/broker/group"
	meterSegment = "github.com/strata-streaming/strata/tiered/segment"
)

// telemetryParts are a broker's telemetry server and what its packages
// need of it. With the admin server off, the meters are nil (no-op
// instruments in every package) and so is segment; without an OTLP
// endpoint, tracer is nil (no spans).
type telemetryParts struct {
	server  *telemetry.Server
	wire    metric.Meter     // for wire.Config.Meter
	group   metric.Meter     // for group.Config.Meter
	segment *segment.Metrics // for segment.Config.Metrics of every log
	tracer  trace.Tracer     // for wire.Config.Tracer

	broker     metric.Meter
	partitions metric.Registration // set by observePartitions
	tiering    metric.Registration // set by observeTiering
}

// startTelemetry starts the admin server and creates the per-package
// meters. ready is what /readyz reports (see readiness).
func startTelemetry(ctx context.Context, cfg TelemetryConfig, nodeID int32, log *slog.Logger, ready func() error, routes map[string]http.Handler) (*telemetryParts, error) {
	s, err := telemetry.Start(ctx, cfg.config(nodeID, log, routes), ready)
	if err != nil {
		return nil, fmt.Errorf("broker: start telemetry: %w", err)
	}
	t := &telemetryParts{server: s}
	if cfg.OTLPEndpoint != "" {
		t.tracer = s.TracerProvider().Tracer(meterWire)
	}
	if cfg.AdminListen == "" {
		return t, nil
	}
	mp := s.MeterProvider()
	t.wire, t.group, t.broker = mp.Meter(meterWire), mp.Meter(meterGroup), mp.Meter(meterBroker)
	if t.segment, err = segment.NewMetrics(mp.Meter(meterSegment)); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	return t, nil
}

// adminAddr is the admin server's address, or nil when it is off.
func (t *telemetryParts) adminAddr() net.Addr {
	if t == nil {
		return nil
	}
	return t.server.Addr()
}

// observePartitions reports the local log size of every topic, summed
// over this broker's partitions, as strata.topic.log.size (By, attribute
// topic), read from parts at collection time.
func (t *telemetryParts) observePartitions(parts *replication.Manager) error {
	if t.broker == nil {
		return nil
	}
	size, err := t.broker.Int64ObservableGauge("strata.topic.log.size", metric.WithUnit("By"),
		metric.WithDescription("Bytes of the local log segments of a topic's partitions on this broker."))
	if err != nil {
		return fmt.Errorf("broker: create instruments: %w", err)
	}
	t.partitions, err = t.broker.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		observeTopicSizes(o, size, parts.Partitions())
		return nil
	}, size)
	if err != nil {
		return fmt.Errorf("broker: register metric callback: %w", err)
	}
	return nil
}

// observeTopicSizes observes the size of each topic of parts, which are
// in topic order.
func observeTopicSizes(o metric.Observer, size metric.Int64ObservableGauge, parts []*replication.Partition) {
	for i := 0; i < len(parts); {
		topic := parts[i].Topic()
		var n int64
		for ; i < len(parts) && parts[i].Topic() == topic; i++ {
			n += parts[i].Size()
		}
		o.ObserveInt64(size, n, metric.WithAttributes(attribute.String("topic", topic)))
	}
}

// highWatermark returns the high watermark of a partition this broker
// leads, for the group coordinator's lag gauge (group.Config.HighWatermark).
func highWatermark(parts *replication.Manager) func(topic string, partition int32) (int64, bool) {
	return func(topic string, partition int32) (int64, bool) {
		p, err := parts.Partition(topic, partition)
		if err != nil {
			return 0, false
		}
		return p.HighWatermark(), true
	}
}

// close stops observing the partitions and closes the server. Call it
// after everything that records into it has stopped.
func (t *telemetryParts) close() error {
	if t == nil {
		return nil
	}
	var errs []error
	if t.partitions != nil {
		errs = append(errs, t.partitions.Unregister())
	}
	if t.tiering != nil {
		errs = append(errs, t.tiering.Unregister())
	}
	errs = append(errs, t.server.Close())
	return errors.Join(errs...)
}

// readiness is what /readyz reports: not ready while the broker starts
// (its partitions recover, metadata and groups load) and once it begins
// shutting down; ready in between. The zero value is starting. It is safe
// for concurrent use.
type readiness struct{ stage atomic.Int32 }

// The stages of a broker's life, as readiness sees them.
const (
	stageStarting int32 = iota
	stageReady
	stageStopping
)

// errNotReady is the class of the errors check returns.
var errNotReady = errors.New("broker not ready")

// ready records that the broker has started.
func (r *readiness) ready() { r.stage.CompareAndSwap(stageStarting, stageReady) }

// stopping records that the broker is shutting down.
func (r *readiness) stopping() { r.stage.Store(stageStopping) }

// check returns nil when the broker is ready, else why not.
func (r *readiness) check() error {
	switch r.stage.Load() {
	case stageReady:
		return nil
	case stageStopping:
		return fmt.Errorf("%w: shutting down", errNotReady)
	}
	return fmt.Errorf("%w: starting: recovering partitions and loading metadata", errNotReady)
}
