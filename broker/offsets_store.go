package broker

import (
	"context"
	"fmt"
	"time"

	"github.com/strata-streaming/strata/broker/group"
	"github.com/strata-streaming/strata/replication"
	"github.com/strata-streaming/strata/tiered/batch"
)

// offsetsTopic is the internal topic the group coordinator keeps its
// state in.
const offsetsTopic = "__consumer_offsets"

// offsetsStore is the group coordinator's Store over the partitions of
// __consumer_offsets: appends go through the ordinary produce path with
// acks=all, replays read the partition from its start.
type offsetsStore struct {
	parts      *replication.Manager
	partitions int32
}

var _ group.Store = (*offsetsStore)(nil)

func (s *offsetsStore) Partitions() int32 { return s.partitions }

// Append encodes records as one batch and appends it durably.
func (s *offsetsStore) Append(ctx context.Context, partition int32, records []batch.Record) error {
	p, err := s.parts.Partition(offsetsTopic, partition)
	if err != nil {
		return err
	}
	b, err := batch.Encode(nil, records, batch.EncodeOptions{BaseTimestamp: time.Now().UnixMilli()})
	if err != nil {
		return fmt.Errorf("encode group records: %w", err)
	}
	_, err = p.Produce(ctx, b, -1)
	return err
}

// Replay reads every record of the partition from the log start.
func (s *offsetsStore) Replay(ctx context.Context, partition int32, fn func(key, value []byte) error) error {
	p, err := s.parts.Partition(offsetsTopic, partition)
	if err != nil {
		return err
	}
	log := p.Log()
	var buf []byte
	rr := new(batch.RecordReader)
	for off := log.StartOffset(); off < log.EndOffset(); {
		recs, err := log.Read(ctx, off, 1<<20, log.EndOffset())
		if err != nil {
			return fmt.Errorf("replay %s-%d: %w", offsetsTopic, partition, err)
		}
		buf, err = recs.AppendTo(buf[:0])
		next := recs.NextOffset
		recs.Close()
		if err != nil {
			return fmt.Errorf("replay %s-%d: %w", offsetsTopic, partition, err)
		}
		if next <= off {
			break
		}
		if err := replayBatches(buf, rr, fn); err != nil {
			return err
		}
		off = next
	}
	return nil
}

// replayBatches hands the records of every data batch in buf to fn.
func replayBatches(buf []byte, rr *batch.RecordReader, fn func(key, value []byte) error) error {
	it := batch.NewIter(buf)
	for h, b, ok := it.Next(); ok; h, b, ok = it.Next() {
		if h.Control() {
			continue
		}
		if err := rr.Reset(b, 64<<20); err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		for rec, ok := rr.Next(); ok; rec, ok = rr.Next() {
			if err := fn(rec.Key, rec.Value); err != nil {
				return err
			}
		}
		if err := rr.Err(); err != nil {
			return fmt.Errorf("replay: %w", err)
		}
	}
	return it.Err()
}
