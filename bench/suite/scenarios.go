package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
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
	consume            consumeResult // the franz-go consumer's (records mode)
}

func (s *suite) add(rows ...Row) { s.rows = append(s.rows, rows...) }

func (s *suite) logf(format string, args ...any) {
	fmt.Fprintf(s.log, "suite: "+format+"\n", args...)
}

// runAll runs the hot-tier scenarios, the tiered scenarios and the kfake
// comparisons.
//
// The kfake comparisons run last: kfake keeps every record in this
// process's heap, and once it lets gigabytes go, the next process to touch
// fresh memory on this VM pays for it (the tiered broker's CPU in the cold
// replay doubled when it ran after kfake).
func (s *suite) runAll(ctx context.Context) {
	var hot hotRun
	if !s.cfg.SkipHot {
		var err error
		if hot, err = s.runHot(ctx); err != nil {
			s.add(failedRow("hot-tier scenarios", err))
		}
	}
	if !s.cfg.SkipTiered {
		s.runTiered(ctx)
	}
	if !s.cfg.SkipHot && !s.cfg.SkipKfake {
		s.runKfake(ctx, hot)
	}
}

// hotBrokerArgs turn tiered storage off: by default a broker tiers to a
// directory beside its logs, and uploading a sealed segment there writes
// the disk the produce runs and their raw baselines are measured on. A
// deployment tiers to an object store elsewhere; the upload scenario
// measures uploads on their own.
var hotBrokerArgs = []string{"--override", "remote.log.storage.system.enable=false"}

// runHot starts a broker without tiered storage and measures produce,
// latency at half load, hot consume, and the broker's CPU and memory.
func (s *suite) runHot(ctx context.Context) (hotRun, error) {
	var hot hotRun
	s.logf("starting the hot-tier broker")
	args := append(slices.Clone(hotBrokerArgs), s.cfg.BrokerArgs...)
	b, err := startBroker(ctx, s.cfg.Strata, s.dir, "broker-hot", args, nil)
	if err != nil {
		return hot, err
	}
	// The hot broker's gigabytes go once it stops: the scenarios after
	// it start from a page cache without them.
	defer func() {
		b.stop(stopGrace)
		if err := os.RemoveAll(b.DataDir); err != nil {
			s.logf("remove the hot broker's data: %v", err)
		}
	}()
	before, err := readProcStats(b.cmd.Process.Pid)
	if err != nil {
		return hot, err
	}
	var disk1, disk8 diskResult
	var produced1, produced8 int64
	hot.produce1, produced1, disk1 = s.produceScenario(ctx, b.Addr, 1)
	hot.produce8, produced8, disk8 = s.produceScenario(ctx, b.Addr, 8)
	after, err := readProcStats(b.cmd.Process.Pid)
	if err == nil && produced1+produced8 > 0 {
		s.add(cpuRow(after.CPU-before.CPU, produced1+produced8, disk1.plus(disk8)))
	}
	s.latencyScenario(ctx, b.Addr, hot.produce1)
	s.hotConsumeScenario(ctx, b, modeBatches)
	hot.consume = s.hotConsumeScenario(ctx, b, modeRecords)
	if end, err := readProcStats(b.cmd.Process.Pid); err == nil {
		s.add(memoryRows(end, produced1+produced8)...)
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

// produceScenario produces at full speed with acks=all to new topics of
// partitions, with both load generators, and compares with raw
// write+fsync of the same bytes. The disk of a shared machine drifts, so
// the raw write runs both before (in the producer's largest batches) and
// after (in the batch size the writer sent) the produce runs, and the
// baseline is the mean of the two rates. The page cache is warmed before
// each write. The Produce-level writer (`--mode batches`) has the target:
// a franz-go producer spends about as much CPU per byte as the broker, on
// the same cores. It returns the franz-go run (for the kfake comparison),
// the bytes both runs produced and the two raw runs, for the CPU row.
func (s *suite) produceScenario(ctx context.Context, addr string, partitions int) (produceResult, int64, diskResult) {
	name := fmt.Sprintf("produce acks=all, %d partition(s), %d B records", partitions, s.cfg.RecordSize)
	s.logf("%s", name)
	records := s.cfg.records(s.cfg.ProduceMiB)
	before, err := s.rawWrite(records*int64(s.cfg.RecordSize), producerBatchMax)
	if err != nil {
		s.add(failedRow(name, err))
		return produceResult{}, 0, diskResult{}
	}
	var runs [2]produceResult
	for i, mode := range []string{modeBatches, modeRecords} {
		if err == nil {
			err = warmPageCache(s.dir, s.brokerBytes(records))
		}
		if err == nil {
			topic := produceTopic(partitions)
			if mode == modeRecords {
				topic += "-franz-go"
			}
			runs[i], err = s.gen.produce(ctx, addr, append(s.produceArgs(topic, partitions, records), "--mode", mode)...)
		}
	}
	var after diskResult
	if err == nil {
		after, err = s.rawWrite(runs[0].Bytes, batchSize(runs[0]))
	}
	if err != nil {
		s.add(failedRow(name, err))
		return produceResult{}, 0, diskResult{}
	}
	s.add(produceRow(name+", Produce-level writer", runs[0], before, after))
	franz := produceRow(name+", franz-go producer", runs[1], before, after)
	franz.Target = Target{}
	s.add(franz)
	return runs[1], runs[0].Bytes + runs[1].Bytes, before.plus(after)
}

// produceRow compares a produce run with the mean rate of the raw writes
// before and after it.
func produceRow(name string, p produceResult, before, after diskResult) Row {
	b, a := before.Rate.MBPerSecond(), after.Rate.MBPerSecond()
	return Row{
		Scenario: name, Figure: Value{p.MBPerSecond, "MB/s"},
		Baseline: Value{(b + a) / 2, "MB/s"},
		BaselineName: fmt.Sprintf("raw write+fsync of the same bytes, mean of a run before (%s batches) and after (%s batches)",
			byteSize(before.Batch), byteSize(after.Batch)),
		Target: Target{Bound: 0.70},
		Note: fmt.Sprintf("%.0f records/s; p99 %.1f ms (closed loop, includes queueing); baseline mean of %s before and %s after; "+
			"page cache warmed before each write, so both sides write into pages the guest has touched before",
			p.RecordsPerSecond, p.LatencyMs.P99, Value{b, "MB/s"}, Value{a, "MB/s"}),
	}
}

// rawWrite warms the page cache with total bytes, then runs the raw
// write+fsync baseline.
func (s *suite) rawWrite(total int64, batch int) (diskResult, error) {
	if err := warmPageCache(s.dir, total); err != nil {
		return diskResult{}, err
	}
	return rawDiskWrite(s.dir, total, batch)
}

// recordOverhead bounds what the broker writes per record beyond its
// value: the record's varint framing, its share of the batch header, and
// the index entries.
const recordOverhead = 64

// brokerBytes is at least what the broker writes to store records, the
// size of the page-cache warm-up before a produce run.
func (s *suite) brokerBytes(records int64) int64 {
	return records * int64(s.cfg.RecordSize+recordOverhead)
}

// producerBatchMax is the largest batch `strata bench produce` sends by
// default, the batch size of the raw write before a run.
const producerBatchMax = 1_000_012

// batchSize is the average batch a run wrote, at least one record.
func batchSize(p produceResult) int {
	return max(int(p.AvgBatchBytes), 1)
}

// latencyScenario produces open loop at half the 1-partition peak that
// the broker sustains for the length of the run, and compares the latency
// percentiles with those of raw write+fsync of batches of the size the run
// sent, at the same rate. The peak is measured first, closed loop for the
// same duration: the 1 GiB burst of the throughput run lands mostly in the
// page cache and runs faster than a disk holds for long, so half of it can
// be more than the disk sustains, and every figure then only measures a
// queue that grows for the whole run.
func (s *suite) latencyScenario(ctx context.Context, addr string, burst produceResult) {
	name := "produce latency at 50% of peak, 1 partition"
	peak, err := s.sustainedPeak(ctx, addr)
	if err != nil {
		s.add(failedRow(name, err))
		return
	}
	rate := peak.RecordsPerSecond / 2
	s.logf("%s (%.0f records/s for %v)", name, rate, s.cfg.LatencyDuration)
	args := s.produceArgs("latency-1p", 1, 0)
	args = append(args, "--rate", strconv.FormatFloat(rate, 'f', 0, 64), "--duration", s.cfg.LatencyDuration.String())
	if err := warmPageCache(s.dir, s.brokerBytes(int64(rate*s.cfg.LatencyDuration.Seconds())+1)); err != nil {
		s.add(failedRow(name, err))
		return
	}
	p, err := s.gen.produce(ctx, addr, args...)
	if err != nil {
		s.add(failedRow(name, err))
		return
	}
	bytesPerSecond := rate * float64(s.cfg.RecordSize)
	if err := warmPageCache(s.dir, int64(bytesPerSecond*s.cfg.LatencyDuration.Seconds())+1); err != nil {
		s.add(failedRow(name, err))
		return
	}
	disk, err := rawPacedWrite(ctx, s.dir, bytesPerSecond, s.cfg.LatencyDuration, batchSize(p))
	if err != nil {
		s.add(failedRow(name, err))
		return
	}
	s.add(latencyRows(name, p, disk, latencySetting{
		rate: rate, bytesPerSecond: bytesPerSecond, duration: s.cfg.LatencyDuration, peak: peak, burst: burst,
	})...)
}

// sustainedPeak produces closed loop to a new 1-partition topic for the
// latency run's duration: the peak rate the broker holds that long.
func (s *suite) sustainedPeak(ctx context.Context, addr string) (produceResult, error) {
	s.logf("sustained 1-partition peak, closed loop for %v", s.cfg.LatencyDuration)
	args := s.produceArgs("sustained-1p", 1, 0)
	args = append(args, "--duration", s.cfg.LatencyDuration.String())
	// The burst run's rate bounds what the broker writes in the run.
	if err := warmPageCache(s.dir, s.brokerBytes(s.cfg.records(s.cfg.ProduceMiB))); err != nil {
		return produceResult{}, err
	}
	p, err := s.gen.produce(ctx, addr, args...)
	if err == nil && p.RecordsPerSecond <= 0 {
		err = fmt.Errorf("%w: the sustained run acknowledged no records", ErrBaseline)
	}
	if err != nil {
		return p, fmt.Errorf("measure the sustained peak: %w", err)
	}
	return p, nil
}

// latencySetting is how a latency run was paced.
type latencySetting struct {
	rate           float64 // records/s asked for
	bytesPerSecond float64
	duration       time.Duration
	peak, burst    produceResult // the sustained peak it halves, the 1 GiB burst
}

// latencyRows are the p50, p99 and p99.9 rows of a latency run.
func latencyRows(name string, p produceResult, disk diskResult, set latencySetting) []Row {
	base := fmt.Sprintf("raw write+fsync of %s batches at the same %.0f MB/s for %v, open loop (achieved %.0f MB/s)",
		byteSize(batchSize(p)), set.bytesPerSecond/perf.MB, set.duration, disk.Rate.MBPerSecond())
	note := fmt.Sprintf("open loop at half the sustained peak (%.0f MB/s closed loop for %v; the 1 GiB burst ran at %.0f MB/s); "+
		"target %.0f records/s, achieved %.0f (%.1f MB/s); latency from each record's intended send time; "+
		"page cache warmed before the run and the raw writes",
		set.peak.MBPerSecond, set.duration, set.burst.MBPerSecond, set.rate, p.RecordsPerSecond, p.MBPerSecond)
	ms := func(d time.Duration) Value { return Value{float64(d) / 1e6, "ms"} }
	return []Row{
		{Scenario: name + ": p50", Figure: Value{p.LatencyMs.P50, "ms"}, Baseline: ms(disk.Latency.P50), BaselineName: base, Note: note},
		{Scenario: name + ": p99", Figure: Value{p.LatencyMs.P99, "ms"}, Baseline: ms(disk.Latency.P99), BaselineName: base,
			Target: Target{OnFigure: true, AtMost: true, Bound: 10}},
		{Scenario: name + ": p99.9", Figure: Value{p.LatencyMs.P999, "ms"}, Baseline: ms(disk.Latency.P999), BaselineName: base},
	}
}

// hotConsumePasses is how many times a hot consume run reads the topic,
// each pass between two raw copies.
const hotConsumePasses = 3

// hotConsumeScenario reads the 1-partition topic from the start in a mode
// of `strata bench consume`, hotConsumePasses times, and compares each
// pass with the mean rate of a loopback TCP copy of the same bytes run
// just before and just after it; the row is the pass of median ratio. The
// first copy also brings the topic's files into the page cache, so both
// sides read hot data. A pass takes a second or two, and on a shared
// machine a copy alone can be off by half: pairing each pass with the
// copies beside it, and taking the middle pass, keeps the drift out.
func (s *suite) hotConsumeScenario(ctx context.Context, b *brokerProc, mode string) consumeResult {
	name := hotConsumeName(mode)
	s.logf("%s", name)
	files, err := segmentFiles(b.DataDir, produceTopic(1), 0)
	raws := make([]perf.Rate, 1, hotConsumePasses+1)
	if err == nil {
		raws[0], err = rawFileCopy(ctx, files, filesBytes(files), fetchPartitionBytes)
	}
	var passes []consumeResult
	for i := 0; err == nil && i < hotConsumePasses; i++ {
		var c consumeResult
		if c, err = s.gen.consume(ctx, b.Addr, mode, "--topic", produceTopic(1), "--from-beginning"); err == nil {
			var raw perf.Rate
			raw, err = rawFileCopy(ctx, files, c.Bytes, fetchPartitionBytes)
			passes, raws = append(passes, c), append(raws, raw)
		}
	}
	var ceiling perf.Rate
	if err == nil {
		ceiling, err = rawTCPCopy(ctx, passes[0].Bytes, 1<<20)
	}
	if err != nil {
		s.add(failedRow(name, err))
		return consumeResult{}
	}
	i, ratios := medianPass(passes, raws)
	row := hotConsumeRow(name, passes[i], copyRates{raws[i], raws[i+1], ceiling})
	row.Note += fmt.Sprintf("; pass %d of %d, the median by ratio (%s)", i+1, len(passes), ratios)
	s.add(row)
	return passes[i]
}

// medianPass returns the index of the pass whose rate, over the mean of
// the raw copies before and after it, is the median, and all the ratios.
func medianPass(passes []consumeResult, raws []perf.Rate) (int, string) {
	ratio := func(i int) float64 {
		return passes[i].MBPerSecond / ((raws[i].MBPerSecond() + raws[i+1].MBPerSecond()) / 2)
	}
	order := make([]int, len(passes))
	texts := make([]string, len(passes))
	for i := range passes {
		order[i] = i
		texts[i] = fmt.Sprintf("%.3g", ratio(i))
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(ratio(a), ratio(b)) })
	return order[len(order)/2], strings.Join(texts, ", ")
}

// filesBytes is the files' total size; a file it cannot stat counts 0.
func filesBytes(files []string) int64 {
	var n int64
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// copyRates are a hot consume's baselines: the raw copies before and
// after it, and the copy between two cache-resident buffers.
type copyRates struct {
	before, after, ceiling perf.Rate
}

func hotConsumeName(mode string) string {
	if mode == modeBatches {
		return "hot consume, 1 partition, fetch-level reader"
	}
	return "hot consume, 1 partition, franz-go consumer (records decoded)"
}

// hotConsumeRow compares a hot consume run with the mean rate of the raw
// copies before and after it. Only the fetch-level reader, which does
// what the copy does (moves the bytes and checks them), has a target.
func hotConsumeRow(name string, c consumeResult, raw copyRates) Row {
	b, a := raw.before.MBPerSecond(), raw.after.MBPerSecond()
	row := Row{
		Scenario: name, Figure: Value{c.MBPerSecond, "MB/s"},
		Baseline: Value{(b + a) / 2, "MB/s"},
		BaselineName: fmt.Sprintf("raw loopback TCP copy of the same bytes: sendfile(2) from the topic's segment files "+
			"to a reader filling a %s buffer, mean of a run before and after", byteSize(fetchPartitionBytes)),
	}
	if c.Mode == modeBatches {
		row.Target = Target{Bound: 0.80}
		row.Note = fmt.Sprintf("%d records in %.0f MB of record batches, CRC-checked, not decoded; first batch after %.1f ms",
			c.Records, float64(c.Bytes)/perf.MB, c.FirstRecordMs)
	} else {
		row.Note = fmt.Sprintf("%d records; the client decodes every record, on the same %d cores as the broker; first record after %.1f ms",
			c.Records, runtime.NumCPU(), c.FirstRecordMs)
	}
	row.Note += fmt.Sprintf("; baseline mean of %s before and %s after; "+
		"a copy between two cache-resident buffers (1 MiB writes, the reader discarding) ran at %.0f MB/s",
		Value{b, "MB/s"}, Value{a, "MB/s"}, raw.ceiling.MBPerSecond())
	return row
}

// cpuRow is the broker's CPU time per GB produced, beside that of the raw
// write+fsync loop.
func cpuRow(cpu time.Duration, bytes int64, disk diskResult) Row {
	row := Row{
		Scenario: "broker CPU per GB produced (the four produce runs)",
		Figure:   Value{cpu.Seconds() / (float64(bytes) / 1e9), "CPU s/GB"},
		Note:     "from /proc/<pid>/stat utime+stime; the load generator runs in its own process",
	}
	if disk.Rate.Bytes > 0 {
		row.Baseline = Value{disk.CPU.Seconds() / (float64(disk.Rate.Bytes) / 1e9), "CPU s/GB"}
		row.BaselineName = "raw write+fsync loop, all its produce-scenario runs"
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
