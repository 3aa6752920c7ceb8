package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/internal/perf"
)

// newBenchCommand builds `strata bench`: load generators that measure a
// Kafka-protocol cluster, as Kafka's perf-test tools do. The connection
// flags (--bootstrap-server, --command-config) are the root's.
func newBenchCommand(client *clientOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure produce and consume throughput and latency",
		Long: `Measure a Kafka-protocol cluster (Strata or any other) with franz-go clients.

Throughput is over the measured elapsed time; MB is 10^6 bytes. With --rate,
produce runs open loop: each record has an intended send time on a fixed
schedule and its latency is measured from that time, so a stall is charged
to every record it delayed.`,
		Args: cobra.NoArgs,
	}
	cmd.SetFlagErrorFunc(flagError)
	cmd.AddCommand(newBenchProduceCommand(client), newBenchConsumeCommand(client))
	return cmd
}

// interruptible returns ctx ended also by Ctrl-C or SIGTERM.
func interruptible(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}

// limitError checks a run's --records and --duration bounds.
func limitError(records int64, duration time.Duration) error {
	if records < 0 {
		return usageErrorf("--records %d: want a count >= 0", records)
	}
	if duration < 0 {
		return usageErrorf("--duration %v: want a duration >= 0", duration)
	}
	return nil
}

// latencyReport is a latency summary in milliseconds.
type latencyReport struct {
	Count uint64  `json:"count"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p99_9"`
	Max   float64 `json:"max"`
}

func newLatencyReport(s perf.Summary) latencyReport {
	return latencyReport{
		Count: s.Count, Mean: millis(s.Mean), P50: millis(s.P50),
		P99: millis(s.P99), P999: millis(s.P999), Max: millis(s.Max),
	}
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// writeFigures prints name/value pairs as a two-column table.
func writeFigures(w io.Writer, rows [][2]string) error {
	t := newTable(w)
	for _, r := range rows {
		t.row(r[0], r[1])
	}
	return t.flush()
}

// keySource makes record keys: none, random or sequential over a fixed set
// made up front, so choosing a key does not allocate.
type keySource struct {
	mode string
	keys [][]byte
	rng  *rand.Rand
	n    int
}

// Key distributions of --keys.
const (
	keysNone       = "none"
	keysRandom     = "random"
	keysSequential = "sequential"
)

func newKeySource(mode string, count int) *keySource {
	ks := &keySource{mode: mode, rng: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}
	if mode == keysNone {
		return ks
	}
	ks.keys = make([][]byte, count)
	for i := range ks.keys {
		ks.keys[i] = fmt.Appendf(nil, "key-%08d", i)
	}
	return ks
}

// next returns the next record's key; nil for none.
func (ks *keySource) next() []byte {
	switch ks.mode {
	case keysRandom:
		return ks.keys[ks.rng.IntN(len(ks.keys))]
	case keysSequential:
		k := ks.keys[ks.n%len(ks.keys)]
		ks.n++
		return k
	}
	return nil
}

// ensureTopic creates topic with partitions (0: the broker's default) and
// configs unless it exists, and returns its partition count.
func ensureTopic(ctx context.Context, s *session, topic string, partitions int32, configs map[string]*string) (int, error) {
	if n, err := partitionCount(ctx, s, topic); err != nil || n > 0 {
		return n, err
	}
	if partitions == 0 {
		partitions = -1
	}
	rctx, cancel := s.requestContext(ctx)
	defer cancel()
	resp, err := s.adm.CreateTopic(rctx, partitions, -1, configs, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return 0, brokerError("create topic "+topic, err, resp.ErrMessage)
	}
	return waitTopic(rctx, s, topic)
}

// waitTopic polls until a topic's partitions all have leaders.
func waitTopic(ctx context.Context, s *session, topic string) (int, error) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		n, err := partitionCount(ctx, s, topic)
		if err != nil || n > 0 {
			return n, err
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("wait for topic %s: %w", topic, ctx.Err())
		case <-tick.C:
		}
	}
}

// partitionCount asks the cluster, bypassing the client's metadata cache,
// how many partitions topic has; 0 while it is unknown or a partition has
// no leader yet.
func partitionCount(ctx context.Context, s *session, topic string) (int, error) {
	ctx, cancel := s.requestContext(ctx)
	defer cancel()
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, s.cl)
	if err != nil {
		return 0, err
	}
	for _, t := range resp.Topics {
		if t.Topic == nil || *t.Topic != topic || t.ErrorCode != 0 {
			continue
		}
		for _, p := range t.Partitions {
			if p.ErrorCode != 0 || p.Leader < 0 {
				return 0, nil
			}
		}
		return len(t.Partitions), nil
	}
	return 0, nil
}
