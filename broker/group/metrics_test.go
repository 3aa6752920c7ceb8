package group

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// point is one collected data point: an instrument and its attributes.
type point struct {
	name  string
	attrs attribute.Distinct
}

func collectGroupMetrics(t *testing.T, r *sdkmetric.ManualReader) map[point]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[point]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					got[point{m.Name, p.Attributes.Equivalent()}] = p.Value
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					got[point{m.Name, p.Attributes.Equivalent()}] = p.Value
				}
			}
		}
	}
	return got
}

func at(name string, attrs ...attribute.KeyValue) point {
	s := attribute.NewSet(attrs...)
	return point{name, s.Equivalent()}
}

func TestMetricsObserveGroupsAndLag(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { mp.Shutdown(context.Background()) })
	hw := map[int32]int64{0: 100, 1: 40}
	e := newEnv(t, func(c *Config) {
		c.Meter = mp.Meter("group")
		c.HighWatermark = func(topic string, p int32) (int64, bool) {
			v, ok := hw[p]
			return v, ok && topic == "t"
		}
	})
	ids, gen := e.stableGroup("g", 2, "t")
	wantCode(t, "commit", e.commit(commitReq("g", ids[0], gen, 90, 40, 7)), nil)

	got := collectGroupMetrics(t, reader)
	lag := func(p int) point {
		return at("strata.group.lag", attribute.String("group", "g"), attribute.String("topic", "t"), attribute.Int("partition", p))
	}
	for p, want := range map[point]int64{
		at("strata.group.rebalances"):                                  1,
		at("strata.group.groups", attribute.String("state", "Stable")): 1,
		at("strata.group.groups", attribute.String("state", "Empty")):  0,
		at("strata.group.members"):                                     2,
		lag(0):                                                         10,
		lag(1):                                                         0,
	} {
		if v, ok := got[p]; !ok || v != want {
			t.Errorf("%s %v = %d (reported %v), want %d", p.name, p.attrs, v, ok, want)
		}
	}
	if _, ok := got[lag(2)]; ok {
		t.Error("lag reported for a partition without a high watermark")
	}
}

func TestMetricsStopAtClose(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { mp.Shutdown(context.Background()) })
	e := newEnv(t, func(c *Config) { c.Meter = mp.Meter("group") })
	e.stableGroup("g", 1, "t")
	if err := e.c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := collectGroupMetrics(t, reader)[at("strata.group.members")]; ok {
		t.Fatal("a closed coordinator is still observed")
	}
}
