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
	raw := perf.Rate{Bytes: 1e9, Elapsed: time.Second}     // 1000 MB/s
	ceiling := perf.Rate{Bytes: 3e9, Elapsed: time.Second} // 3000 MB/s
	batches := hotConsumeRow(hotConsumeName(modeBatches), consumeResult{Mode: modeBatches, MBPerSecond: 850, Bytes: 1e9, Records: 10}, raw, ceiling)
	if r, _ := batches.Ratio(); r != 0.85 || batches.Target.Bound != 0.80 || !batches.Target.met(batches) {
		t.Fatalf("fetch-level row %+v: want ratio 0.85 meeting ≥ 0.80", batches)
	}
	if !strings.Contains(batches.Note, "ran at 3000 MB/s") {
		t.Fatalf("fetch-level note %q: want the cache-resident copy's rate", batches.Note)
	}
	records := hotConsumeRow(hotConsumeName(modeRecords), consumeResult{Mode: modeRecords, MBPerSecond: 400, Records: 10}, raw, ceiling)
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
