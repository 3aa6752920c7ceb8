package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/strata-streaming/strata/internal/perf"
)

// suite runs the scenarios in order and collects their rows.
type suite struct {
	cfg  Config
	dir  string
	log  io.Writer
	gen  loadGen
	rows []Row
}

// hotRun is what the hot-tier scenarios measured, for the comparisons
// that follow them.
type hotRun struct {
	produce1, produce8 produceResult
	consume            consumeResult
}

func (s *suite) add(rows ...Row) { s.rows = append(s.rows, rows...) }

func (s *suite) logf(format string, args ...any) {
	fmt.Fprintf(s.log, "suite: "+format+"\n", args...)
}

// runAll runs the hot-tier scenarios, the kfake comparisons and the
// tiered scenarios.
func (s *suite) runAll(ctx context.Context) {
	if !s.cfg.SkipHot {
		hot, err := s.runHot(ctx)
		if err != nil {
			s.add(failedRow("hot-tier scenarios", err))
		}
		if !s.cfg.SkipKfake {
			s.runKfake(ctx, hot)
		}
	}
	if !s.cfg.SkipTiered {
		s.runTiered(ctx)
	}
}

// runHot starts a broker without an object store and measures produce,
// latency at half load, hot consume, and the broker's CPU and memory.
func (s *suite) runHot(ctx context.Context) (hotRun, error) {
	var hot hotRun
	s.logf("starting the hot-tier broker")
	b, err := startBroker(ctx, s.cfg.Strata, s.dir, "broker-hot", nil, nil)
	if err != nil {
		return hot, err
	}
	defer b.stop(stopGrace)
	before, err := readProcStats(b.cmd.Process.Pid)
	if err != nil {
		return hot, err
	}
	var disk diskResult
	hot.produce1, disk = s.produceScenario(ctx, b.Addr, 1)
	hot.produce8, _ = s.produceScenario(ctx, b.Addr, 8)
	after, err := readProcStats(b.cmd.Process.Pid)
	if err == nil {
		s.add(cpuRow(after.CPU-before.CPU, hot.produce1.Bytes+hot.produce8.Bytes, disk))
	}
	s.latencyScenario(ctx, b.Addr, hot.produce1)
	hot.consume = s.hotConsumeScenario(ctx, b.Addr)
	if end, err := readProcStats(b.cmd.Process.Pid); err == nil {
		s.add(memoryRows(end, hot.produce1.Bytes+hot.produce8.Bytes)...)
	}
	return hot, nil
}

func produceTopic(partitions int) string { return "produce-" + strconv.Itoa(partitions) + "p" }

// produceArgs are the flags of a throughput run of n records.
func (s *suite) produceArgs(topic string, partitions int, records int64) []string {
	return []string{
		"--topic", topic, "--partitions", strconv.Itoa(partitions), "--acks", "all",
		"--records", strconv.FormatInt(records, 10), "--record-size", strconv.Itoa(s.cfg.RecordSize),
	}
}

// produceScenario produces at full speed with acks=all to a new topic of
// partitions and compares with raw write+fsync of the same bytes in the
// same batch sizes. The disk of a shared machine drifts, so the raw write
// runs both before and after the produce run and the faster one is the
// baseline.
func (s *suite) produceScenario(ctx context.Context, addr string, partitions int) (produceResult, diskResult) {
	name := fmt.Sprintf("produce acks=all, %d partition(s), %d B records", partitions, s.cfg.RecordSize)
	s.logf("%s", name)
	records := s.cfg.records(s.cfg.ProduceMiB)
	before, err := rawDiskWrite(s.dir, records*int64(s.cfg.RecordSize), producerBatchMax)
	if err != nil {
		s.add(failedRow(name, err))
		return produceResult{}, before
	}
	p, err := s.gen.produce(ctx, addr, s.produceArgs(produceTopic(partitions), partitions, records)...)
	if err != nil {
		s.add(failedRow(name, err))
		return p, diskResult{}
	}
	disk, err := rawDiskWrite(s.dir, p.Bytes, batchSize(p))
	if err != nil {
		s.add(failedRow(name, err))
		return p, disk
	}
	if before.Rate.MBPerSecond() > disk.Rate.MBPerSecond() {
		disk = before
	}
	s.add(Row{
		Scenario: name, Figure: Value{p.MBPerSecond, "MB/s"},
		Baseline: Value{disk.Rate.MBPerSecond(), "MB/s"},
		BaselineName: fmt.Sprintf("raw write+fsync, the faster of a run before (%s batches) and after (%s batches)",
			byteSize(producerBatchMax), byteSize(batchSize(p))),
		Target: Target{Bound: 0.70},
		Note:   fmt.Sprintf("%.0f records/s; p99 %.1f ms (closed loop, includes queueing)", p.RecordsPerSecond, p.LatencyMs.P99),
	})
	return p, disk
}

// producerBatchMax is the largest batch `strata bench produce` sends by
// default, the batch size of the raw write before a run.
const producerBatchMax = 1_000_012

// batchSize is the average batch a run wrote, at least one record.
func batchSize(p produceResult) int {
	return max(int(p.AvgBatchBytes), 1)
}

// latencyScenario produces open loop at half the measured 1-partition
// peak and compares the latency percentiles with those of raw
// write+fsync of batches of the size the run sent.
func (s *suite) latencyScenario(ctx context.Context, addr string, peak produceResult) {
	name := "produce latency at 50% of peak, 1 partition"
	if peak.RecordsPerSecond <= 0 {
		s.add(failedRow(name, fmt.Errorf("no peak rate: the 1-partition produce run failed")))
		return
	}
	rate := peak.RecordsPerSecond / 2
	s.logf("%s (%.0f records/s for %v)", name, rate, s.cfg.LatencyDuration)
	args := s.produceArgs("latency-1p", 1, 0)
	args = append(args, "--rate", strconv.FormatFloat(rate, 'f', 0, 64), "--duration", s.cfg.LatencyDuration.String())
	p, err := s.gen.produce(ctx, addr, args...)
	if err != nil {
		s.add(failedRow(name, err))
		return
	}
	disk, err := rawDiskWrite(s.dir, min(p.Bytes, 64<<20), batchSize(p))
	if err != nil {
		s.add(failedRow(name, err))
		return
	}
	base := fmt.Sprintf("raw write+fsync of one %s batch", byteSize(batchSize(p)))
	note := fmt.Sprintf("open loop, target %.0f records/s, achieved %.0f (%.1f MB/s); latency from each record's intended send time",
		rate, p.RecordsPerSecond, p.MBPerSecond)
	ms := func(d time.Duration) Value { return Value{float64(d) / 1e6, "ms"} }
	s.add(
		Row{Scenario: name + ": p50", Figure: Value{p.LatencyMs.P50, "ms"}, Baseline: ms(disk.Latency.P50), BaselineName: base, Note: note},
		Row{Scenario: name + ": p99", Figure: Value{p.LatencyMs.P99, "ms"}, Baseline: ms(disk.Latency.P99), BaselineName: base,
			Target: Target{OnFigure: true, AtMost: true, Bound: 10}},
		Row{Scenario: name + ": p99.9", Figure: Value{p.LatencyMs.P999, "ms"}, Baseline: ms(disk.Latency.P999), BaselineName: base},
	)
}

// hotConsumeScenario reads the 1-partition topic from the start and
// compares with a loopback TCP copy of the same bytes.
func (s *suite) hotConsumeScenario(ctx context.Context, addr string) consumeResult {
	name := "hot consume, 1 partition, from local disk"
	s.logf("%s", name)
	c, err := s.gen.consume(ctx, addr, "--topic", produceTopic(1), "--from-beginning")
	if err != nil {
		s.add(failedRow(name, err))
		return c
	}
	raw, err := rawTCPCopy(ctx, c.Bytes, 1<<20)
	if err != nil {
		s.add(failedRow(name, err))
		return c
	}
	s.add(Row{
		Scenario: name, Figure: Value{c.MBPerSecond, "MB/s"},
		Baseline: Value{raw.MBPerSecond(), "MB/s"}, BaselineName: "raw loopback TCP copy, 1 MiB writes",
		Target: Target{Bound: 0.80},
		Note:   fmt.Sprintf("%d records; first record after %.1f ms", c.Records, c.FirstRecordMs),
	})
	return c
}

// cpuRow is the broker's CPU time per GB produced, beside that of the raw
// write+fsync loop.
func cpuRow(cpu time.Duration, bytes int64, disk diskResult) Row {
	row := Row{
		Scenario: "broker CPU per GB produced (both produce runs)",
		Figure:   Value{cpu.Seconds() / (float64(bytes) / 1e9), "CPU s/GB"},
		Note:     "from /proc/<pid>/stat utime+stime; the load generator runs in its own process",
	}
	if disk.Rate.Bytes > 0 {
		row.Baseline = Value{disk.CPU.Seconds() / (float64(disk.Rate.Bytes) / 1e9), "CPU s/GB"}
		row.BaselineName = "raw write+fsync loop"
	}
	return row
}

// memoryRows report the broker's resident memory after the hot runs.
func memoryRows(ps procStats, produced int64) []Row {
	note := fmt.Sprintf("after producing %.0f MB and consuming; no baseline", float64(produced)/perf.MB)
	return []Row{
		{Scenario: "broker peak resident memory (VmHWM)", Figure: Value{float64(ps.PeakRSS) / perf.MB, "MB"}, Note: note},
		{Scenario: "broker resident memory at the end (VmRSS)", Figure: Value{float64(ps.RSS) / perf.MB, "MB"}, Note: note},
	}
}

// byteSize formats a size for a table cell.
func byteSize(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
