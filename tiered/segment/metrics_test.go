package segment

import (
	"context"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// collectSegmentMetrics returns each instrument's total: a counter's sum or
// a histogram's observation count.
func collectSegmentMetrics(t *testing.T, r *sdkmetric.ManualReader) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					got[m.Name] += p.Value
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					got[m.Name] += int64(p.Count)
				}
			}
		}
	}
	return got
}

func TestMetricsRecordAppendsSyncsAndRolls(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { mp.Shutdown(context.Background()) })
	ms, err := NewMetrics(mp.Meter("segment"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(newClock())
	cfg.Metrics = ms
	l := openLog(t, t.TempDir(), cfg)
	defer l.Close()

	var bytes int64
	for i := range 3 {
		b := values(2, 100, int64(i))
		bytes += int64(len(b))
		mustAppend(t, l, b)
	}
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := l.Seal(); err != nil {
		t.Fatal(err)
	}

	got := collectSegmentMetrics(t, reader)
	for name, want := range map[string]int64{
		"strata.segment.append.duration": 3,
		"strata.segment.appended":        bytes,
		"strata.segment.sync.duration":   1,
		"strata.segment.rolls":           1,
	} {
		if got[name] != want {
			t.Errorf("%s = %d, want %d", name, got[name], want)
		}
	}
}

func TestNilMetricsRecordNothing(t *testing.T) {
	ms, err := NewMetrics(nil)
	if err != nil || ms != nil {
		t.Fatalf("NewMetrics(nil) = %v, %v; want nil, nil", ms, err)
	}
	ms.appendDone(ms.start(), 1)
	ms.syncDone(ms.start())
	ms.rolled()
}

func TestMetricsRecordWithoutAllocating(t *testing.T) {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	t.Cleanup(func() { mp.Shutdown(context.Background()) })
	ms, err := NewMetrics(mp.Meter("segment"))
	if err != nil {
		t.Fatal(err)
	}
	record := func() {
		ms.appendDone(ms.start(), 100)
		ms.syncDone(ms.start())
		ms.rolled()
	}
	record()
	if n := testing.AllocsPerRun(100, record); n != 0 {
		t.Fatalf("recording allocates %v times", n)
	}
}
