package replication

import (
	"fmt"
	"math"

	"github.com/strata-streaming/strata/tiered/batch"
)

// maxProducerBatches is how many of a producer's latest batches a
// partition remembers to recognise retries: the producer's
// max.in.flight.requests.per.connection limit for idempotence.
const maxProducerBatches = 5

// batchInfo is what a partition remembers of one idempotent batch.
type batchInfo struct {
	firstSeq, lastSeq       int32
	firstOffset, lastOffset int64
	timestamp               int64 // the batch's max timestamp
}

// producerEntry is one idempotent producer's state in a partition.
type producerEntry struct {
	epoch int16
	// batches are the latest batches of the current epoch, oldest first.
	batches []batchInfo
	// lastTimestamp is the newest batch's max timestamp, for expiration.
	lastTimestamp int64
}

// producerState maps producer ids to their state. The partition's lock
// guards it.
type producerState map[int64]*producerEntry

// lastSequence is the sequence of a batch's last record: the base sequence
// plus the last offset delta, wrapping past MaxInt32 to 0 as producers do.
func lastSequence(h *batch.Header) int32 {
	if h.BaseSequence > math.MaxInt32-h.LastOffsetDelta {
		return h.LastOffsetDelta - (math.MaxInt32 - h.BaseSequence) - 1
	}
	return h.BaseSequence + h.LastOffsetDelta
}

// inSequence reports whether next follows last.
func inSequence(last, next int32) bool {
	return next == last+1 || (last == math.MaxInt32 && next == 0)
}

// duplicate returns the remembered batch a retried batch repeats: same
// epoch, same first and last sequence.
func (e *producerEntry) duplicate(h *batch.Header) (batchInfo, bool) {
	if e == nil || h.ProducerEpoch != e.epoch {
		return batchInfo{}, false
	}
	last := lastSequence(h)
	for _, b := range e.batches {
		if b.firstSeq == h.BaseSequence && b.lastSeq == last {
			return b, true
		}
	}
	return batchInfo{}, false
}

// seqCursor is a producer's epoch and last sequence while one append's
// batches are checked in order, before any of them is applied.
type seqCursor struct {
	epoch   int16
	lastSeq int32
	known   bool // false for a producer with no state: any sequence goes
}

func (e *producerEntry) cursor() seqCursor {
	if e == nil || len(e.batches) == 0 {
		return seqCursor{}
	}
	return seqCursor{epoch: e.epoch, lastSeq: e.batches[len(e.batches)-1].lastSeq, known: true}
}

// next checks the batch h against the cursor as Kafka does and returns the
// cursor after it: an older epoch is fenced; a newer epoch must start at
// sequence 0; the same epoch must continue the sequence. A producer with
// no state accepts any sequence, since retention may have removed it.
func (c seqCursor) next(h *batch.Header) (seqCursor, error) {
	after := seqCursor{epoch: h.ProducerEpoch, lastSeq: lastSequence(h), known: true}
	if !c.known {
		return after, nil
	}
	switch {
	case h.ProducerEpoch < c.epoch:
		return c, fmt.Errorf("%w: producer %d epoch %d, current epoch %d", ErrInvalidProducerEpoch, h.ProducerID, h.ProducerEpoch, c.epoch)
	case h.ProducerEpoch > c.epoch && h.BaseSequence != 0:
		return c, fmt.Errorf("%w: producer %d new epoch %d starts at sequence %d, not 0", ErrOutOfOrderSequence, h.ProducerID, h.ProducerEpoch, h.BaseSequence)
	case h.ProducerEpoch == c.epoch && !inSequence(c.lastSeq, h.BaseSequence):
		return c, fmt.Errorf("%w: producer %d epoch %d sent sequence %d after %d", ErrOutOfOrderSequence, h.ProducerID, h.ProducerEpoch, h.BaseSequence, c.lastSeq)
	}
	return after, nil
}

// check walks the idempotent batches of one append in order. It returns
// the remembered batch if one of them is a retry (Kafka answers the whole
// append with it), or the first sequence error.
func (s producerState) check(headers []batch.Header) (dup batchInfo, isDup bool, err error) {
	var cursors map[int64]seqCursor
	for i := range headers {
		h := &headers[i]
		if !h.Idempotent() {
			continue
		}
		if d, ok := s[h.ProducerID].duplicate(h); ok {
			return d, true, nil
		}
		c, seen := cursors[h.ProducerID]
		if !seen {
			c = s[h.ProducerID].cursor()
		}
		if c, err = c.next(h); err != nil {
			return batchInfo{}, false, err
		}
		if cursors == nil {
			cursors = make(map[int64]seqCursor)
		}
		cursors[h.ProducerID] = c
	}
	return batchInfo{}, false, nil
}

// apply records a batch written to the log: h carries its assigned base
// offset and its final max timestamp. A new epoch starts the producer's
// history afresh.
func (s producerState) apply(h *batch.Header) {
	if !h.Idempotent() || h.Control() {
		return
	}
	e := s[h.ProducerID]
	if e == nil {
		e = &producerEntry{epoch: h.ProducerEpoch}
		s[h.ProducerID] = e
	}
	if h.ProducerEpoch != e.epoch {
		e.epoch, e.batches = h.ProducerEpoch, e.batches[:0]
	}
	if len(e.batches) == maxProducerBatches {
		copy(e.batches, e.batches[1:])
		e.batches = e.batches[:maxProducerBatches-1]
	}
	e.batches = append(e.batches, batchInfo{
		firstSeq: h.BaseSequence, lastSeq: lastSequence(h),
		firstOffset: h.BaseOffset, lastOffset: h.LastOffset(),
		timestamp: h.MaxTimestamp,
	})
	e.lastTimestamp = h.MaxTimestamp
}

// expire drops the producers whose newest batch is not newer than cutoff
// (ms since the epoch, inclusive) and returns how many.
func (s producerState) expire(cutoff int64) int {
	n := 0
	for id, e := range s {
		if e.lastTimestamp <= cutoff {
			delete(s, id)
			n++
		}
	}
	return n
}
