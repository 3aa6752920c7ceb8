package replication

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/strata-streaming/strata/tiered/batch"
	"github.com/strata-streaming/strata/tiered/batch/batchtest"
)

func TestProduceAndRead(t *testing.T) {
	_, p := openOne(t, DefaultTopicConfig())
	changed := p.Changed()
	for i, acks := range []int16{1, 0, -1} {
		res := mustProduce(t, p, plain(3, 1000), acks)
		if res.BaseOffset != int64(3*i) || res.LogAppendTime != -1 || res.LogStartOffset != 0 {
			t.Fatalf("produce %d: %+v", i, res)
		}
	}
	select {
	case <-changed:
	default:
		t.Fatal("Changed was not closed when the high watermark grew")
	}
	if hw, leo := p.HighWatermark(), p.LogEndOffset(); hw != 9 || leo != 9 || p.LastStableOffset() != 9 {
		t.Fatalf("high watermark %d, log end %d", hw, leo)
	}
	headers := readHeaders(t, p)
	if len(headers) != 3 || countRecords(headers) != 9 {
		t.Fatalf("read %d batches, %d records", len(headers), countRecords(headers))
	}
	for _, h := range headers {
		if h.PartitionLeaderEpoch != 0 {
			t.Fatalf("batch at %d has leader epoch %d", h.BaseOffset, h.PartitionLeaderEpoch)
		}
	}
}

func TestProduceSeveralBatchesAtOnce(t *testing.T) {
	_, p := openOne(t, DefaultTopicConfig())
	buf := append(plain(2, 1), plain(3, 2)...)
	buf = append(buf, idem(7, 0, 0, 4)...)
	if res := mustProduce(t, p, buf, 1); res.BaseOffset != 0 {
		t.Fatalf("base offset %d", res.BaseOffset)
	}
	if p.HighWatermark() != 9 {
		t.Fatalf("high watermark %d", p.HighWatermark())
	}
	// The producer's state counts the batch: its next sequence is 4.
	wantErr(t, produceErr(p, idem(7, 0, 5, 1)), ErrOutOfOrderSequence)
	mustProduce(t, p, idem(7, 0, 4, 1), 1)
}

func TestProduceLogAppendTime(t *testing.T) {
	cfg := DefaultTopicConfig()
	cfg.LogAppendTime = true
	_, p := openOne(t, cfg)
	before := time.Now().UnixMilli()
	res := mustProduce(t, p, plain(2, 5), 1)
	if res.LogAppendTime < before {
		t.Fatalf("log append time %d, before the produce %d", res.LogAppendTime, before)
	}
	h := readHeaders(t, p)[0]
	if !h.LogAppendTime() || h.MaxTimestamp != res.LogAppendTime {
		t.Fatalf("stored batch: append time flag %v, max timestamp %d", h.LogAppendTime(), h.MaxTimestamp)
	}
}

func produceErr(p *Partition, b []byte) error {
	_, err := p.Produce(context.Background(), b, 1)
	return err
}

func TestProduceRefusesBadBatches(t *testing.T) {
	cfg := DefaultTopicConfig()
	cfg.MaxMessageBytes = 2000
	_, p := openOne(t, cfg)
	badCRC := plain(1, 0)
	badCRC[len(badCRC)-1] ^= 0xff
	legacy := make([]byte, 40)
	legacy[magicOffset] = 1
	legacyAfter := append(plain(1, 0), legacy...)
	offset := plain(1, 0)
	binary.BigEndian.PutUint64(offset, 5)
	batchtest.FixCRC(offset)
	garbled := batchtest.Build(batchtest.ValueRecords(2, 10), batchtest.Options{Codec: batch.CodecLZ4,
		Compress: func([]byte) []byte { return []byte("not lz4 at all") }})
	noSeq := batchtest.Build(batchtest.ValueRecords(1, 10), batchtest.Options{Idempotent: true, ProducerID: 3, BaseSequence: -1})
	cases := []struct {
		name string
		buf  []byte
		want error
	}{
		{"empty", nil, ErrInvalidRecord},
		{"legacy message set", legacy, ErrInvalidRecord},
		{"legacy after a batch", legacyAfter, ErrInvalidRecord},
		{"truncated", plain(2, 0)[:70], batch.ErrCorrupt},
		{"bad crc", badCRC, batch.ErrCRC},
		{"too large", batchtest.Values(3, 1000, batchtest.Options{}), ErrMessageTooLarge},
		{"control", batchtest.Build(batchtest.ValueRecords(1, 10), batchtest.Options{Control: true}), ErrInvalidRecord},
		{"transactional", batchtest.Build(batchtest.ValueRecords(1, 10), batchtest.Options{Transactional: true, ProducerID: 9}), ErrTransactionsUnsupported},
		{"sparse", batchtest.Build(batchtest.ValueRecords(2, 10), batchtest.Options{OffsetDeltas: []int32{0, 2}}), ErrInvalidRecord},
		{"base offset", offset, ErrInvalidRecord},
		{"producer id without sequence", noSeq, ErrInvalidRecord},
		{"undecodable compression", garbled, batch.ErrDecompress},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantErr(t, produceErr(p, c.buf), c.want)
		})
	}
	if _, err := p.Produce(context.Background(), plain(1, 0), 2); !errors.Is(err, ErrInvalidRequiredAcks) {
		t.Fatalf("acks=2: %v", err)
	}
	if p.LogEndOffset() != 0 {
		t.Fatalf("refused batches reached the log: end offset %d", p.LogEndOffset())
	}
}

func TestProduceEveryCodec(t *testing.T) {
	_, p := openOne(t, DefaultTopicConfig())
	for _, codec := range []batch.Codec{batch.CodecNone, batch.CodecGzip, batch.CodecSnappy, batch.CodecLZ4, batch.CodecZstd} {
		mustProduce(t, p, batchtest.Values(20, 100, batchtest.Options{Codec: codec}), -1)
	}
	headers := readHeaders(t, p)
	for i, h := range headers {
		if h.Codec() != batch.Codec(i) {
			t.Fatalf("batch %d stored with codec %s", i, h.Codec())
		}
	}
	if countRecords(headers) != 100 {
		t.Fatalf("%d records", countRecords(headers))
	}
}

func TestNotEnoughReplicas(t *testing.T) {
	cfg := DefaultTopicConfig()
	cfg.MinInsyncReplicas = 2
	_, p := openOne(t, cfg)
	if _, err := p.Produce(context.Background(), plain(1, 0), -1); !errors.Is(err, ErrNotEnoughReplicas) {
		t.Fatalf("acks=all with one in-sync replica: %v", err)
	}
	mustProduce(t, p, plain(1, 0), 1)
}

func TestAcksAllIsDurable(t *testing.T) {
	_, p := openOne(t, DefaultTopicConfig())
	for range 5 {
		mustProduce(t, p, plain(2, 0), -1)
		if d, hw := p.Log().DurableOffset(), p.HighWatermark(); d < hw || hw != p.LogEndOffset() {
			t.Fatalf("durable %d, high watermark %d, log end %d", d, hw, p.LogEndOffset())
		}
	}
}

func TestHighWatermarkWaitsForDurableAcksAll(t *testing.T) {
	_, p := openOne(t, DefaultTopicConfig())
	mustProduce(t, p, plain(2, 0), 1)
	// An acks=all append not yet durable holds the high watermark at its
	// base, also for the acks=1 appends behind it.
	p.mu.Lock()
	p.mu.pending = append(p.mu.pending, offsetRange{base: 2, end: 1 << 40})
	p.mu.Unlock()
	mustProduce(t, p, plain(3, 0), 1)
	if hw := p.HighWatermark(); hw != 2 {
		t.Fatalf("high watermark %d, want 2", hw)
	}
	// Between the high watermark and the log end a read is empty; past
	// the log end it is out of range.
	recs, err := p.Read(context.Background(), 3, 1000, ReadUncommitted)
	if err != nil || !recs.Empty() {
		t.Fatalf("read above the high watermark: %v, %d bytes", err, recs.Len())
	}
	recs.Close()
	_, err = p.Read(context.Background(), 6, 1000, ReadUncommitted)
	wantErr(t, err, ErrOffsetOutOfRange)
	p.mu.Lock()
	p.mu.pending[0].end = 5
	p.mu.Unlock()
	mustProduce(t, p, plain(1, 0), -1)
	if hw := p.HighWatermark(); hw != 6 {
		t.Fatalf("high watermark %d after the sync, want 6", hw)
	}
}

func TestAcksAllGivesUpAtDeadline(t *testing.T) {
	_, p := openOne(t, DefaultTopicConfig())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	pend, err := p.Append(context.Background(), plain(1, 0), -1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pend.Wait(ctx); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("wait: %v", err)
	}
	if _, err := pend.Wait(context.Background()); err != nil {
		t.Fatalf("second wait: %v", err)
	}
}

func TestConcurrentProducers(t *testing.T) {
	_, p := openOne(t, smallTopicConfig())
	const producers, batches = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, producers)
	for i := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range batches {
				acks := []int16{-1, 1}[s%2]
				if _, err := p.Produce(context.Background(), idem(int64(i), 0, int32(2*s), 2), acks); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := countRecords(readHeaders(t, p)); got != producers*batches*2 {
		t.Fatalf("%d records", got)
	}
	if p.HighWatermark() != p.LogEndOffset() {
		t.Fatalf("high watermark %d, log end %d", p.HighWatermark(), p.LogEndOffset())
	}
}

func TestProduceModifiesOnlyOwnedFields(t *testing.T) {
	_, p := openOne(t, DefaultTopicConfig())
	mustProduce(t, p, plain(1, 0), 1)
	b := plain(2, 7)
	orig := bytes.Clone(b)
	mustProduce(t, p, b, 1)
	if !bytes.Equal(b[12:], orig[12:]) || binary.BigEndian.Uint64(b) != 1 {
		t.Fatal("produce changed more than the base offset and leader epoch")
	}
}
