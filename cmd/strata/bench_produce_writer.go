package main

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/tiered/batch"
)

// leaderWriter is a batches-mode producer's connection to one leader and
// the partitions it leads. Its sender builds and sends requests while its
// receiver reads the answers, in order, on the same connection.
type leaderWriter struct {
	nc      net.Conn
	version int16
	format  *kmsg.RequestFormatter
	topic   string
	topicID [16]byte // names the topic from Produce v13
	parts   []*writerPart
	acks    int16
	pid     int64
	epoch   int16
	budget  *recordBudget
	stats   *produceStats

	values   *valuePool
	perBatch int64          // records in a full batch
	records  []batch.Record // reused for each batch
	batchBuf []byte         // reused for each batch
	out      []byte         // reused for each request
	turn     int            // the next partition to send a batch to
	corr     int32
}

// writerPart is one partition a writer produces to.
type writerPart struct {
	id  int32
	seq int32 // the next batch's base sequence
}

// sentRequest is a request the receiver waits for the answer to.
type sentRequest struct {
	corr    int32
	records int64
	bytes   int64
	at      time.Time
}

// dialWriter connects a writer to leader, at the highest Produce version
// both sides speak.
func (o *produceOptions) dialWriter(ctx context.Context, s *session, leader int32, topicID [16]byte, partitions []int32) (*leaderWriter, error) {
	version, err := maxAPIVersion(ctx, s, leader, kmsg.Produce.Int16(), kmsg.NewPtrProduceRequest().MaxVersion())
	if err != nil {
		return nil, err
	}
	addr, err := brokerAddr(ctx, s, leader)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w: dial %s: %w", errProduceConn, addr, err)
	}
	w := &leaderWriter{
		nc: nc, version: version, format: kmsg.NewRequestFormatter(kmsg.FormatterClientID(s.cfg.ClientID)),
		topic: o.topic, topicID: topicID, acks: produceAcks(o.acks),
		values:   newValuePool(o.recordSize),
		perBatch: max(1, int64(o.batchMaxBytes-batch.HeaderSize)/int64(o.recordSize+recordFraming)),
	}
	for _, p := range partitions {
		w.parts = append(w.parts, &writerPart{id: p})
	}
	w.records = make([]batch.Record, w.perBatch)
	return w, nil
}

// produceAcks is the Produce request's acks for the --acks flag.
func produceAcks(acks string) int16 {
	if acks == "1" {
		return 1
	}
	return -1
}

// run sends batches until the budget is spent or until ends, then waits
// for the answers to what it sent, as a producer's flush does. An end of
// ctx (an interrupt, another writer's failure) drops the connection.
func (w *leaderWriter) run(ctx, until context.Context) error {
	stop := context.AfterFunc(ctx, func() { w.nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	inflight := make(chan sentRequest, produceInflight-1) // plus the one the receiver reads
	received := make(chan error, 1)
	go func() { received <- w.receive(inflight) }()
	err := w.send(until, inflight)
	close(inflight)
	if rerr := <-received; rerr != nil {
		err = rerr // a failed answer also ends the sends: it is the cause
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// send builds and sends requests until the budget is spent, ctx ends or
// a send fails.
func (w *leaderWriter) send(ctx context.Context, inflight chan<- sentRequest) error {
	for ctx.Err() == nil {
		n := w.budget.take(w.perBatch)
		if n == 0 {
			return nil
		}
		sr, err := w.build(n)
		if err != nil {
			return err
		}
		inflight <- sr // waits while produceInflight requests are unanswered
		if _, err := w.nc.Write(w.out); err != nil {
			return fmt.Errorf("%w: send produce: %w", errProduceConn, err)
		}
	}
	return nil
}

// build encodes a request of one batch of n records to the next
// partition in turn into w.out.
func (w *leaderWriter) build(n int64) (sentRequest, error) {
	p := w.parts[w.turn%len(w.parts)]
	w.turn++
	var bytes int64
	for i := range n {
		v := w.values.next()
		w.records[i] = batch.Record{OffsetDelta: int32(i), Value: v}
		bytes += int64(len(v))
	}
	var err error
	w.batchBuf, err = batch.Encode(w.batchBuf[:0], w.records[:n], batch.EncodeOptions{
		BaseTimestamp: time.Now().UnixMilli(),
		Idempotent:    true, ProducerID: w.pid, ProducerEpoch: w.epoch, BaseSequence: p.seq,
	})
	if err != nil {
		return sentRequest{}, err
	}
	p.seq += int32(n)
	req := kmsg.NewPtrProduceRequest()
	req.SetVersion(w.version)
	req.Acks, req.TimeoutMillis = w.acks, 30_000
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic, rt.TopicID = w.topic, w.topicID
	rp := kmsg.NewProduceRequestTopicPartition()
	rp.Partition, rp.Records = p.id, w.batchBuf
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	w.corr++
	w.out = w.format.AppendRequest(w.out[:0], req, w.corr)
	return sentRequest{corr: w.corr, records: n, bytes: bytes, at: time.Now()}, nil
}

// receive reads the answer to each request sent, in order, and counts its
// records, until inflight closes or an answer fails.
func (w *leaderWriter) receive(inflight <-chan sentRequest) error {
	var buf []byte
	var failed error
	for sr := range inflight {
		if failed != nil {
			continue // drain, so that the sender never blocks on inflight
		}
		var err error
		if buf, err = w.readAnswer(buf, sr); err != nil {
			failed = err
			w.nc.SetDeadline(time.Unix(1, 0)) // stops the sender's writes
			continue
		}
		w.stats.doneBatch(sr.at, sr.records, sr.bytes)
	}
	return failed
}

// readAnswer reads and checks the Produce response to sr.
func (w *leaderWriter) readAnswer(buf []byte, sr sentRequest) ([]byte, error) {
	buf, err := readResponseFrame(w.nc, buf, produceResponseMax)
	if err != nil {
		return buf, fmt.Errorf("%w: read produce response: %w", errProduceConn, err)
	}
	resp := kmsg.NewPtrProduceResponse()
	resp.SetVersion(w.version)
	if err := decodeResponse(buf, sr.corr, resp); err != nil {
		return buf, fmt.Errorf("%w: %w", errProduceConn, err)
	}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return buf, fmt.Errorf("produce to %s partition %d: %w", t.Topic, p.Partition, err)
			}
		}
	}
	return buf, nil
}
