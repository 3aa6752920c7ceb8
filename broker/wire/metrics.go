package wire

import (
	"context"
	"errors"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// latencyBuckets are the request duration histogram's bounds in seconds:
// from 100µs (an in-memory answer) to 30s (a long-polling fetch or a slow
// group join).
var latencyBuckets = []float64{
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
}

// failure is why a request or frame ended its connection, the reason
// attribute of strata.wire.errors.
type failure int

const (
	failHandler     failure = iota // the Handler returned an error
	failWrite                      // the response could not be written
	failMalformed                  // the frame did not parse
	failTooLarge                   // the frame exceeded MaxRequestSize
	failUnsupported                // a key or version outside the table
	numFailures
)

var failureNames = [numFailures]string{"handler", "write", "malformed", "too_large", "unsupported"}

// apiOptions are the precomputed measurement options of one API key, so
// that recording allocates nothing.
type apiOptions struct {
	name   string // the API's name, "unknown" for a key kmsg does not know
	add    []metric.AddOption
	record []metric.RecordOption
	failed [failWrite + 1][]metric.AddOption
}

// metrics are the Server's instruments (see the package documentation for
// their names). Recording is allocation-free.
type metrics struct {
	requests metric.Int64Counter
	received metric.Int64Counter
	sent     metric.Int64Counter
	duration metric.Float64Histogram
	errors   metric.Int64Counter
	open     metric.Int64UpDownCounter
	accepted metric.Int64Counter
	closed   metric.Int64Counter

	byKey   []apiOptions // indexed by API key; the last entry is for unknown keys
	byFrame [numFailures][]metric.AddOption
}

// newMetrics creates the instruments from m; nil means no-op instruments.
func newMetrics(m metric.Meter) (*metrics, error) {
	if m == nil {
		m = noop.NewMeterProvider().Meter("")
	}
	var ms metrics
	var err error
	counter := func(name, unit, desc string) metric.Int64Counter {
		var c metric.Int64Counter
		if err == nil {
			c, err = m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		}
		return c
	}
	ms.requests = counter("strata.wire.requests", "{request}", "Requests served, by API.")
	ms.received = counter("strata.wire.received", "By", "Request bytes read, size prefixes included, by API.")
	ms.sent = counter("strata.wire.sent", "By", "Response bytes written, size prefixes included, by API.")
	ms.errors = counter("strata.wire.errors", "{error}", "Requests and frames that closed their connection, by API and reason.")
	ms.accepted = counter("strata.wire.connections.accepted", "{connection}", "Connections accepted.")
	ms.closed = counter("strata.wire.connections.closed", "{connection}", "Connections closed.")
	if err != nil {
		return nil, err
	}
	if ms.duration, err = m.Float64Histogram("strata.wire.request.duration", metric.WithUnit("s"),
		metric.WithDescription("Time from a request's frame read to its response written, by API."),
		metric.WithExplicitBucketBoundaries(latencyBuckets...)); err != nil {
		return nil, err
	}
	if ms.open, err = m.Int64UpDownCounter("strata.wire.connections", metric.WithUnit("{connection}"),
		metric.WithDescription("Open connections.")); err != nil {
		return nil, err
	}
	ms.precompute()
	return &ms, nil
}

// precompute builds the attribute sets of every API key and failure.
func (ms *metrics) precompute() {
	ms.byKey = make([]apiOptions, kmsg.MaxKey+2)
	for key := range ms.byKey {
		name := "unknown"
		if key <= int(kmsg.MaxKey) {
			if n := kmsg.NameForKey(int16(key)); n != "" && n != "Unknown" {
				name = n
			}
		}
		api := attribute.String("api", name)
		opt := metric.WithAttributeSet(attribute.NewSet(api))
		o := apiOptions{name: name, add: []metric.AddOption{opt}, record: []metric.RecordOption{opt}}
		for f := range o.failed {
			set := attribute.NewSet(api, attribute.String("reason", failureNames[f]))
			o.failed[f] = []metric.AddOption{metric.WithAttributeSet(set)}
		}
		ms.byKey[key] = o
	}
	for f := failMalformed; f < numFailures; f++ {
		set := attribute.NewSet(attribute.String("reason", failureNames[f]))
		ms.byFrame[f] = []metric.AddOption{metric.WithAttributeSet(set)}
	}
}

func (ms *metrics) api(key int16) *apiOptions {
	if key < 0 || int(key) >= len(ms.byKey)-1 {
		return &ms.byKey[len(ms.byKey)-1]
	}
	return &ms.byKey[key]
}

// served records a request answered with out response bytes.
func (ms *metrics) served(ctx context.Context, req *Request, out int) {
	o := ms.api(req.Key)
	ms.requests.Add(ctx, 1, o.add...)
	ms.received.Add(ctx, int64(req.Size+frameSizeLen), o.add...)
	if out > 0 {
		ms.sent.Add(ctx, int64(out), o.add...)
	}
	if !req.received.IsZero() {
		ms.duration.Record(ctx, time.Since(req.received).Seconds(), o.record...)
	}
}

// failed records a request that closed its connection.
func (ms *metrics) failed(ctx context.Context, req *Request, f failure) {
	ms.errors.Add(ctx, 1, ms.api(req.Key).failed[f]...)
}

// refused records a frame that closed its connection.
func (ms *metrics) refused(ctx context.Context, f failure) {
	ms.errors.Add(ctx, 1, ms.byFrame[f]...)
}

func (ms *metrics) connOpened(ctx context.Context) {
	ms.accepted.Add(ctx, 1)
	ms.open.Add(ctx, 1)
}

func (ms *metrics) connClosed(ctx context.Context) {
	ms.closed.Add(ctx, 1)
	ms.open.Add(ctx, -1)
}

// refusal classifies an error that refused a frame.
func refusal(err error) failure {
	switch {
	case errors.Is(err, ErrFrameTooLarge):
		return failTooLarge
	case errors.Is(err, ErrUnsupported):
		return failUnsupported
	}
	return failMalformed
}
