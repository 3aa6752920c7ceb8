package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"
)

// maxLineBytes bounds one input line of `strata produce`.
const maxLineBytes = 16 << 20

type consoleProducerOptions struct {
	client      *clientOptions
	topic       string
	file        string
	properties  []string
	acks        string
	compression string
	partition   int32
	batchSize   int32
	linger      time.Duration
}

func newProduceCommand(co *clientOptions) *cobra.Command {
	o := &consoleProducerOptions{client: co}
	cmd := &cobra.Command{
		Use:   "produce [TOPIC]",
		Short: "Write records to a topic, one per input line",
		Long: `Write each line of standard input (or --file) to a topic as a record, as
Kafka's console producer does. With --property parse.key=true a line is
key<key.separator>value; with parse.headers=true it starts with headers,
h1:v1,h2:v2<headers.delimiter>. Separators default to a tab (key, headers
delimiter), ',' between headers and ':' inside one. null.marker names a
string that stands for null; ignore.error=true takes lines lacking a
separator as all value. All records are flushed before exit; the exit code is
non-zero if any record failed.`,
		Example: `  strata produce --topic my-topic
  echo 'user-1:hello' | strata produce my-topic --property parse.key=true --property key.separator=:
  strata produce my-topic --file events.txt --acks 1 --compression zstd
  printf 'trace:abc\tk\tv\n' | strata produce my-topic --property parse.headers=true --property parse.key=true`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeTopics(co),
		RunE:              func(cmd *cobra.Command, args []string) error { return o.run(cmd, args) },
	}
	cmd.SetFlagErrorFunc(flagError)
	f := cmd.Flags()
	addTopicFlag(cmd, co, &o.topic, "topic to write to")
	f.StringVar(&o.file, "file", "", "read lines from this file instead of standard input")
	f.StringArrayVar(&o.properties, "property", nil, "a line-format property, name=value (repeatable)")
	f.StringVar(&o.acks, "acks", "all", "acknowledgements to wait for: all (-1), 1 or 0")
	f.StringVar(&o.compression, "compression", "none", "batch compression: none, gzip, snappy, lz4 or zstd")
	f.Int32Var(&o.partition, "partition", -1, "write every record to this partition (-1: choose by key)")
	f.DurationVar(&o.linger, "linger", 0, "how long to wait to fill a batch (e.g. 5ms)")
	f.Int32Var(&o.batchSize, "batch-size", 1<<20, "the most bytes of records in one batch; below the topic's segment.bytes")
	cmd.RegisterFlagCompletionFunc("acks", cobra.FixedCompletions([]string{"all", "1", "0"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("compression", cobra.FixedCompletions(
		[]string{"none", "gzip", "snappy", "lz4", "zstd"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// producerOpts validates the producer flags and turns them into client
// options.
func (o *consoleProducerOptions) producerOpts(topic string) ([]kgo.Opt, error) {
	if o.batchSize < 1 {
		return nil, usageErrorf("--batch-size %d: want a positive number of bytes", o.batchSize)
	}
	opts := []kgo.Opt{kgo.DefaultProduceTopic(topic), kgo.ProducerLinger(o.linger), kgo.ProducerBatchMaxBytes(o.batchSize)}
	switch o.acks {
	case "all", "-1":
		opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
	case "1":
		opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	case "0":
		opts = append(opts, kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite())
	default:
		return nil, usageErrorf("--acks %q: want all, -1, 1 or 0", o.acks)
	}
	codecs := map[string]kgo.CompressionCodec{"none": kgo.NoCompression(), "gzip": kgo.GzipCompression(),
		"snappy": kgo.SnappyCompression(), "lz4": kgo.Lz4Compression(), "zstd": kgo.ZstdCompression()}
	codec, ok := codecs[o.compression]
	if !ok {
		return nil, usageErrorf("--compression %q: want none, gzip, snappy, lz4 or zstd", o.compression)
	}
	opts = append(opts, kgo.ProducerBatchCompression(codec))
	if o.linger < 0 {
		return nil, usageErrorf("--linger %v: want zero or more", o.linger)
	}
	if o.partition < -1 {
		return nil, usageErrorf("--partition %d: want a partition number (0 or more)", o.partition)
	}
	if o.partition >= 0 {
		opts = append(opts, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	}
	return opts, nil
}

func (o *consoleProducerOptions) run(cmd *cobra.Command, args []string) error {
	topic, err := nameArg("topic", o.topic, args, false)
	if err != nil {
		return err
	}
	format, err := parseLineFormat(o.properties)
	if err != nil {
		return err
	}
	opts, err := o.producerOpts(topic)
	if err != nil {
		return err
	}
	in, closeIn, err := o.input(cmd)
	if err != nil {
		return err
	}
	defer closeIn()
	return withSession(o.client, func(s *session) error {
		parts, err := s.topicPartitions(cmd.Context(), topic)
		if err != nil {
			return err
		}
		if o.partition >= 0 && !slices.Contains(parts, o.partition) {
			return notFoundErrorf("topic %s has no partition %d: it has %d partitions", topic, o.partition, len(parts))
		}
		return o.produce(cmd, s, in, &format)
	}, opts...)
}

// input opens --file, or standard input.
func (o *consoleProducerOptions) input(cmd *cobra.Command) (io.Reader, func(), error) {
	if o.file == "" {
		return cmd.InOrStdin(), func() {}, nil
	}
	f, err := os.Open(o.file)
	if err != nil {
		return nil, nil, usageErrorf("--file: %v", err)
	}
	return f, func() { f.Close() }, nil
}

// produce sends every line, flushes, and reports failed records.
func (o *consoleProducerOptions) produce(cmd *cobra.Command, s *session, in io.Reader, format *lineFormat) error {
	progressTo := io.Discard // interactive input needs no progress line
	if o.file != "" {
		progressTo = cmd.ErrOrStderr()
	}
	prog := startProgress(progressTo, "produced", 0)
	defer prog.Stop()
	tally := &produceTally{}
	ctx := cmd.Context()
	readErr := scanLines(in, func(line string, n int) error {
		r, err := format.record(line, n)
		if err != nil {
			return err
		}
		if o.partition >= 0 {
			r.Partition = o.partition
		}
		tally.sent()
		s.cl.Produce(ctx, r, func(_ *kgo.Record, err error) { tally.done(err); prog.Add(1) })
		return nil
	})
	flushCtx, cancel := context.WithTimeout(ctx, 2*s.cfg.RequestTimeout)
	defer cancel()
	if err := s.cl.Flush(flushCtx); err != nil {
		return fmt.Errorf("flush records: %w", err)
	}
	if err := tally.err(); err != nil {
		return err
	}
	return readErr
}

// scanLines calls fn for each line of in (without its \n or \r\n).
func scanLines(in io.Reader, fn func(line string, n int) error) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), maxLineBytes)
	n := 0
	for sc.Scan() {
		n++
		if err := fn(strings.TrimSuffix(sc.Text(), "\r"), n); err != nil {
			return err
		}
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		return usageErrorf("line %d is longer than %d MiB: split it", n+1, maxLineBytes>>20)
	}
	if sc.Err() != nil {
		return fmt.Errorf("read input: %w", sc.Err())
	}
	return nil
}

// produceTally counts records sent and failed, for the exit status.
type produceTally struct {
	mu struct {
		sync.Mutex
		sent, failed int
		first        error
	}
}

func (t *produceTally) sent() {
	t.mu.Lock()
	t.mu.sent++
	t.mu.Unlock()
}

func (t *produceTally) done(err error) {
	if err == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.mu.failed++
	if t.mu.first == nil {
		t.mu.first = err
	}
}

// err reports failed records, naming the first failure.
func (t *produceTally) err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.mu.failed == 0 {
		return nil
	}
	return newCLIError(exitFailure, t.mu.first, "%d of %d records failed; the first: %v",
		t.mu.failed, t.mu.sent, t.mu.first)
}
