package main

import (
	"strings"
	"testing"
	"time"

	"github.com/strata-streaming/strata/internal/perf"
)

// disk is a raw write result of bytes in elapsed, in batches of batch.
func disk(bytes int64, elapsed time.Duration, batch int, cpu time.Duration) diskResult {
	return diskResult{Rate: perf.Rate{Records: bytes / int64(batch), Bytes: bytes, Elapsed: elapsed}, Batch: batch, CPU: cpu}
}

func TestProduceRowMeanBaseline(t *testing.T) {
	p := produceResult{MBPerSecond: 150, RecordsPerSecond: 146484}
	before := disk(400e6, 2*time.Second, 1_000_012, 0) // 200 MB/s
	after := disk(400e6, time.Second, 512<<10, 0)      // 400 MB/s
	row := produceRow("produce", p, before, after)
	if row.Baseline.V != 300 || row.Baseline.Unit != "MB/s" {
		t.Fatalf("baseline %v, want the mean, 300 MB/s", row.Baseline)
	}
	if r, ok := row.Ratio(); !ok || r != 0.5 {
		t.Fatalf("ratio %v %v, want 0.5", r, ok)
	}
	if !strings.Contains(row.Note, "mean of 200 MB/s before and 400 MB/s after") {
		t.Fatalf("note %q does not give both raw rates", row.Note)
	}
	if !strings.Contains(row.BaselineName, "977 KiB batches") || !strings.Contains(row.BaselineName, "512 KiB batches") {
		t.Fatalf("baseline name %q does not give both batch sizes", row.BaselineName)
	}
	if row.Target.Bound != 0.70 || row.Target.met(row) {
		t.Fatalf("target %+v: ratio 0.5 should miss ≥ 0.70", row.Target)
	}
}

func TestCPURowSumsRawRuns(t *testing.T) {
	raw := disk(1e9, time.Second, 1<<20, time.Second).plus(disk(1e9, time.Second, 1<<20, 3*time.Second))
	row := cpuRow(10*time.Second, 4e9, raw)
	if row.Figure.V != 2.5 || row.Baseline.V != 2 {
		t.Fatalf("figure %v, baseline %v: want 2.5 and 2 CPU s/GB", row.Figure, row.Baseline)
	}
	if none := cpuRow(time.Second, 1e9, diskResult{}); none.Baseline.Unit != "" {
		t.Fatalf("no raw run, baseline %v: want none", none.Baseline)
	}
}

func TestHotConsumeRows(t *testing.T) {
	raw := copyRates{
		before:  perf.Rate{Bytes: 1.2e9, Elapsed: time.Second}, // 1200 MB/s
		after:   perf.Rate{Bytes: 0.8e9, Elapsed: time.Second}, // 800 MB/s: a mean of 1000
		ceiling: perf.Rate{Bytes: 3e9, Elapsed: time.Second},
	}
	batches := hotConsumeRow(hotConsumeName(modeBatches), consumeResult{Mode: modeBatches, MBPerSecond: 850, Bytes: 1e9, Records: 10}, raw)
	if r, _ := batches.Ratio(); r != 0.85 || batches.Target.Bound != 0.80 || !batches.Target.met(batches) {
		t.Fatalf("fetch-level row %+v: want ratio 0.85 meeting ≥ 0.80", batches)
	}
	for _, want := range []string{"ran at 3000 MB/s", "1200 MB/s before and 800 MB/s after"} {
		if !strings.Contains(batches.Note, want) {
			t.Fatalf("fetch-level note %q: want %q", batches.Note, want)
		}
	}
	records := hotConsumeRow(hotConsumeName(modeRecords), consumeResult{Mode: modeRecords, MBPerSecond: 400, Records: 10}, raw)
	if records.Target.set() || !strings.Contains(records.Note, "decodes every record") {
		t.Fatalf("records row %+v: want no target and a note on decoding", records)
	}
	if batches.Scenario == records.Scenario {
		t.Fatalf("both modes are named %q", records.Scenario)
	}
}

func TestColdRows(t *testing.T) {
	base := coldBaseline{rate: perf.Rate{Bytes: 200e6, Elapsed: time.Second}, name: "raw GETs"}
	batches := coldRow(coldScenario, consumeResult{Mode: modeBatches, MBPerSecond: 150, Bytes: 1e8}, base, 229376)
	if r, _ := batches.Ratio(); r != 0.75 || batches.Target.Bound != 0.70 || !batches.Target.met(batches) {
		t.Fatalf("fetch-level row %+v: want ratio 0.75 meeting ≥ 0.70", batches)
	}
	records := coldRow(coldRecordsScenario, consumeResult{Mode: modeRecords, MBPerSecond: 50, FirstRecordMs: 42}, base, 229376)
	if r, _ := records.Ratio(); r != 0.25 || records.Target.set() {
		t.Fatalf("records row %+v: want ratio 0.25 and no target", records)
	}
	for _, row := range []Row{batches, records} {
		if !strings.Contains(row.Note, "offsets below 229376 were only in MinIO") {
			t.Errorf("note %q does not say which offsets were only in MinIO", row.Note)
		}
	}
	if !strings.Contains(records.Note, "first record after 42.0 ms") {
		t.Errorf("note %q does not give the time to first record", records.Note)
	}
}

func TestBrokerBytesCoversFraming(t *testing.T) {
	s := &suite{cfg: DefaultConfig()}
	records := s.cfg.records(s.cfg.ProduceMiB)
	if got := s.brokerBytes(records); got <= records*int64(s.cfg.RecordSize) {
		t.Fatalf("warm-up of %d bytes for %d records: want more than their values", got, records)
	}
}

func TestLatencyRows(t *testing.T) {
	p := produceResult{RecordsPerSecond: 50_000, MBPerSecond: 51.2, AvgBatchBytes: 300_000}
	p.LatencyMs.P50, p.LatencyMs.P99, p.LatencyMs.P999 = 4, 12, 30
	disk := diskResult{Rate: perf.Rate{Bytes: 768e6, Elapsed: 15 * time.Second}}
	disk.Latency.P50, disk.Latency.P99, disk.Latency.P999 = 2*time.Millisecond, 6*time.Millisecond, 10*time.Millisecond
	set := latencySetting{
		rate: 50_000, bytesPerSecond: 51.2e6, duration: 15 * time.Second,
		peak: produceResult{MBPerSecond: 102.4}, burst: produceResult{MBPerSecond: 400},
	}
	rows := latencyRows("latency", p, disk, set)
	if len(rows) != 3 {
		t.Fatalf("%d rows, want p50, p99 and p99.9", len(rows))
	}
	if r, _ := rows[1].Ratio(); r != 2 || !rows[1].Target.set() || rows[1].Target.met(rows[1]) {
		t.Fatalf("p99 row %+v: want ratio 2 and the 10 ms target missed", rows[1])
	}
	for _, want := range []string{"half the sustained peak (102 MB/s", "burst ran at 400 MB/s", "achieved 50000"} {
		if !strings.Contains(rows[0].Note, want) {
			t.Fatalf("note %q: want %q", rows[0].Note, want)
		}
	}
}

func TestMedianPass(t *testing.T) {
	mbps := func(v float64) perf.Rate { return perf.Rate{Bytes: int64(v * 1e6), Elapsed: time.Second} }
	// Copies drift from 1000 to 500 MB/s; the passes' ratios to the copies
	// beside them are 0.9, 0.5 and 0.8, so the median pass is the third,
	// though the first is the fastest.
	raws := []perf.Rate{mbps(1000), mbps(1000), mbps(600), mbps(500)}
	passes := []consumeResult{{MBPerSecond: 900}, {MBPerSecond: 400}, {MBPerSecond: 440}}
	i, ratios := medianPass(passes, raws)
	if i != 2 || ratios != "0.9, 0.5, 0.8" {
		t.Fatalf("medianPass = %d (%s), want 2 (0.9, 0.5, 0.8)", i, ratios)
	}
}
