package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/strata-streaming/strata/internal/perf"
)

// produceOptions are the flags of `strata bench produce`.
type produceOptions struct {
	client        *clientOptions
	mode          string
	topic         string
	topicConfigs  []string
	records       int64
	duration      time.Duration
	recordSize    int
	keys          string
	keyCount      int
	partitions    int32
	acks          string
	compression   string
	linger        time.Duration
	batchMaxBytes int32
	rate          float64
	interval      time.Duration
	output        string
}

// Produce defaults.
const (
	defaultBenchRecords   = 100_000
	defaultRecordSize     = 1024
	defaultKeyCount       = 1000
	defaultLinger         = 5 * time.Millisecond
	defaultReportInterval = 5 * time.Second
	defaultBatchMaxBytes  = 1_000_012 // Kafka's max.message.bytes default
	maxBenchRecordSize    = 64 << 20
	closedLoopBufferBytes = 32 << 20 // bounds buffered records, as Kafka's buffer.memory
)

func newBenchProduceCommand(client *clientOptions) *cobra.Command {
	o := &produceOptions{client: client}
	cmd := &cobra.Command{
		Use:   "produce",
		Short: "Produce records and report throughput and latency",
		Example: `  strata bench produce --topic bench --records 1000000 --record-size 1024 --acks all
  strata bench produce --topic bench --partitions 8 --rate 50000 --duration 30s --output json
  strata bench produce --topic bench --mode batches --records 1000000   # Produce requests, no client library`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("duration") && !cmd.Flags().Changed("records") {
				o.records = 0 // a timed run
			}
			ctx, stop := interruptible(cmd.Context())
			defer stop()
			return o.run(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.mode, "mode", modeRecords, "records: a franz-go producer; batches: Produce requests of batches built once each (--acks all or 1, no keys, compression or --rate)")
	f.StringVar(&o.topic, "topic", "", "topic to produce to (created when missing)")
	f.StringArrayVar(&o.topicConfigs, "topic-config", nil, "a config of the topic when it is created, name=value (repeatable)")
	f.Int64Var(&o.records, "records", defaultBenchRecords, "records to produce (0: no limit; --duration alone means no limit)")
	f.DurationVar(&o.duration, "duration", 0, "stop after this long (0: no limit)")
	f.IntVar(&o.recordSize, "record-size", defaultRecordSize, "value bytes per record")
	f.StringVar(&o.keys, "keys", keysNone, "record keys: none, random or sequential")
	f.IntVar(&o.keyCount, "key-count", defaultKeyCount, "distinct keys for --keys random or sequential")
	f.Int32Var(&o.partitions, "partitions", 0, "partitions of the topic when it is created (0: the broker's num.partitions)")
	f.StringVar(&o.acks, "acks", "all", "acks: all, 1 or 0")
	f.StringVar(&o.compression, "compression", "none", "compression: none, gzip, snappy, lz4 or zstd")
	f.DurationVar(&o.linger, "linger", defaultLinger, "how long a partition's batch waits for more records")
	f.Int32Var(&o.batchMaxBytes, "batch-max-bytes", defaultBatchMaxBytes, "largest record batch")
	f.Float64Var(&o.rate, "rate", 0, "target records/s, open loop (0: as fast as possible, closed loop)")
	f.DurationVar(&o.interval, "report-interval", defaultReportInterval, "print each interval's throughput and latency to stderr this often (0: never)")
	addOutputFlag(cmd, &o.output, outputTable, outputJSON)
	return cmd
}

// Validate checks the flags.
func (o *produceOptions) Validate() error {
	if o.topic == "" {
		return usageErrorf("--topic is required: name the topic to produce to")
	}
	if err := limitError(o.records, o.duration); err != nil {
		return err
	}
	if o.records == 0 && o.duration == 0 {
		return usageErrorf("--records 0 with no --duration would never stop: set one of them")
	}
	if o.recordSize < 0 || o.recordSize > maxBenchRecordSize {
		return usageErrorf("--record-size %d: want 0 to %d bytes", o.recordSize, maxBenchRecordSize)
	}
	if err := checkChoice("keys", o.keys, keysNone, keysRandom, keysSequential); err != nil {
		return err
	}
	if o.keys != keysNone && o.keyCount <= 0 {
		return usageErrorf("--key-count %d: want at least 1 key", o.keyCount)
	}
	if o.partitions < 0 {
		return usageErrorf("--partitions %d: want a count >= 0", o.partitions)
	}
	if err := checkChoice("acks", o.acks, "all", "-1", "1", "0"); err != nil {
		return err
	}
	if _, ok := compressionCodecs[o.compression]; !ok {
		return usageErrorf("--compression %q: want none, gzip, snappy, lz4 or zstd", o.compression)
	}
	if o.linger < 0 || o.batchMaxBytes <= 0 {
		return usageErrorf("--linger must be >= 0 and --batch-max-bytes > 0")
	}
	if o.rate < 0 || o.rate != o.rate {
		return usageErrorf("--rate %v: want records/s >= 0", o.rate)
	}
	if o.interval < 0 {
		return usageErrorf("--report-interval %v: want 0 (never) or a positive interval", o.interval)
	}
	if err := o.validateMode(); err != nil {
		return err
	}
	return checkChoice("output", o.output, outputTable, outputJSON)
}

var compressionCodecs = map[string]kgo.CompressionCodec{
	"none": kgo.NoCompression(), "gzip": kgo.GzipCompression(), "snappy": kgo.SnappyCompression(),
	"lz4": kgo.Lz4Compression(), "zstd": kgo.ZstdCompression(),
}

// producerOpts are the client settings the flags ask for.
func (o *produceOptions) producerOpts(hook kgo.Hook) []kgo.Opt {
	opts := []kgo.Opt{
		kgo.DefaultProduceTopic(o.topic),
		kgo.ProducerLinger(o.linger),
		kgo.ProducerBatchMaxBytes(o.batchMaxBytes),
		kgo.ProducerBatchCompression(compressionCodecs[o.compression]),
		kgo.MaxBufferedRecords(max(1000, closedLoopBufferBytes/max(o.recordSize, 1))),
		kgo.WithHooks(hook),
	}
	switch o.acks {
	case "1":
		opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	case "0":
		opts = append(opts, kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite())
	default:
		opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
	}
	return opts
}

func (o *produceOptions) run(ctx context.Context, w, progress io.Writer) error {
	if err := o.Validate(); err != nil {
		return err
	}
	configs, err := parseConfigPairs("topic-config", o.topicConfigs)
	if err != nil {
		return err
	}
	stats := &produceStats{}
	s, err := o.client.connect(o.producerOpts(stats)...)
	if err != nil {
		return err
	}
	defer s.Close()
	partitions, err := ensureTopic(ctx, s, o.topic, o.partitions, configs)
	if err != nil {
		return s.explain(err)
	}
	stop := reportIntervals(ctx, progress, o.interval, stats.takeInterval)
	if o.mode == modeBatches {
		err = o.produceBatches(ctx, s, stats)
	} else {
		err = o.produce(ctx, s.cl, stats)
	}
	stop()
	if err != nil {
		return s.explain(err)
	}
	stats.awaitBatchHooks()
	rep := stats.report(o, partitions)
	if err := o.print(w, rep); err != nil {
		return err
	}
	return stats.failure()
}

// flushTimeout bounds the wait for records still in flight at the end.
const flushTimeout = 2 * time.Minute

// produce sends records on the pacer's schedule until a limit is reached,
// then waits for the last acknowledgement.
func (o *produceOptions) produce(ctx context.Context, cl *kgo.Client, stats *produceStats) error {
	pacer, err := perf.NewPacer(o.rate, nil)
	if err != nil {
		return usageErrorf("--rate: %v", err)
	}
	values := newValuePool(o.recordSize)
	keys := newKeySource(o.keys, o.keyCount)
	start := pacer.Start()
	stats.begin(start)
	for n := int64(0); o.records == 0 || n < o.records; n++ {
		at, err := pacer.Wait(ctx)
		if err != nil || (o.duration > 0 && at.Sub(start) >= o.duration) {
			break
		}
		key, value := keys.next(), values.next()
		size := len(key) + len(value)
		cl.Produce(ctx, &kgo.Record{Key: key, Value: value}, func(_ *kgo.Record, err error) {
			stats.done(at, size, err)
		})
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
	defer cancel()
	if err := cl.Flush(fctx); err != nil {
		return fmt.Errorf("flush produced records: %w", err)
	}
	return nil
}

// valuePoolBytes is the random data record values are cut from: far
// larger than a compression window, so values do not compress.
const valuePoolBytes = 4 << 20

// valuePool hands out record values: consecutive, read-only windows of
// one random buffer, so values differ without an allocation per record.
type valuePool struct {
	buf  []byte
	size int
	off  int
}

func newValuePool(size int) *valuePool {
	p := &valuePool{buf: make([]byte, valuePoolBytes+size), size: size}
	_, _ = rand.Read(p.buf)
	return p
}

func (p *valuePool) next() []byte {
	v := p.buf[p.off : p.off+p.size : p.off+p.size]
	p.off = (p.off + p.size + 1) % valuePoolBytes
	return v
}

// produceStats gathers acknowledgements (from the client's goroutines)
// and, as a client hook, the sizes of the batches written.
type produceStats struct {
	batches      atomic.Int64
	batchBytes   atomic.Int64
	batchRecords atomic.Int64
	mu           struct {
		sync.Mutex
		latency  perf.Histogram
		interval intervalStats
		acked    int64
		bytes    int64
		failed   int64
		firstErr error
		start    time.Time
		last     time.Time
	}
}

var _ kgo.HookProduceBatchWritten = (*produceStats)(nil)

// OnProduceBatchWritten counts a batch the broker accepted.
func (s *produceStats) OnProduceBatchWritten(_ kgo.BrokerMetadata, _ string, _ int32, m kgo.ProduceBatchMetrics) {
	s.batches.Add(1)
	s.batchBytes.Add(int64(m.CompressedBytes))
	s.batchRecords.Add(int64(m.NumRecords))
}

// awaitBatchHooks waits a little for the client to report the batches of
// every acknowledged record: it calls the hook after the records' promises.
func (s *produceStats) awaitBatchHooks() {
	s.mu.Lock()
	acked := s.mu.acked
	s.mu.Unlock()
	for deadline := time.Now().Add(2 * time.Second); s.batchRecords.Load() < acked && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *produceStats) begin(start time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mu.start, s.mu.last = start, start
	s.mu.interval.start = start
}

// takeInterval formats the interval ending at now and starts the next.
func (s *produceStats) takeInterval(now time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	line := s.mu.interval.line(now, now.Sub(s.mu.start))
	s.mu.interval = intervalStats{start: now}
	return line
}

// done records one record's outcome, its latency from its intended send.
func (s *produceStats) done(intended time.Time, size int, err error) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.mu.failed++
		if s.mu.firstErr == nil {
			s.mu.firstErr = err
		}
		return
	}
	s.mu.latency.Record(now.Sub(intended))
	s.mu.interval.record(now.Sub(intended), size)
	s.mu.acked++
	s.mu.bytes += int64(size)
	s.mu.last = now
}

// doneBatch records a batch of n records of bytes value bytes
// acknowledged together, their latency from sent.
func (s *produceStats) doneBatch(sent time.Time, n, bytes int64) {
	now := time.Now()
	s.batches.Add(1)
	s.batchBytes.Add(bytes)
	s.batchRecords.Add(n)
	s.mu.Lock()
	defer s.mu.Unlock()
	d := now.Sub(sent)
	for range n {
		s.mu.latency.Record(d)
		s.mu.interval.latency.Record(d)
	}
	s.mu.interval.bytes += bytes
	s.mu.acked += n
	s.mu.bytes += bytes
	s.mu.last = now
}

// failure is the error of a run in which records failed.
func (s *produceStats) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.failed == 0 {
		return nil
	}
	return newCLIError(exitFailure, s.mu.firstErr, "%d of %d records failed; the first: %v",
		s.mu.failed, s.mu.failed+s.mu.acked, s.mu.firstErr)
}

// produceReport is what `bench produce` prints.
type produceReport struct {
	Mode             string        `json:"mode"`
	Topic            string        `json:"topic"`
	Partitions       int           `json:"partitions"`
	Acks             string        `json:"acks"`
	RecordSize       int           `json:"record_size"`
	TargetRate       float64       `json:"target_rate"`
	Records          int64         `json:"records"`
	Failed           int64         `json:"failed"`
	Bytes            int64         `json:"bytes"`
	ElapsedSeconds   float64       `json:"elapsed_seconds"`
	RecordsPerSecond float64       `json:"records_per_second"`
	MBPerSecond      float64       `json:"mb_per_second"`
	Batches          int64         `json:"batches"`
	AvgBatchBytes    float64       `json:"avg_batch_bytes"`
	LatencyMs        latencyReport `json:"latency_ms"`
}

func (s *produceStats) report(o *produceOptions, partitions int) produceReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := perf.Rate{Records: s.mu.acked, Bytes: s.mu.bytes, Elapsed: s.mu.last.Sub(s.mu.start)}
	rep := produceReport{
		Mode: o.mode, Topic: o.topic, Partitions: partitions, Acks: o.acks, RecordSize: o.recordSize,
		TargetRate: o.rate, Records: r.Records, Failed: s.mu.failed, Bytes: r.Bytes,
		ElapsedSeconds: r.Elapsed.Seconds(), RecordsPerSecond: r.RecordsPerSecond(),
		MBPerSecond: r.MBPerSecond(), Batches: s.batches.Load(),
		LatencyMs: newLatencyReport(s.mu.latency.Summarize()),
	}
	if rep.Batches > 0 {
		rep.AvgBatchBytes = float64(s.batchBytes.Load()) / float64(rep.Batches)
	}
	return rep
}

func (o *produceOptions) print(w io.Writer, r produceReport) error {
	if o.output == outputJSON {
		return writeJSON(w, r)
	}
	rate := "unpaced (closed loop)"
	if r.TargetRate > 0 {
		rate = fmt.Sprintf("%.0f records/s (open loop)", r.TargetRate)
	}
	l := r.LatencyMs
	return writeFigures(w, [][2]string{
		{"topic", fmt.Sprintf("%s (%d partitions, acks=%s)", r.Topic, r.Partitions, r.Acks)},
		{"target rate", rate},
		{"records", fmt.Sprintf("%d acknowledged, %d failed, %d bytes each", r.Records, r.Failed, r.RecordSize)},
		{"elapsed", fmt.Sprintf("%.3fs", r.ElapsedSeconds)},
		{"throughput", fmt.Sprintf("%.1f records/s, %.2f MB/s", r.RecordsPerSecond, r.MBPerSecond)},
		{"batches", fmt.Sprintf("%d, %.0f bytes on average", r.Batches, r.AvgBatchBytes)},
		{"latency", fmt.Sprintf("p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms", l.P50, l.P99, l.P999, l.Max)},
	})
}
