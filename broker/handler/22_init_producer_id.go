package handler

// InitProducerId, versions 0-5.
//
// Without a transactional id, the request is what an idempotent producer
// sends first: it gets a producer id never handed out before and epoch 0.
// Ids come from the controller in blocks of producerIDBlockSize, so that
// most requests need no metadata write. From version 3 a producer may send
// its current id and epoch to recover from a sequence error (KIP-360);
// Kafka answers a producer without a transactional id with a fresh id, and
// so does Strata. An id without an epoch, or the reverse, is
// INVALID_REQUEST.
//
// With a transactional id the producer wants transactions, which Strata
// does not have yet: the answer is TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
// an error every client treats as fatal, so that a transactional producer
// fails at once instead of retrying a coordinator error forever. Version 4 only changed the
// errors a client may see; 5 marks KIP-890 support.

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
)

func init() { register(kmsg.InitProducerID.Int16(), 0, 5, (*Handler).initProducerID) }

// producerIDBlockSize is how many producer ids the handlers reserve at a
// time: Kafka's block size.
const producerIDBlockSize = 1000

func (h *Handler) initProducerID(ctx context.Context, req *wire.Request) (kmsg.Response, error) {
	r := req.Msg.(*kmsg.InitProducerIDRequest)
	resp := kmsg.NewPtrInitProducerIDResponse()
	resp.ProducerID, resp.ProducerEpoch = -1, -1
	switch {
	case r.TransactionalID != nil:
		h.log.Debug("handler: transactions are not supported", "transactional_id", *r.TransactionalID)
		resp.ErrorCode = kerr.TransactionalIDAuthorizationFailed.Code
	case (r.ProducerID < 0) != (r.ProducerEpoch < 0):
		resp.ErrorCode = kerr.InvalidRequest.Code
	default:
		id, err := h.state.producerIDs.take(ctx, h.deps.Cluster.AllocateProducerIDs)
		if err != nil {
			h.log.Warn("handler: allocating producer ids", "err", err)
			resp.ErrorCode = kerr.CoordinatorNotAvailable.Code
			break
		}
		resp.ProducerID, resp.ProducerEpoch = id, 0
	}
	return resp, nil
}

// producerIDBlock hands out producer ids from a block reserved with the
// controller, reserving the next block when it runs out.
type producerIDBlock struct {
	// sem is a one-slot semaphore guarding next and end, so that waiting
	// for a block being reserved honours the request's context.
	sem       chan struct{}
	next, end int64 // the ids not yet handed out: [next, end)
}

func newProducerIDBlock() *producerIDBlock { return &producerIDBlock{sem: make(chan struct{}, 1)} }

// take returns the next id, calling allocate for a new block when the
// current one is used up. Requests wait for one another meanwhile, so a
// block is never reserved twice.
func (b *producerIDBlock) take(ctx context.Context, allocate func(context.Context, int64) (int64, error)) (int64, error) {
	select {
	case b.sem <- struct{}{}:
	case <-ctx.Done():
		return -1, ctx.Err()
	}
	defer func() { <-b.sem }()
	if b.next == b.end {
		first, err := allocate(ctx, producerIDBlockSize)
		if err != nil {
			return -1, fmt.Errorf("allocate producer ids: %w", err)
		}
		b.next, b.end = first, first+producerIDBlockSize
	}
	id := b.next
	b.next++
	return id, nil
}
