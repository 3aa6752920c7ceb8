package replication

import (
	"context"
	"fmt"

	"github.com/strata-streaming/strata/tiered"
	"github.com/strata-streaming/strata/tiered/batch"
)

// replayChunk bounds the bytes read at once when the producer state is
// rebuilt from the log; a single larger batch is read whole.
const replayChunk = 1 << 20

// loadProducers rebuilds the producer state at open: from the newest
// snapshot at or below the log end, then by replaying the batch headers
// from there to the log end. Snapshots above the log end (a crash cut the
// log), below the log start (DeleteRecords or retention passed them) and
// unreadable ones are removed; without a usable one the state is rebuilt
// from the log start, and producers seen only before it are unknown, so
// their next batch is accepted (as in Kafka).
func (p *Partition) loadProducers(l *tiered.Log) (producerState, error) {
	offsets, err := listSnapshots(p.dir)
	if err != nil {
		return nil, err
	}
	end, start := l.EndOffset(), l.StartOffset()
	var stale []int64
	state, from := producerState{}, start
	for i := len(offsets) - 1; i >= 0; i-- {
		off := offsets[i]
		if off > end || off < start {
			// Above the end a crash cut the log; below the start the
			// batches between the snapshot and the start are gone, so
			// the snapshot cannot be brought up to date.
			stale = append(stale, off)
			continue
		}
		s, err := readSnapshot(p.dir, off)
		if err != nil {
			p.env.log.Warn("replication: skipping producer snapshot", "dir", p.dir, "offset", off, "err", err)
			stale = append(stale, off)
			continue
		}
		state, from = s, max(off, start)
		break
	}
	if err := removeSnapshots(p.dir, stale); err != nil {
		return nil, err
	}
	if err := replayProducers(l, state, from, end); err != nil {
		return nil, fmt.Errorf("replay producer state from %d: %w", from, err)
	}
	return state, nil
}

// replayProducers applies the idempotent batches in [from, end) to state,
// reading the log in bounded chunks.
func replayProducers(l *tiered.Log, state producerState, from, end int64) error {
	var buf []byte
	for from < end {
		recs, err := l.Read(context.Background(), from, replayChunk, end)
		if err != nil {
			return err
		}
		buf, err = recs.AppendTo(buf[:0])
		next := recs.NextOffset
		recs.Close()
		if err != nil {
			return err
		}
		if len(buf) == 0 || next <= from {
			return nil
		}
		it := batch.NewIter(buf)
		for {
			h, _, ok := it.Next()
			if !ok {
				break
			}
			state.apply(&h)
		}
		if it.Err() != nil {
			return it.Err()
		}
		from = next
	}
	return nil
}
