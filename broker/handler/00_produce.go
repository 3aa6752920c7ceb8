package handler

// Produce, versions 0-13.
//
// Versions 0-2 carry the old message formats, which Kafka 4 no longer
// accepts: every partition of such a request is answered
// UNSUPPORTED_VERSION. They stay advertised because librdkafka turns
// compression off unless Produce is advertised from version 0. Version 3
// brought record batches (magic 2), 5 the log start offset, 7 zstd (an
// older request with a zstd batch gets UNSUPPORTED_COMPRESSION_TYPE), 8 an
// error message per partition (KIP-467; Strata's checks are per batch, so
// the per-record error list stays empty), 9 flexible encoding, 10 the
// current leader with NOT_LEADER_OR_FOLLOWER (KIP-951; left empty: Strata
// has no other broker to point to yet), 11 and 12 transaction signals
// (KIP-890), 13 topic ids in place of names (UNKNOWN_TOPIC_ID for an id
// the metadata does not know).
//
// Each partition's batches go to replication.Partition, which validates
// them, applies the idempotent producer checks and appends. The request
// appends to every partition first; for acks=-1 the response is a
// wire.Deferred that waits for all of them to be durable, up to timeout_ms
// from the append (REQUEST_TIMED_OUT after). Their fsyncs overlap, and the
// connection goes on appending the client's next produce requests while
// it waits, so that pipelined requests share an fsync. acks=0 gets no response; if any partition failed, the
// connection is closed instead, so that the producer refreshes its
// metadata, as Kafka does. A produce never creates a topic: Kafka creates
// topics on Metadata requests only.

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
	"github.com/strata-streaming/strata/replication"
	"github.com/strata-streaming/strata/tiered/batch"
)

func init() { register(kmsg.Produce.Int16(), 0, 13, (*Handler).produce) }

// Produce versions that changed what a request may hold.
const (
	produceMinRecordBatch = 3 // record batches; older versions are refused
	produceMinZstd        = 7
	produceMinMessage     = 8 // per-partition error messages
	produceMinTopicID     = 13
)

// producing is one partition's append, waiting to be answered.
type producing struct {
	out  *kmsg.ProduceResponseTopicPartition
	pend *replication.Pending
}

func (h *Handler) produce(ctx context.Context, req *wire.Request) (kmsg.Response, error) {
	r := req.Msg.(*kmsg.ProduceRequest)
	resp := kmsg.NewPtrProduceResponse()
	resp.Topics = make([]kmsg.ProduceResponseTopic, len(r.Topics))
	var waiting []producing
	var failed error
	for i := range r.Topics {
		rt := &r.Topics[i]
		st := &resp.Topics[i]
		st.Topic, st.TopicID = rt.Topic, rt.TopicID
		st.Partitions = make([]kmsg.ProduceResponseTopicPartition, len(rt.Partitions))
		for j := range rt.Partitions {
			out := &st.Partitions[j]
			*out = kmsg.NewProduceResponseTopicPartition()
			out.Partition = rt.Partitions[j].Partition
			pend, err := h.appendPartition(ctx, r, rt, &rt.Partitions[j])
			if err != nil {
				h.produceFailed(r, out, err)
				if failed == nil {
					failed = err
				}
				continue
			}
			waiting = append(waiting, producing{out: out, pend: pend})
		}
	}
	switch r.Acks {
	case 0:
		if failed != nil {
			return nil, fmt.Errorf("produce with acks=0 failed, closing the connection: %w", failed)
		}
		return nil, nil
	case -1:
		return h.deferProduced(r, resp, waiting), nil
	}
	h.awaitProduced(ctx, r, waiting)
	return resp, nil
}

// appendPartition appends one partition's batches.
func (h *Handler) appendPartition(ctx context.Context, r *kmsg.ProduceRequest, rt *kmsg.ProduceRequestTopic, rp *kmsg.ProduceRequestTopicPartition) (*replication.Pending, error) {
	if r.Version < produceMinRecordBatch {
		return nil, fmt.Errorf("produce v%d carries the old message format: %w", r.Version, kerr.UnsupportedVersion)
	}
	var p *replication.Partition
	var err error
	if r.Version >= produceMinTopicID {
		p, err = h.deps.Partitions.PartitionByID(rt.TopicID, rp.Partition)
	} else {
		p, err = h.deps.Partitions.Partition(rt.Topic, rp.Partition)
	}
	if err != nil {
		return nil, err
	}
	if t, ok := h.deps.Cluster.Image().Topic(p.Topic()); ok && t.Internal {
		// Only the broker writes its internal topics (the group
		// coordinator's __consumer_offsets), as in Kafka.
		return nil, fmt.Errorf("produce to internal topic %s: %w", p.Topic(), kerr.InvalidTopicException)
	}
	if r.Version < produceMinZstd && hasZstd(rp.Records) {
		return nil, fmt.Errorf("zstd needs produce v%d, the request is v%d: %w", produceMinZstd, r.Version, kerr.UnsupportedCompressionType)
	}
	// The append is not tied to the connection: a client that leaves
	// mid-request must not leave some partitions appended and not others.
	return p.Append(context.WithoutCancel(ctx), rp.Records, r.Acks)
}

// hasZstd reports whether any batch that frames in records uses zstd.
func hasZstd(records []byte) bool {
	it := batch.NewIter(records)
	for {
		h, _, ok := it.Next()
		if !ok {
			return false
		}
		if h.Codec() == batch.CodecZstd {
			return true
		}
	}
}

// durableProduce is the response to an acks=-1 produce, complete once its
// appends are durable.
type durableProduce struct {
	*kmsg.ProduceResponse
	h        *Handler
	r        *kmsg.ProduceRequest
	waiting  []producing
	deadline time.Time // from the request's timeout; zero for none
}

var _ wire.Deferred = (*durableProduce)(nil)

// deferProduced returns resp as a Deferred that waits for the appends, up
// to the request's timeout from now.
func (h *Handler) deferProduced(r *kmsg.ProduceRequest, resp *kmsg.ProduceResponse, waiting []producing) *durableProduce {
	d := &durableProduce{ProduceResponse: resp, h: h, r: r, waiting: waiting}
	if r.TimeoutMillis > 0 {
		d.deadline = time.Now().Add(time.Duration(r.TimeoutMillis) * time.Millisecond)
	}
	return d
}

// Await waits for the appends to be durable, until the request's timeout
// or ctx ends, and fills in their answers.
func (d *durableProduce) Await(ctx context.Context) {
	if !d.deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.deadline)
		defer cancel()
	}
	d.h.awaitProduced(ctx, d.r, d.waiting)
}

// awaitProduced waits for the appends and fills in their answers.
func (h *Handler) awaitProduced(ctx context.Context, r *kmsg.ProduceRequest, waiting []producing) {
	for _, w := range waiting {
		res, err := w.pend.Wait(ctx)
		if err != nil {
			h.produceFailed(r, w.out, err)
			continue
		}
		w.out.BaseOffset, w.out.LogAppendTime, w.out.LogStartOffset = res.BaseOffset, res.LogAppendTime, res.LogStartOffset
	}
}

// produceFailed answers a partition with err's code and, from version 8,
// its message when it describes the client's batches.
func (h *Handler) produceFailed(r *kmsg.ProduceRequest, out *kmsg.ProduceResponseTopicPartition, err error) {
	out.ErrorCode = errorCode(err)
	out.BaseOffset = -1
	if r.Version >= produceMinMessage && produceMessageCodes[out.ErrorCode] {
		msg := err.Error()
		out.ErrorMessage = &msg
	}
	switch out.ErrorCode {
	case kerr.KafkaStorageError.Code, kerr.UnknownServerError.Code:
		h.log.Warn("handler: produce failed", "partition", out.Partition, "err", err)
	}
}

// produceMessageCodes are the errors whose message tells the producer what
// was wrong with its batches.
var produceMessageCodes = map[int16]bool{
	kerr.InvalidRecord.Code:              true,
	kerr.CorruptMessage.Code:             true,
	kerr.MessageTooLarge.Code:            true,
	kerr.RecordListTooLarge.Code:         true,
	kerr.OutOfOrderSequenceNumber.Code:   true,
	kerr.InvalidProducerEpoch.Code:       true,
	kerr.InvalidTxnState.Code:            true,
	kerr.UnsupportedCompressionType.Code: true,
	kerr.InvalidRequiredAcks.Code:        true,
	kerr.NotEnoughReplicas.Code:          true,
}
