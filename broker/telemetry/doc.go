// Package telemetry sets up Strata's OpenTelemetry SDK and serves the
// admin HTTP endpoints of a broker process. It is the only package besides
// cmd/strata that touches the SDK; every other package only creates
// instruments from a metric.Meter it is given.
//
// # Providers
//
// Start builds, per Server:
//
//   - a MeterProvider whose reader is a Prometheus exporter registered
//     with a prometheus.Registry of the Server's own, never the client
//     library's default registry, so that several brokers in one process
//     (tests) keep separate metrics. Go runtime instruments (go.goroutine.count,
//     go.memory.used, ...) and the Prometheus process collector (CPU,
//     resident memory, open file descriptors) are registered with it;
//   - a TracerProvider exporting batched spans over OTLP/HTTP when
//     Config.OTLPEndpoint is set, and a no-op one otherwise. It samples
//     Config.TraceSampleRatio of the traces (1% by default), always
//     following a sampled parent.
//
// # Dependency injection, no globals
//
// The package never sets the OpenTelemetry globals (otel.SetMeterProvider
// and friends). The broker passes MeterProvider, or a Meter made from it
// per package, down through each package's Config (a nil Meter there means
// no-op instruments). A process-global provider would mix the metrics of
// every broker a test starts and outlive each of them; injected providers
// are owned, and shut down, by the broker that made them. cmd/strata may
// still install a Server's providers as the globals for third-party
// libraries that only know those.
//
// With the admin server switched off (Config.Listen == "") nothing could
// read the metrics, so MeterProvider is a no-op and instruments cost next to
// nothing.
//
// # Admin HTTP server
//
// On Config.Listen (DefaultListen, 127.0.0.1:9644, unless told otherwise):
//
//	GET /metrics       Prometheus text exposition of every instrument
//	GET /healthz       200 "ok" while the process serves HTTP at all
//	GET /readyz        200 "ready" once the ready function passed to Start
//	                   returns nil; 503 "not ready: <reason>" until then
//	    /debug/pprof/  net/http/pprof, only with Config.EnablePprof
//
// # Metric names
//
// Instruments are named in OpenTelemetry style, dot-separated and
// prefixed with the emitting package (strata.wire.requests), with a UCUM
// unit (s, By, or a {annotation} for counts). The Prometheus exporter
// turns dots into underscores, appends the unit (_seconds, _bytes; an
// annotation adds nothing) and _total to counters: strata.wire.requests
// becomes strata_wire_requests_total, strata.wire.request.duration (s)
// strata_wire_request_duration_seconds_bucket/_sum/_count. Scope labels
// are left out, so a name must be unique in the process. The full list is
// in deploy/METRICS.md.
//
// # Lifecycle
//
// Start validates the Config, builds the providers and starts serving; the
// admin listener is bound before Start returns, so Addr is usable at once.
// Close shuts the HTTP server down (requests in flight get a few seconds),
// flushes buffered spans and shuts both providers down. Close the Server
// after the packages that record into it have stopped.
package telemetry
