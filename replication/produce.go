package replication

import (
	"context"
	"errors"
	"fmt"

	"github.com/strata-streaming/strata/tiered"
	"github.com/strata-streaming/strata/tiered/batch"
)

// magicOffset is where both the v2 batch and the legacy v0/v1 message keep
// their magic byte.
const magicOffset = 16

// ProduceResult is the outcome of a produce to one partition.
type ProduceResult struct {
	// BaseOffset is the offset of the first record appended; for a
	// retried batch, that of the original.
	BaseOffset int64
	// LogAppendTime is the append time (ms) on a LogAppendTime topic, -1
	// otherwise.
	LogAppendTime int64
	// LogStartOffset is the partition's log start offset.
	LogStartOffset int64
}

// failedProduce is the result that goes with an error.
var failedProduce = ProduceResult{BaseOffset: -1, LogAppendTime: -1, LogStartOffset: -1}

// Pending is an appended produce whose acknowledgement may still wait for
// the log to be durable (acks=all). Produce is Append then Wait; a request
// to many partitions appends to all of them first so their fsyncs overlap.
type Pending struct {
	p      *Partition
	result ProduceResult
	end    int64 // the offset durability must reach; 0 when none
	round  *syncRound
}

// Produce validates and appends batches — one or more concatenated v2
// record batches as a producer sent them, modified in place — and, for
// acks=-1, waits until they are durable or ctx is done. acks must be -1, 0
// or 1.
func (p *Partition) Produce(ctx context.Context, batches []byte, acks int16) (ProduceResult, error) {
	pend, err := p.Append(ctx, batches, acks)
	if err != nil {
		return failedProduce, err
	}
	return pend.Wait(ctx)
}

// Append is Produce without the wait: it validates the batches, checks and
// records the idempotent producers' sequences, and appends. For acks=-1 it
// starts the fsync that Wait waits for.
func (p *Partition) Append(ctx context.Context, batches []byte, acks int16) (*Pending, error) {
	if acks != -1 && acks != 0 && acks != 1 {
		return nil, fmt.Errorf("%w: %d", ErrInvalidRequiredAcks, acks)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !p.IsLeader() {
		return nil, fmt.Errorf("%w: %s", ErrNotLeader, dirName(p.topic, p.index))
	}
	cfg := p.cfg.Load()
	headers, err := validateProduced(batches, cfg)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	pend, snap, err := p.appendLocked(batches, headers, cfg, acks)
	p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if snap != nil { // the append rolled a segment
		p.saveSnapshot(pend.result.BaseOffset, snap)
	}
	if pend.end > p.Log().DurableOffset() {
		pend.round = p.requestSync()
	}
	return pend, nil
}

// Wait waits until the produce may be acknowledged: at once for acks 0
// and 1; for acks=-1 once the log is durable past it and the high
// watermark covers it, or until ctx is done.
func (pp *Pending) Wait(ctx context.Context) (ProduceResult, error) {
	if pp.end > 0 {
		if err := pp.p.awaitDurable(ctx, pp.end, pp.round); err != nil {
			return failedProduce, err
		}
	}
	res := pp.result
	res.LogStartOffset = pp.p.LogStartOffset()
	return res, nil
}

// Result is the produce's result as appended, before any wait.
func (pp *Pending) Result() ProduceResult { return pp.result }

// appendLocked checks the producers' sequences and appends; mu held. snap
// is the producer snapshot to write when the append rolled a segment.
func (p *Partition) appendLocked(buf []byte, headers []batch.Header, cfg *TopicConfig, acks int16) (*Pending, []byte, error) {
	if p.mu.closed {
		return nil, nil, p.errClosed()
	}
	if acks == -1 && p.mu.isr < cfg.MinInsyncReplicas {
		return nil, nil, fmt.Errorf("%w: %d in sync, min.insync.replicas is %d", ErrNotEnoughReplicas, p.mu.isr, cfg.MinInsyncReplicas)
	}
	dup, isDup, err := p.mu.producers.check(headers)
	if err != nil {
		return nil, nil, err
	}
	if isDup {
		return p.duplicateLocked(dup, cfg, acks), nil, nil
	}
	epoch := p.LeaderEpoch()
	res, err := p.Log().Append(buf, tiered.AppendOptions{LogAppendTime: cfg.LogAppendTime, LeaderEpoch: epoch, Validated: true})
	if err != nil {
		return nil, nil, err
	}
	var snap []byte
	if res.Rolled {
		snap = encodeSnapshot(res.BaseOffset, p.mu.producers)
	}
	p.applyLocked(headers, res, cfg.LogAppendTime)
	if p.mu.epochs.assign(epoch, res.BaseOffset) {
		if err := saveEpochs(p.dir, &p.mu.epochs); err != nil {
			p.env.log.Warn("replication: leader epoch checkpoint not saved", "dir", p.dir, "err", err)
		}
	}
	pend := &Pending{p: p, result: ProduceResult{BaseOffset: res.BaseOffset, LogAppendTime: -1}}
	if cfg.LogAppendTime {
		pend.result.LogAppendTime = res.AppendTime.UnixMilli()
	}
	if acks == -1 {
		pend.end = res.LogEndOffset
		p.mu.pending = append(p.mu.pending, offsetRange{base: res.BaseOffset, end: res.LogEndOffset})
	}
	p.advanceLocked()
	return pend, snap, nil
}

// duplicateLocked answers a retried batch as Kafka does: success, with the
// original batch's offset, and nothing appended. For acks=-1 the original
// must be durable too.
func (p *Partition) duplicateLocked(dup batchInfo, cfg *TopicConfig, acks int16) *Pending {
	pend := &Pending{p: p, result: ProduceResult{BaseOffset: dup.firstOffset, LogAppendTime: -1}}
	if cfg.LogAppendTime {
		pend.result.LogAppendTime = dup.timestamp
	}
	if acks == -1 {
		pend.end = dup.lastOffset + 1
	}
	return pend
}

// applyLocked records the appended batches in the producer state; mu
// held. The headers get the offsets and timestamps the append assigned.
func (p *Partition) applyLocked(headers []batch.Header, res tiered.AppendResult, logAppendTime bool) {
	next := res.BaseOffset
	for i := range headers {
		h := &headers[i]
		h.BaseOffset = next
		if logAppendTime {
			h.MaxTimestamp = res.AppendTime.UnixMilli()
		}
		p.mu.producers.apply(h)
		next = h.NextOffset()
	}
}

// saveSnapshot writes a producer snapshot; a failure only costs a longer
// replay on the next open, so it is logged. Once the partition is closed
// nothing is written: its directory may be gone, or belong to a new topic.
func (p *Partition) saveSnapshot(offset int64, snap []byte) {
	p.snapMu.Lock()
	defer p.snapMu.Unlock()
	if p.isClosed() {
		return
	}
	if err := writeSnapshot(p.dir, offset, snap); err != nil {
		p.env.log.Warn("replication: producer snapshot not saved", "dir", p.dir, "offset", offset, "err", err)
	}
}

// validateProduced checks every batch of a produce and returns their
// headers.
func validateProduced(buf []byte, cfg *TopicConfig) ([]batch.Header, error) {
	if len(buf) == 0 {
		return nil, fmt.Errorf("%w: no record batch", ErrInvalidRecord)
	}
	var headers []batch.Header
	for pos := 0; pos < len(buf); {
		rest := buf[pos:]
		if len(rest) > magicOffset && rest[magicOffset] != batch.Magic {
			return nil, fmt.Errorf("%w: message format v%d; only v2 record batches are accepted", ErrInvalidRecord, rest[magicOffset])
		}
		h, err := batch.ParseHeader(rest)
		if err != nil || h.Size() > len(rest) {
			return nil, fmt.Errorf("batch %d: %w", len(headers), batch.ErrShort)
		}
		if err := validateBatch(&h, rest[:h.Size()], cfg); err != nil {
			return nil, fmt.Errorf("batch %d: %w", len(headers), err)
		}
		headers = append(headers, h)
		pos += h.Size()
	}
	return headers, nil
}

// validateBatch applies Kafka's checks of a batch as a client sent it.
func validateBatch(h *batch.Header, b []byte, cfg *TopicConfig) error {
	if len(b) > cfg.MaxMessageBytes {
		return fmt.Errorf("%w: %d bytes, max.message.bytes is %d", ErrMessageTooLarge, len(b), cfg.MaxMessageBytes)
	}
	if _, err := batch.Validate(b); err != nil {
		return classify(err)
	}
	switch {
	case h.BaseOffset != 0:
		return fmt.Errorf("%w: base offset %d, producers send 0", ErrInvalidRecord, h.BaseOffset)
	case h.Control():
		return fmt.Errorf("%w: clients may not write control batches", ErrInvalidRecord)
	case h.Transactional():
		return fmt.Errorf("%w: producer %d", ErrTransactionsUnsupported, h.ProducerID)
	case h.Idempotent() && (h.BaseSequence < 0 || h.ProducerEpoch < 0):
		return fmt.Errorf("%w: producer %d sent epoch %d sequence %d", ErrInvalidRecord, h.ProducerID, h.ProducerEpoch, h.BaseSequence)
	}
	if err := h.CheckProduced(); err != nil {
		return classify(err)
	}
	if h.Codec() != batch.CodecNone {
		if err := batch.CheckCompressed(b, cfg.decompressLimit()); err != nil {
			return classify(err)
		}
	}
	return nil
}

// classify sorts batch validation errors as Kafka does: a CRC mismatch or
// a records section that does not decompress is CORRUPT_MESSAGE (the bytes
// may have been damaged on the way), a section decompressing past the
// limit is MESSAGE_TOO_LARGE, and any other malformed batch is
// INVALID_RECORD.
func classify(err error) error {
	switch {
	case errors.Is(err, batch.ErrCRC), errors.Is(err, batch.ErrDecompress), errors.Is(err, batch.ErrTooLarge):
		return err
	case errors.Is(err, batch.ErrCorrupt):
		return fmt.Errorf("%w: %v", ErrInvalidRecord, err)
	}
	return err
}
