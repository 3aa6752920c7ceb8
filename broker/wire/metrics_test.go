package wire

import (
	"context"
	"encoding/binary"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// newMeterReader returns a meter whose measurements reader collects.
func newMeterReader(t *testing.T) (*sdkmetric.ManualReader, *sdkmetric.MeterProvider) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { mp.Shutdown(context.Background()) })
	return reader, mp
}

// collected is one collection, looked up by instrument name and attributes.
type collected map[string]metricdata.Aggregation

func collect(t *testing.T, r *sdkmetric.ManualReader) collected {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	c := collected{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			c[m.Name] = m.Data
		}
	}
	return c
}

// sum is the value of a counter's point with exactly attrs; 0 when none.
func (c collected) sum(name string, attrs ...attribute.KeyValue) int64 {
	s, _ := c[name].(metricdata.Sum[int64])
	want := attribute.NewSet(attrs...)
	for _, p := range s.DataPoints {
		if p.Attributes.Equals(&want) {
			return p.Value
		}
	}
	return 0
}

// histogram is a histogram's point with exactly attrs.
func (c collected) histogram(name string, attrs ...attribute.KeyValue) metricdata.HistogramDataPoint[float64] {
	h, _ := c[name].(metricdata.Histogram[float64])
	want := attribute.NewSet(attrs...)
	for _, p := range h.DataPoints {
		if p.Attributes.Equals(&want) {
			return p
		}
	}
	return metricdata.HistogramDataPoint[float64]{}
}

func TestMetricsCountRequestsAndConnections(t *testing.T) {
	reader, mp := newMeterReader(t)
	_, addr := startServer(t, nil, func(c *Config) { c.Meter = mp.Meter("wire") })
	c := dialRaw(t, addr)
	var in int
	for i := range int32(3) {
		f := c.frame(i, metadataAt(9))
		in += len(f)
		c.write(f)
		c.read(i, 3, 9)
	}
	api := attribute.String("api", "Metadata")
	got := collect(t, reader)
	if n := got.sum("strata.wire.requests", api); n != 3 {
		t.Errorf("requests = %d, want 3", n)
	}
	if n := got.sum("strata.wire.received", api); n != int64(in) {
		t.Errorf("received = %d bytes, want the %d sent", n, in)
	}
	if n := got.sum("strata.wire.sent", api); n <= 0 {
		t.Errorf("sent = %d bytes, want some", n)
	}
	if h := got.histogram("strata.wire.request.duration", api); h.Count != 3 || h.Sum <= 0 {
		t.Errorf("duration count %d sum %v, want 3 positive observations", h.Count, h.Sum)
	}
	if n := got.sum("strata.wire.connections"); n != 1 {
		t.Errorf("open connections = %d, want 1", n)
	}

	c.nc.Close()
	eventually(t, "the connection to close", func() bool {
		got := collect(t, reader)
		return got.sum("strata.wire.connections") == 0 && got.sum("strata.wire.connections.closed") == 1
	})
	if n := collect(t, reader).sum("strata.wire.connections.accepted"); n != 1 {
		t.Errorf("accepted = %d, want 1", n)
	}
}

func TestMetricsCountRefusedFrames(t *testing.T) {
	reader, mp := newMeterReader(t)
	_, addr := startServer(t, nil, func(c *Config) { c.Meter = mp.Meter("wire") })
	c := dialRaw(t, addr)
	c.write(binary.BigEndian.AppendUint32(nil, 1<<31-1)) // over MaxRequestSize
	c.expectClosed()
	eventually(t, "the refusal to be counted", func() bool {
		return collect(t, reader).sum("strata.wire.errors", attribute.String("reason", "too_large")) == 1
	})
}

// TestMetricsRecordWithoutAllocating keeps the request path free of
// allocations from telemetry.
func TestMetricsRecordWithoutAllocating(t *testing.T) {
	_, mp := newMeterReader(t)
	ms, err := newMetrics(mp.Meter("wire"))
	if err != nil {
		t.Fatal(err)
	}
	req, err := ParseRequest(frameBody(metadataAt(9), 1))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ms.served(ctx, req, 100) // the first measurement creates the series
	if n := testing.AllocsPerRun(100, func() { ms.served(ctx, req, 100) }); n != 0 {
		t.Fatalf("served allocates %v times per call", n)
	}
}

func TestMetricsWithoutMeter(t *testing.T) {
	ms, err := newMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	ms.served(context.Background(), &Request{Key: -1}, 1) // no-op, unknown key
}
