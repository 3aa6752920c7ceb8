package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/strata-streaming/strata/internal/perf"
)

// consumeOptions are the flags of `strata bench consume`.
type consumeOptions struct {
	client        *clientOptions
	topic         string
	mode          string
	group         string
	fromBeginning bool
	records       int64
	duration      time.Duration
	fetchMax      int32
	partitionMax  int32
	output        string
}

// pollMax is the most records one poll returns.
const pollMax = 10_000

// Read modes of --mode.
const (
	modeRecords = "records" // a franz-go consumer, decoding every record
	modeBatches = "batches" // Fetch requests, walking record batches (bench_fetch.go)
)

func newBenchConsumeCommand(client *clientOptions) *cobra.Command {
	o := &consumeOptions{client: client}
	cmd := &cobra.Command{
		Use:   "consume",
		Short: "Consume records and report throughput and time to first record",
		Long: `Consume records and report throughput and the time to the first record.

--mode records (the default) reads with a franz-go consumer, in a consumer
group with --group, and decodes every record: it measures what an
application sees. Bytes are the records' keys and values. On a small
machine the client's decoding, not the broker, may bound the rate.

--mode batches reads as a replication follower does: sessionless Fetch
requests straight to each partition's leader, one at a time per leader,
walking the record batches without decoding or decompressing records. It
checks each batch's CRC-32C, and counts the bytes of record batches as
served (headers included: what crossed the wire) and the records their
headers declare (transaction markers excluded). Use it to measure what the
broker serves rather than what a client decodes. It counts whole batches,
so it may stop up to one batch past --records. It takes no --group.

With --from-beginning and --records 0 (the default), it reads every record up
to the end offsets the partitions had when the run started.`,
		Example: `  strata bench consume --topic bench --from-beginning
  strata bench consume --topic bench --from-beginning --mode batches
  strata bench consume --topic bench --group bench-readers --records 1000000 --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := interruptible(cmd.Context())
			defer stop()
			return o.run(ctx, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.topic, "topic", "", "topic to consume")
	f.StringVar(&o.mode, "mode", modeRecords, "how to read: records (decode with a consumer) or batches (fetch record batches, no decoding)")
	f.StringVar(&o.group, "group", "", "consumer group to join (default: none, read every partition directly)")
	f.BoolVar(&o.fromBeginning, "from-beginning", false, "start at the earliest offset instead of the end")
	f.Int64Var(&o.records, "records", 0, "records to read (0 with --from-beginning: up to the end offsets at the start)")
	f.DurationVar(&o.duration, "duration", 0, "stop after this long (0: no limit)")
	f.Int32Var(&o.fetchMax, "fetch-max-bytes", 50<<20, "most bytes one fetch returns (fetch.max.bytes)")
	f.Int32Var(&o.partitionMax, "fetch-max-partition-bytes", 1<<20, "most bytes one fetch returns per partition (max.partition.fetch.bytes)")
	addOutputFlag(cmd, &o.output, outputTable, outputJSON)
	return cmd
}

// Validate checks the flags.
func (o *consumeOptions) Validate() error {
	if o.topic == "" {
		return usageErrorf("--topic is required: name the topic to consume")
	}
	if err := limitError(o.records, o.duration); err != nil {
		return err
	}
	if o.fetchMax <= 0 || o.partitionMax <= 0 {
		return usageErrorf("--fetch-max-bytes and --fetch-max-partition-bytes must be positive")
	}
	if o.records == 0 && o.duration == 0 && !o.fromBeginning {
		return usageErrorf("nothing bounds the run: set --records, --duration or --from-beginning")
	}
	if err := checkChoice("mode", o.mode, modeRecords, modeBatches); err != nil {
		return err
	}
	if o.mode == modeBatches && o.group != "" {
		return usageErrorf("--group cannot be used with --mode batches: drop --group, or use --mode records to read in a group")
	}
	return checkChoice("output", o.output, outputTable, outputJSON)
}

func (o *consumeOptions) consumerOpts() []kgo.Opt {
	reset := kgo.NewOffset().AtEnd()
	if o.fromBeginning {
		reset = kgo.NewOffset().AtStart()
	}
	opts := []kgo.Opt{
		kgo.ConsumeTopics(o.topic), kgo.ConsumeResetOffset(reset),
		kgo.FetchMaxBytes(o.fetchMax), kgo.FetchMaxPartitionBytes(o.partitionMax),
	}
	if o.group != "" {
		opts = append(opts, kgo.ConsumerGroup(o.group))
	}
	return opts
}

func (o *consumeOptions) run(ctx context.Context, w io.Writer) error {
	if err := o.Validate(); err != nil {
		return err
	}
	var opts []kgo.Opt
	if o.mode == modeRecords {
		opts = o.consumerOpts()
	}
	s, err := o.client.connect(opts...)
	if err != nil {
		return err
	}
	defer s.Close()
	var ends map[int32]int64
	if o.records == 0 && o.fromBeginning {
		if ends, err = endOffsets(ctx, s, o.topic); err != nil {
			return s.explain(err)
		}
	} else if err := requireTopic(ctx, s, o.topic); err != nil {
		return s.explain(err)
	}
	var rep consumeReport
	if o.mode == modeBatches {
		rep, err = o.fetchBatches(ctx, s, ends)
	} else {
		rep, err = o.consume(ctx, s.cl, newEndTracker(ends))
	}
	if err != nil {
		return s.explain(err)
	}
	return o.print(w, rep)
}

// endOffsets returns the partitions of topic that hold records, with the
// offset each has to be read up to.
func endOffsets(ctx context.Context, s *session, topic string) (map[int32]int64, error) {
	if err := requireTopic(ctx, s, topic); err != nil {
		return nil, err
	}
	ctx, cancel := s.requestContext(ctx)
	defer cancel()
	starts, err := s.adm.ListStartOffsets(ctx, topic)
	if err != nil {
		return nil, err
	}
	endList, err := s.adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return nil, err
	}
	ends := map[int32]int64{}
	var firstErr error
	endList.Each(func(e kadm.ListedOffset) {
		if e.Err != nil && firstErr == nil {
			firstErr = e.Err
		}
		if st, ok := starts.Lookup(topic, e.Partition); ok && e.Err == nil && e.Offset > st.Offset {
			ends[e.Partition] = e.Offset
		}
	})
	return ends, firstErr
}

// requireTopic fails with errNoTopic when the cluster lacks topic.
func requireTopic(ctx context.Context, s *session, topic string) error {
	n, err := partitionCount(ctx, s, topic)
	if err == nil && n == 0 {
		err = fmt.Errorf("%w %s", errNoTopic, topic)
	}
	return err
}

// endTracker knows when every partition has been read to its end offset;
// with no end offsets it is never done.
type endTracker struct {
	ends    map[int32]int64
	pending int
}

func newEndTracker(ends map[int32]int64) *endTracker {
	return &endTracker{ends: ends, pending: len(ends)}
}

func (t *endTracker) bounded() bool { return t.ends != nil }

// see notes a record; it reports whether every partition is now done.
func (t *endTracker) see(partition int32, offset int64) bool {
	if end, ok := t.ends[partition]; ok && offset >= end-1 {
		delete(t.ends, partition)
		t.pending--
	}
	return t.done()
}

func (t *endTracker) done() bool { return t.ends != nil && t.pending == 0 }

// consumeReport is what `bench consume` prints.
type consumeReport struct {
	Mode             string  `json:"mode"`
	Topic            string  `json:"topic"`
	Group            string  `json:"group,omitempty"`
	Records          int64   `json:"records"`
	Bytes            int64   `json:"bytes"`
	ElapsedSeconds   float64 `json:"elapsed_seconds"`
	FirstRecordMs    float64 `json:"first_record_ms"`
	RecordsPerSecond float64 `json:"records_per_second"`
	MBPerSecond      float64 `json:"mb_per_second"`
}

// consume polls until a limit is reached. Throughput is over the time from
// the first poll to the poll that returned the last record, so it includes
// the time to the first record.
func (o *consumeOptions) consume(ctx context.Context, cl *kgo.Client, ends *endTracker) (consumeReport, error) {
	if o.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}
	var r perf.Rate
	var first time.Duration
	start := time.Now()
	for !ends.done() && (o.records == 0 || r.Records < o.records) {
		fetches := cl.PollRecords(ctx, pollMax)
		if err := fetchError(fetches); err != nil {
			return consumeReport{}, err
		}
		if ctx.Err() != nil {
			break
		}
		got := false
		for it := fetches.RecordIter(); !it.Done() && (o.records == 0 || r.Records < o.records); {
			rec := it.Next()
			r.Records++
			r.Bytes += int64(len(rec.Key) + len(rec.Value))
			ends.see(rec.Partition, rec.Offset)
			got = true
		}
		if got {
			r.Elapsed = time.Since(start)
			if first == 0 {
				first = r.Elapsed
			}
		}
	}
	return consumeReport{
		Mode: modeRecords, Topic: o.topic, Group: o.group, Records: r.Records, Bytes: r.Bytes,
		ElapsedSeconds: r.Elapsed.Seconds(), FirstRecordMs: millis(first),
		RecordsPerSecond: r.RecordsPerSecond(), MBPerSecond: r.MBPerSecond(),
	}, nil
}

// fetchError is the first error of a poll that is not the run ending.
func fetchError(fetches kgo.Fetches) error {
	for _, fe := range fetches.Errors() {
		if errors.Is(fe.Err, context.Canceled) || errors.Is(fe.Err, context.DeadlineExceeded) ||
			errors.Is(fe.Err, kgo.ErrClientClosed) {
			continue
		}
		return fmt.Errorf("fetch %s partition %d: %w", fe.Topic, fe.Partition, fe.Err)
	}
	return nil
}

func (o *consumeOptions) print(w io.Writer, r consumeReport) error {
	if o.output == outputJSON {
		return writeJSON(w, r)
	}
	group := "none"
	if r.Group != "" {
		group = r.Group
	}
	return writeFigures(w, [][2]string{
		{"topic", fmt.Sprintf("%s (group %s)", r.Topic, group)},
		{"mode", r.Mode},
		{"records", fmt.Sprintf("%d, %d bytes", r.Records, r.Bytes)},
		{"elapsed", fmt.Sprintf("%.3fs", r.ElapsedSeconds)},
		{"first record", fmt.Sprintf("%.1f ms", r.FirstRecordMs)},
		{"throughput", fmt.Sprintf("%.1f records/s, %.2f MB/s", r.RecordsPerSecond, r.MBPerSecond)},
	})
}
