package replication

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// A producer whose batches all lie between the newest usable snapshot and
// the log start offset (DeleteRecords moved it into the active segment)
// must not come back from a crash with the snapshot's stale sequence: the
// replay skips [snapshot, start), so the snapshot's entry is older than
// what the producer last wrote. Kafka never loads a snapshot at or below
// the log start offset (truncateAndReload deletes them and rebuilds from
// the log start), so the producer is unknown and its next sequence is
// accepted.
func TestStaleSnapshotProducerBelowLogStart(t *testing.T) {
	dir := t.TempDir()
	cfg := smallTopicConfig()
	m := testManager(t, dir, cfg, nil)
	img := newImage(newTopic("t", 1, 1))
	mustApply(t, m, img)
	p := mustPartition(t, m, "t", 0)

	mustProduce(t, p, idem(7, 0, 0, 1), 1) // producer 7, sequence 0, in segment 0
	for len(p.Log().Segments()) == 1 {
		mustProduce(t, p, plain(1, 0), 1)
	}
	// Segment 0 rolled: the snapshot at the new segment's base holds
	// producer 7 at sequence 0.
	rolled := p.Log().Segments()[1].BaseOffset
	// Producer 7's sequence 1 lands in the active segment, then another
	// record follows it.
	at := mustProduce(t, p, idem(7, 0, 1, 1), 1).BaseOffset
	mustProduce(t, p, plain(1, 0), 1)
	if _, err := p.DeleteRecords(context.Background(), at+1); err != nil {
		t.Fatal(err)
	}
	snaps, _ := listSnapshots(p.Dir())
	if len(snaps) == 0 || snaps[len(snaps)-1] != rolled || rolled > at {
		t.Fatalf("snapshots %v, roll at %d, sequence 1 at %d: the test wants the newest snapshot below it", snaps, rolled, at)
	}

	m2 := crashCopy(t, dir, cfg)
	mustApply(t, m2, img)
	p2 := mustPartition(t, m2, "t", 0)
	// The producer goes on with sequence 2, as it must.
	if _, err := p2.Produce(context.Background(), idem(7, 0, 2, 1), 1); err != nil {
		t.Fatalf("sequence 2 after a crash refused: %v (the partition resumed producer 7 from the stale snapshot at %d)", err, rolled)
	}
}

// An append whose batches were written must be recorded in the producer
// state even when a later step of the append (the checkpoint written when a
// segment is sealed) fails: otherwise the producer's retry of the batch is
// taken for a new one and written twice.
func TestIdempotentRetryAfterSealCheckpointFailure(t *testing.T) {
	_, p := openOne(t, smallTopicConfig())
	seq := int32(0)
	for range 3 {
		mustProduce(t, p, idem(9, 0, seq, 1), 1)
		seq++
	}
	// From here on the checkpoint cannot be written: its temporary file's
	// name is taken by a directory (a stand-in for ENOSPC or EIO on the
	// small checkpoint write while the segment write succeeded).
	if err := os.Mkdir(filepath.Join(p.Dir(), "checkpoint.tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	segs := len(p.Log().Segments())
	var failedSeq int32 = -1
	for len(p.Log().Segments()) == segs {
		b := idem(9, 0, seq, 1)
		_, err := p.Produce(context.Background(), b, 1)
		if err != nil {
			failedSeq = seq
			// The producer retries the very same batch.
			if _, err := p.Produce(context.Background(), idem(9, 0, seq, 1), 1); err != nil {
				t.Logf("retry of sequence %d: %v", seq, err)
			}
		}
		seq++
	}
	if failedSeq < 0 {
		t.Skip("the roll did not fail the append; nothing to check")
	}
	// Force the high watermark over everything appended.
	mustProduce(t, p, plain(1, 0), 1)
	count := 0
	for _, h := range readHeaders(t, p) {
		if h.ProducerID == 9 && h.BaseSequence == failedSeq {
			count++
		}
	}
	if count != 1 {
		t.Fatalf("producer 9 sequence %d is in the log %d times; an idempotent retry must never duplicate", failedSeq, count)
	}
}
