package group

import (
	"context"
	"fmt"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/strata-streaming/strata/tiered/batch"
)

// Store is the log the coordinator keeps its state in: the partitions of
// __consumer_offsets. The broker implements it over the partitions'
// replicated logs; NewMemStore is an in-memory twin for tests.
type Store interface {
	// Partitions is the number of partitions, fixed for the life of the
	// store. A group lives in partition PartitionFor(group, Partitions()).
	Partitions() int32

	// Append writes records, in order, to the end of partition as one
	// uncompressed batch and returns once they are durable (acks=all).
	// The records carry their keys, values (nil for a tombstone) and
	// offset deltas 0, 1, 2...; an implementation encodes them with
	// batch.Encode, stamping the batch with the current time. On error the
	// coordinator acknowledges nothing; an error that wraps a *kerr.Error
	// picks the Kafka code the coordinator translates (as Kafka translates
	// append errors), any other error answers COORDINATOR_NOT_AVAILABLE.
	// Append may keep neither the slice nor the bytes it points to.
	Append(ctx context.Context, partition int32, records []batch.Record) error

	// Replay calls fn with the key and value (nil for a tombstone) of
	// every record in partition, from the start of the log, in offset
	// order, and stops at the first error fn returns. The slices are valid
	// only during the call.
	Replay(ctx context.Context, partition int32, fn func(key, value []byte) error) error
}

// PartitionFor is the partition of __consumer_offsets that holds group,
// as Kafka computes it: the absolute value of the Java String hash code of
// the group id (with Kafka's Utils.abs, which maps MinInt32 to 0), modulo
// partitions.
func PartitionFor(group string, partitions int32) int32 {
	h := javaStringHash(group)
	if h == -1<<31 {
		h = 0
	} else if h < 0 {
		h = -h
	}
	return h % partitions
}

// javaStringHash is Java's String.hashCode over the UTF-16 code units of
// s: h = 31*h + unit, wrapping at 32 bits.
func javaStringHash(s string) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 {
			hi, lo := utf16.EncodeRune(r)
			h = 31*h + hi
			h = 31*h + lo
			continue
		}
		h = 31*h + r
	}
	return h
}

// MemStore is a Store in memory. It encodes each Append as one batch with
// batch.Encode and replays by decoding the batches, as a Store over a
// partition log does. It is safe for concurrent use.
type MemStore struct {
	partitions int32
	mu         struct {
		sync.Mutex
		batches [][][]byte // per partition, in append order
	}
}

// NewMemStore returns an empty MemStore with the given partition count.
func NewMemStore(partitions int32) *MemStore {
	s := &MemStore{partitions: partitions}
	s.mu.batches = make([][][]byte, partitions)
	return s
}

// Partitions implements Store.
func (s *MemStore) Partitions() int32 { return s.partitions }

// Append implements Store.
func (s *MemStore) Append(ctx context.Context, partition int32, records []batch.Record) error {
	if err := s.check(partition); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := batch.Encode(nil, records, batch.EncodeOptions{BaseTimestamp: time.Now().UnixMilli()})
	if err != nil {
		return fmt.Errorf("group: append: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mu.batches[partition] = append(s.mu.batches[partition], b)
	return nil
}

// Replay implements Store.
func (s *MemStore) Replay(ctx context.Context, partition int32, fn func(key, value []byte) error) error {
	if err := s.check(partition); err != nil {
		return err
	}
	s.mu.Lock()
	batches := s.mu.batches[partition][:len(s.mu.batches[partition]):len(s.mu.batches[partition])]
	s.mu.Unlock()
	for _, b := range batches {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := replayBatch(b, fn); err != nil {
			return err
		}
	}
	return nil
}

func (s *MemStore) check(partition int32) error {
	if partition < 0 || partition >= s.partitions {
		return fmt.Errorf("group: partition %d outside 0-%d", partition, s.partitions-1)
	}
	return nil
}

// replayBatch validates one stored batch and calls fn for each record.
func replayBatch(b []byte, fn func(key, value []byte) error) error {
	if _, err := batch.Validate(b); err != nil {
		return fmt.Errorf("group: replay: %w", err)
	}
	r, err := batch.Records(b, 0)
	if err != nil {
		return fmt.Errorf("group: replay: %w", err)
	}
	for rec, ok := r.Next(); ok; rec, ok = r.Next() {
		if err := fn(rec.Key, rec.Value); err != nil {
			return err
		}
	}
	return r.Err()
}
