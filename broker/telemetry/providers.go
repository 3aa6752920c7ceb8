package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/contrib/instrumentation/runtime"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// defaultTracesPath is where an OTLP/HTTP collector takes traces.
const defaultTracesPath = "/v1/traces"

// providers are the SDK pipelines of one process. A nil field is a
// pipeline that is switched off.
type providers struct {
	registry *prometheus.Registry
	meters   *sdkmetric.MeterProvider
	tracers  *sdktrace.TracerProvider
}

// newProviders builds the pipelines cfg asks for: metrics read by a
// Prometheus exporter into a registry of their own when the admin server
// is on, and batched OTLP/HTTP trace export when an endpoint is set.
func newProviders(ctx context.Context, cfg Config) (*providers, error) {
	res := resource.NewSchemaless(resourceAttributes(cfg)...)
	p := &providers{}
	if cfg.Listen != "" {
		if err := p.startMetrics(res); err != nil {
			return nil, errors.Join(err, p.shutdown(ctx))
		}
	}
	if cfg.OTLPEndpoint != "" {
		if err := p.startTraces(ctx, cfg, res); err != nil {
			return nil, errors.Join(err, p.shutdown(ctx))
		}
	}
	return p, nil
}

func resourceAttributes(cfg Config) []attribute.KeyValue {
	attrs := []attribute.KeyValue{attribute.String("service.name", cfg.serviceName())}
	if cfg.InstanceID != "" {
		attrs = append(attrs, attribute.String("service.instance.id", cfg.InstanceID))
	}
	return attrs
}

// startMetrics sets up the meter provider, the Go runtime instruments and
// the process collector (CPU, memory, file descriptors).
func (p *providers) startMetrics(res *resource.Resource) error {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo())
	if err != nil {
		return fmt.Errorf("telemetry: create prometheus exporter: %w", err)
	}
	p.registry = reg
	p.meters = sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp), sdkmetric.WithResource(res))
	if err := runtime.Start(runtime.WithMeterProvider(p.meters)); err != nil {
		return fmt.Errorf("telemetry: start runtime metrics: %w", err)
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return fmt.Errorf("telemetry: register process collector: %w", err)
	}
	return nil
}

// startTraces sets up sampled, batched span export to the collector at
// cfg.OTLPEndpoint, a URL whose path defaults to defaultTracesPath.
func (p *providers) startTraces(ctx context.Context, cfg Config, res *resource.Resource) error {
	u, err := url.Parse(cfg.OTLPEndpoint)
	if err != nil {
		return fmt.Errorf("%w: OTLP endpoint %q: %w", ErrConfig, cfg.OTLPEndpoint, err)
	}
	path := u.Path
	if path == "" || path == "/" {
		path = defaultTracesPath
	}
	opts := []otlptracehttp.Option{otlptracehttp.WithEndpoint(u.Host), otlptracehttp.WithURLPath(path)}
	if u.Scheme == "http" {
		opts = append(opts, otlptracehttp.WithInsecure())
	}
	exp, err := otlptracehttp.New(ctx, opts...)
	if err != nil {
		return fmt.Errorf("telemetry: create OTLP trace exporter: %w", err)
	}
	sampler := sdktrace.ParentBased(sdktrace.TraceIDRatioBased(cfg.sampleRatio()))
	p.tracers = sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res),
		sdktrace.WithSampler(sampler))
	return nil
}

func (p *providers) meterProvider() metric.MeterProvider {
	if p.meters == nil {
		return metricnoop.NewMeterProvider()
	}
	return p.meters
}

func (p *providers) tracerProvider() trace.TracerProvider {
	if p.tracers == nil {
		return tracenoop.NewTracerProvider()
	}
	return p.tracers
}

// shutdown flushes the spans still buffered and stops both pipelines.
func (p *providers) shutdown(ctx context.Context) error {
	var errs []error
	if p.tracers != nil {
		if err := p.tracers.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("telemetry: shut down traces: %w", err))
		}
	}
	if p.meters != nil {
		if err := p.meters.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("telemetry: shut down metrics: %w", err))
		}
	}
	return errors.Join(errs...)
}
