package main

// `strata bench produce --mode batches`: a Produce-level writer. It builds
// record batches itself, once per request, and sends Produce requests
// straight to each partition's leader over its own connection, up to
// produceInflight at a time, as an idempotent producer does. A franz-go
// producer spends about as much CPU per byte as the broker does (a record
// object, a promise and its encoding per record); on a machine of few
// cores it shares with the broker, that bounds the measured rate, and this
// mode measures the broker instead.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const (
	// produceInflight is how many Produce requests a writer has sent and
	// not yet seen answered: Kafka's idempotent producer limit.
	produceInflight = 5
	// recordFraming bounds a record's bytes beyond its value: its length,
	// attributes, deltas, null key and header count.
	recordFraming = 16
	// produceResponseMax bounds a Produce response: a few fields for the
	// one partition a request names.
	produceResponseMax = 1 << 20
)

// errProduceConn is the class of broken produce connections.
var errProduceConn = errors.New("produce connection")

// produceBatches runs a batches-mode produce: one writer per leader of
// the topic's partitions, each sending one partition's batch per request,
// the partitions in turn.
func (o *produceOptions) produceBatches(ctx context.Context, s *session, stats *produceStats) error {
	topicID, leaders, err := topicLeaders(ctx, s, o.topic, nil)
	if err != nil {
		return err
	}
	pid, epoch, err := initProducer(ctx, s)
	if err != nil {
		return err
	}
	budget := &recordBudget{unlimited: o.records == 0, left: o.records}
	var writers []*leaderWriter
	defer func() {
		for _, w := range writers {
			w.nc.Close()
		}
	}()
	for leader, partitions := range leaders {
		w, err := o.dialWriter(ctx, s, leader, topicID, partitions)
		if err != nil {
			return err
		}
		w.pid, w.epoch, w.budget, w.stats = pid, epoch, budget, stats
		writers = append(writers, w)
	}
	stats.begin(time.Now())
	return runWriters(ctx, o.duration, writers)
}

// runWriters runs every writer for up to d (0: until their budget is
// spent) and waits for all of them. The first failure stops the others
// and is the one returned.
func runWriters(ctx context.Context, d time.Duration, writers []*leaderWriter) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	until, stop := ctx, context.CancelFunc(func() {})
	if d > 0 {
		until, stop = context.WithTimeout(ctx, d)
	}
	defer stop()
	var wg sync.WaitGroup
	for _, w := range writers {
		wg.Go(func() {
			if err := w.run(ctx, until); err != nil {
				cancel(err)
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

// initProducer asks the cluster for an idempotent producer id.
func initProducer(ctx context.Context, s *session) (int64, int16, error) {
	ctx, cancel := s.requestContext(ctx)
	defer cancel()
	req := kmsg.NewPtrInitProducerIDRequest()
	req.ProducerEpoch, req.ProducerID = -1, -1
	resp, err := req.RequestWith(ctx, s.cl)
	if err == nil {
		err = kerr.ErrorForCode(resp.ErrorCode)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("init producer id: %w", err)
	}
	return resp.ProducerID, resp.ProducerEpoch, nil
}

// recordBudget hands out the records a run may still produce.
type recordBudget struct {
	unlimited bool
	mu        sync.Mutex
	left      int64
}

// take claims up to n records; 0 means the budget is spent.
func (b *recordBudget) take(n int64) int64 {
	if b.unlimited {
		return n
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	n = min(n, b.left)
	b.left -= n
	return n
}

// validateMode checks that the flags suit the mode: the batches mode
// writes plain uncompressed records without keys, closed loop, and
// always waits for answers.
func (o *produceOptions) validateMode() error {
	if err := checkChoice("mode", o.mode, modeRecords, modeBatches); err != nil {
		return err
	}
	if o.mode != modeBatches {
		return nil
	}
	switch {
	case o.acks == "0":
		return usageErrorf("--mode batches waits for every answer: use --acks all or 1")
	case o.keys != keysNone:
		return usageErrorf("--mode batches writes records without keys: drop --keys or use --mode records")
	case o.compression != "none":
		return usageErrorf("--mode batches writes uncompressed batches: drop --compression or use --mode records")
	case o.rate > 0:
		return usageErrorf("--mode batches runs closed loop: drop --rate or use --mode records")
	}
	return nil
}
