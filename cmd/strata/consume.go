package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"
)

type consoleConsumerOptions struct {
	client         *clientOptions
	topic          string
	fromBeginning  bool
	offset         string
	partition      int32
	group          string
	maxMessages    int
	timeout        time.Duration
	isolationLevel string
	format         string
	properties     []string
	output         string
}

func newConsumeCommand(co *clientOptions) *cobra.Command {
	o := &consoleConsumerOptions{client: co}
	cmd := &cobra.Command{
		Use:   "consume [TOPIC]",
		Short: "Read records from a topic and print them",
		Long: `Read records from a topic, as Kafka's console consumer does, until
--max-messages, --timeout without a record, or Ctrl-C.

Without --group, all partitions (or --partition) are read from the end, or
from the start with --from-beginning, or from --offset. With --group, the
group's committed offsets are used and the offsets of printed records are
committed; --from-beginning applies when the group has none.

Output is the value of each record; --property print.key=true (and
print.timestamp, print.partition, print.offset, print.headers, key.separator,
line.separator, headers.separator, null.literal) adds fields as Kafka does.
--format takes a Go template over .Topic .Partition .Offset .Key .Value
.Headers (.Key .Value) .Timestamp; --output json prints JSON lines.`,
		Example: `  strata consume --topic my-topic --from-beginning
  strata consume my-topic --from-beginning --property print.key=true --property key.separator=:
  strata consume my-topic --partition 0 --offset 42 --max-messages 10
  strata consume my-topic --group my-group --timeout 10s
  strata consume my-topic --from-beginning --format '{{.Partition}}/{{.Offset}} {{.Key}}={{.Value}}'
  strata consume my-topic --from-beginning --output json --max-messages 100`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeTopics(co),
		RunE:              func(cmd *cobra.Command, args []string) error { return o.run(cmd, args) },
	}
	cmd.SetFlagErrorFunc(flagError)
	o.registerFlags(cmd)
	return cmd
}

func (o *consoleConsumerOptions) registerFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	addTopicFlag(cmd, o.client, &o.topic, "topic to read")
	f.BoolVar(&o.fromBeginning, "from-beginning", false, "start from the earliest offset (default: the latest)")
	f.StringVar(&o.offset, "offset", "", "start at this offset of --partition: a number, earliest or latest")
	f.Int32Var(&o.partition, "partition", -1, "read only this partition (-1: all)")
	f.StringVarP(&o.group, "group", "g", "", "consume as this consumer group, committing offsets")
	f.IntVar(&o.maxMessages, "max-messages", 0, "stop after this many records (0: no limit)")
	f.DurationVar(&o.timeout, "timeout", 0, "stop after no record arrives for this long, e.g. 10s (0: wait forever)")
	f.StringVar(&o.isolationLevel, "isolation-level", "read_uncommitted", "read_uncommitted or read_committed")
	f.StringVar(&o.format, "format", "", "Go template printed for each record")
	f.StringArrayVar(&o.properties, "property", nil, "an output property, name=value (repeatable)")
	addOutputFlag(cmd, &o.output, outputText, outputJSON)
	cmd.RegisterFlagCompletionFunc("isolation-level", cobra.FixedCompletions(
		[]string{"read_uncommitted", "read_committed"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("offset", cobra.FixedCompletions(
		[]string{"earliest", "latest"}, cobra.ShellCompDirectiveNoFileComp))
}

// Validate checks the flags make one consistent request.
func (o *consoleConsumerOptions) Validate() error {
	if err := checkChoice("output", o.output, outputText, outputJSON); err != nil {
		return err
	}
	if err := checkChoice("isolation-level", o.isolationLevel, "read_uncommitted", "read_committed"); err != nil {
		return err
	}
	switch {
	case o.maxMessages < 0:
		return usageErrorf("--max-messages %d: want a count >= 0", o.maxMessages)
	case o.timeout < 0:
		return usageErrorf("--timeout %v: want a duration >= 0", o.timeout)
	case o.partition < -1:
		return usageErrorf("--partition %d: want a partition number (0 or more)", o.partition)
	case o.offset != "" && o.partition < 0:
		return usageErrorf("--offset needs --partition: offsets are per partition")
	case o.offset != "" && o.fromBeginning:
		return usageErrorf("--offset and --from-beginning conflict: use --offset earliest")
	case o.group != "" && (o.partition >= 0 || o.offset != ""):
		return usageErrorf("--group cannot be used with --partition or --offset: the group assigns partitions")
	case o.format != "" && (o.output == outputJSON || len(o.properties) > 0):
		return usageErrorf("--format cannot be combined with --output json or --property")
	}
	return nil
}

// startOffset is where reading starts when no committed offset applies.
func (o *consoleConsumerOptions) startOffset() (kgo.Offset, error) {
	switch o.offset {
	case "":
		if o.fromBeginning {
			return kgo.NewOffset().AtStart(), nil
		}
		return kgo.NewOffset().AtEnd(), nil
	case "earliest":
		return kgo.NewOffset().AtStart(), nil
	case "latest":
		return kgo.NewOffset().AtEnd(), nil
	}
	n, err := strconv.ParseInt(o.offset, 10, 64)
	if err != nil || n < 0 {
		return kgo.Offset{}, usageErrorf("--offset %q: want a number >= 0, earliest or latest", o.offset)
	}
	return kgo.NewOffset().At(n), nil
}

// assignment is closed when a group consumer first gets partitions, so the
// idle --timeout counts from then rather than through the group join.
type assignment struct {
	once sync.Once
	done chan struct{}
}

// joinGrace is how much longer than --timeout a group may take to join
// before consume gives up waiting for records.
const joinGrace = 30 * time.Second

// wait waits up to d for the first assignment; false if it did not come.
func (a *assignment) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-a.done:
		return true
	case <-ctx.Done():
		return false
	case <-t.C:
		return false
	}
}

func newAssignment() *assignment { return &assignment{done: make(chan struct{})} }

func (a *assignment) assigned(context.Context, *kgo.Client, map[string][]int32) {
	a.once.Do(func() { close(a.done) })
}

// consumerOpts are the client options for this consumption.
func (o *consoleConsumerOptions) consumerOpts(topic string, joined *assignment) ([]kgo.Opt, error) {
	start, err := o.startOffset()
	if err != nil {
		return nil, err
	}
	opts := []kgo.Opt{kgo.ConsumeResetOffset(start)}
	if o.isolationLevel == "read_committed" {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	switch {
	case o.group != "":
		opts = append(opts, kgo.ConsumeTopics(topic), kgo.ConsumerGroup(o.group), kgo.AutoCommitMarks(),
			kgo.OnPartitionsAssigned(joined.assigned))
	case o.partition >= 0:
		opts = append(opts, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {o.partition: start}}))
	default:
		opts = append(opts, kgo.ConsumeTopics(topic))
	}
	return opts, nil
}

// printer picks the output format.
func (o *consoleConsumerOptions) printer() (recordPrinter, error) {
	switch {
	case o.output == outputJSON:
		return jsonPrinter{}, nil
	case o.format != "":
		return newTemplatePrinter(o.format)
	}
	return newKafkaFormatter(o.properties)
}

func (o *consoleConsumerOptions) run(cmd *cobra.Command, args []string) error {
	topic, err := nameArg("topic", o.topic, args, false)
	if err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	p, err := o.printer()
	if err != nil {
		return err
	}
	joined := newAssignment()
	if o.group == "" {
		joined.assigned(nil, nil, nil)
	}
	opts, err := o.consumerOpts(topic, joined)
	if err != nil {
		return err
	}
	return withSession(o.client, func(s *session) error {
		parts, err := s.topicPartitions(cmd.Context(), topic)
		if err != nil {
			return err
		}
		if o.partition >= 0 && !slices.Contains(parts, o.partition) {
			return notFoundErrorf("topic %s has no partition %d: it has %d partitions", topic, o.partition, len(parts))
		}
		n, err := o.consume(cmd, s, p, joined)
		fmt.Fprintf(cmd.ErrOrStderr(), "Processed a total of %d messages\n", n)
		return err
	}, opts...)
}

// consume polls and prints until a limit, the idle timeout or a signal,
// then commits the printed records' offsets if consuming as a group.
func (o *consoleConsumerOptions) consume(cmd *cobra.Command, s *session, p recordPrinter, joined *assignment) (int, error) {
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	out := bufio.NewWriter(cmd.OutOrStdout())
	n, err := o.pollLoop(ctx, s.cl, out, p, joined)
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if o.group != "" {
		cctx, cancel := s.requestContext(context.WithoutCancel(ctx))
		defer cancel()
		if cerr := s.cl.CommitMarkedOffsets(cctx); err == nil && cerr != nil {
			err = fmt.Errorf("commit offsets of group %s: %w", o.group, cerr)
		}
	}
	return n, err
}

func (o *consoleConsumerOptions) pollLoop(ctx context.Context, cl *kgo.Client, out *bufio.Writer, p recordPrinter, joined *assignment) (int, error) {
	n := 0
	for o.maxMessages == 0 || n < o.maxMessages {
		fetches, idle := o.poll(ctx, cl, o.maxMessages-n, joined)
		if ctx.Err() != nil || idle || fetches.IsClientClosed() {
			return n, nil
		}
		if err := fatalFetchError(fetches); err != nil {
			return n, err
		}
		for _, r := range fetches.Records() {
			if err := p.print(out, r); err != nil {
				return n, err
			}
			cl.MarkCommitRecords(r)
			n++
		}
		if err := out.Flush(); err != nil {
			return n, err
		}
	}
	return n, nil
}

// poll waits for records, at most --timeout once partitions are assigned;
// idle reports that it passed without any.
func (o *consoleConsumerOptions) poll(ctx context.Context, cl *kgo.Client, limit int, joined *assignment) (kgo.Fetches, bool) {
	if limit <= 0 {
		limit = 10_000
	}
	if o.timeout == 0 {
		return cl.PollRecords(ctx, limit), false
	}
	if !joined.wait(ctx, o.timeout+joinGrace) {
		return kgo.Fetches{}, true
	}
	pctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	fs := cl.PollRecords(pctx, limit)
	return fs, pctx.Err() != nil && fs.NumRecords() == 0
}

// fatalFetchError returns the first fetch error that is not a context end.
func fatalFetchError(fs kgo.Fetches) error {
	var first error
	fs.EachError(func(t string, p int32, err error) {
		if first == nil && ctxErr(err) == nil {
			first = fmt.Errorf("fetch %s/%d: %w", t, p, err)
		}
	})
	return first
}

func ctxErr(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}
