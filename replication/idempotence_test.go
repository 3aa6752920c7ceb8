package replication

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestDuplicateBatchAnsweredWithOriginalOffset(t *testing.T) {
	_, p := openOne(t, DefaultTopicConfig())
	mustProduce(t, p, plain(3, 0), 1)
	first := mustProduce(t, p, idem(1, 0, 0, 5), 1)
	mustProduce(t, p, idem(1, 0, 5, 2), 1)
	mustProduce(t, p, plain(1, 0), 1)
	end := p.LogEndOffset()
	for _, acks := range []int16{1, -1, 0} {
		retry := mustProduce(t, p, idem(1, 0, 0, 5), acks)
		if retry.BaseOffset != first.BaseOffset {
			t.Fatalf("retry answered offset %d, original %d", retry.BaseOffset, first.BaseOffset)
		}
	}
	if p.LogEndOffset() != end {
		t.Fatalf("a retry was appended: log end %d, was %d", p.LogEndOffset(), end)
	}
	// The sequence goes on after the latest batch, not the retried one.
	mustProduce(t, p, idem(1, 0, 7, 1), 1)
}

func TestRememberedBatchesAreTheLastFive(t *testing.T) {
	_, p := openOne(t, DefaultTopicConfig())
	var offsets []int64
	for s := range int32(7) {
		offsets = append(offsets, mustProduce(t, p, idem(1, 0, s, 1), 1).BaseOffset)
	}
	for s := int32(2); s < 7; s++ {
		if res := mustProduce(t, p, idem(1, 0, s, 1), 1); res.BaseOffset != offsets[s] {
			t.Fatalf("retry of sequence %d answered %d, want %d", s, res.BaseOffset, offsets[s])
		}
	}
	// Sequence 1 is forgotten: it is out of order now.
	wantErr(t, produceErr(p, idem(1, 0, 1, 1)), ErrOutOfOrderSequence)
}

func TestSequenceChecks(t *testing.T) {
	_, p := openOne(t, DefaultTopicConfig())
	// A producer the partition does not know may start anywhere.
	mustProduce(t, p, idem(1, 0, 42, 3), 1)
	wantErr(t, produceErr(p, idem(1, 0, 46, 1)), ErrOutOfOrderSequence)
	wantErr(t, produceErr(p, idem(1, 0, 44, 2)), ErrOutOfOrderSequence) // overlaps, not a retry
	mustProduce(t, p, idem(1, 0, 45, 1), 1)

	// A newer epoch must start at 0, and fences the older one.
	wantErr(t, produceErr(p, idem(1, 1, 46, 1)), ErrOutOfOrderSequence)
	mustProduce(t, p, idem(1, 1, 0, 2), 1)
	wantErr(t, produceErr(p, idem(1, 0, 46, 1)), ErrInvalidProducerEpoch)
	mustProduce(t, p, idem(1, 1, 2, 1), 1)

	// Producers are independent.
	mustProduce(t, p, idem(2, 5, 1000, 1), 1)
	mustProduce(t, p, idem(1, 1, 3, 1), 1)
	if p.LogEndOffset() != 9 {
		t.Fatalf("log end %d", p.LogEndOffset())
	}
}

func TestSequenceWrapsToZero(t *testing.T) {
	_, p := openOne(t, DefaultTopicConfig())
	mustProduce(t, p, idem(1, 0, math.MaxInt32-1, 2), 1)
	mustProduce(t, p, idem(1, 0, 0, 1), 1)
	// A batch crossing the wrap is recognised as a retry.
	res := mustProduce(t, p, idem(2, 0, math.MaxInt32-1, 3), 1)
	if again := mustProduce(t, p, idem(2, 0, math.MaxInt32-1, 3), 1); again.BaseOffset != res.BaseOffset {
		t.Fatalf("wrapped retry answered %d, want %d", again.BaseOffset, res.BaseOffset)
	}
	mustProduce(t, p, idem(2, 0, 1, 1), 1)
}

func TestProducerStateSurvivesClose(t *testing.T) {
	dir := t.TempDir()
	m := testManager(t, dir, smallTopicConfig(), nil)
	img := newImage(newTopic("t", 1, 1))
	mustApply(t, m, img)
	p := mustPartition(t, m, "t", 0)
	for s := range int32(20) {
		mustProduce(t, p, idem(1, 0, 2*s, 2), 1)
	}
	last := p.LogEndOffset() - 2
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "t-0", snapshotName(p.LogEndOffset()))); err != nil {
		t.Fatalf("no snapshot at the log end after a clean close: %v", err)
	}

	m = testManager(t, dir, smallTopicConfig(), nil)
	mustApply(t, m, img)
	p = mustPartition(t, m, "t", 0)
	if res := mustProduce(t, p, idem(1, 0, 38, 2), 1); res.BaseOffset != last {
		t.Fatalf("retry after restart answered %d, want %d", res.BaseOffset, last)
	}
	wantErr(t, produceErr(p, idem(1, 0, 41, 2)), ErrOutOfOrderSequence)
	mustProduce(t, p, idem(1, 0, 40, 2), 1)
}

// crashCopy copies the data directory of a running manager — what a crash
// would leave — and opens a manager over the copy.
func crashCopy(t *testing.T, dir string, cfg TopicConfig) *Manager {
	t.Helper()
	crashed := t.TempDir()
	copyDir(t, dir, crashed)
	return testManager(t, crashed, cfg, nil)
}

func TestProducerStateSurvivesCrash(t *testing.T) {
	dir := t.TempDir()
	m := testManager(t, dir, smallTopicConfig(), nil)
	img := newImage(newTopic("t", 1, 1))
	mustApply(t, m, img)
	p := mustPartition(t, m, "t", 0)
	var offsets []int64
	for s := range int32(40) {
		offsets = append(offsets, mustProduce(t, p, idem(1, 0, 2*s, 2), -1).BaseOffset)
		mustProduce(t, p, plain(1, 0), 1)
	}
	mustProduce(t, p, idem(2, 3, 0, 1), -1)
	if len(p.Log().Segments()) < 3 {
		t.Fatalf("only %d segments: the test wants rolls", len(p.Log().Segments()))
	}
	snaps, _ := listSnapshots(p.Dir())
	if len(snaps) == 0 || len(snaps) > snapshotsKept || snaps[len(snaps)-1] >= p.LogEndOffset() {
		t.Fatalf("snapshots %v after the rolls, log end %d: the test wants a replay", snaps, p.LogEndOffset())
	}

	m2 := crashCopy(t, dir, smallTopicConfig())
	mustApply(t, m2, img)
	p2 := mustPartition(t, m2, "t", 0)
	if p2.LogEndOffset() != p.LogEndOffset() {
		t.Fatalf("log end %d after the crash, %d before", p2.LogEndOffset(), p.LogEndOffset())
	}
	for s := int32(35); s < 40; s++ {
		if res := mustProduce(t, p2, idem(1, 0, 2*s, 2), 1); res.BaseOffset != offsets[s] {
			t.Fatalf("retry of sequence %d answered %d, want %d", 2*s, res.BaseOffset, offsets[s])
		}
	}
	wantErr(t, produceErr(p2, idem(2, 2, 1, 1)), ErrInvalidProducerEpoch)
	mustProduce(t, p2, idem(1, 0, 80, 1), 1)
}

func TestProducerStateRebuiltWithoutSnapshots(t *testing.T) {
	dir := t.TempDir()
	m := testManager(t, dir, DefaultTopicConfig(), nil)
	img := newImage(newTopic("t", 1, 1))
	mustApply(t, m, img)
	p := mustPartition(t, m, "t", 0)
	res := mustProduce(t, p, idem(1, 0, 0, 3), -1)
	mustProduce(t, p, plain(2, 0), -1)
	if snaps, _ := listSnapshots(p.Dir()); len(snaps) != 0 {
		t.Fatalf("snapshots %v: the test wants none", snaps)
	}

	m2 := crashCopy(t, dir, DefaultTopicConfig())
	mustApply(t, m2, img)
	p2 := mustPartition(t, m2, "t", 0)
	if again := mustProduce(t, p2, idem(1, 0, 0, 3), 1); again.BaseOffset != res.BaseOffset {
		t.Fatalf("retry answered %d, want %d", again.BaseOffset, res.BaseOffset)
	}
}

func TestSnapshotAboveLogEndIgnored(t *testing.T) {
	dir := t.TempDir()
	m := testManager(t, dir, DefaultTopicConfig(), nil)
	img := newImage(newTopic("t", 1, 1))
	mustApply(t, m, img)
	p := mustPartition(t, m, "t", 0)
	mustProduce(t, p, idem(1, 0, 0, 3), -1)
	// A snapshot from a longer log that a crash cut short claims an epoch
	// the log never saw.
	state := producerState{1: {epoch: 9, batches: []batchInfo{{firstSeq: 0, lastSeq: 0, firstOffset: 50, lastOffset: 50}}}}
	if err := writeSnapshot(p.Dir(), 100, encodeSnapshot(100, state)); err != nil {
		t.Fatal(err)
	}
	m2 := crashCopy(t, dir, DefaultTopicConfig())
	mustApply(t, m2, img)
	p2 := mustPartition(t, m2, "t", 0)
	mustProduce(t, p2, idem(1, 0, 3, 1), 1)
	if snaps, _ := listSnapshots(p2.Dir()); len(snaps) > 0 && snaps[len(snaps)-1] > p2.LogEndOffset() {
		t.Fatalf("snapshots %v left above the log end", snaps)
	}
}

func TestExpireProducers(t *testing.T) {
	clk := newClock()
	m := testManager(t, t.TempDir(), DefaultTopicConfig(), clk)
	mustApply(t, m, newImage(newTopic("t", 1, 1)))
	p := mustPartition(t, m, "t", 0)
	now := clk.now().UnixMilli()
	mustProduce(t, p, batchIdemAt(1, 0, now), 1)
	mustProduce(t, p, batchIdemAt(2, 0, now+int64(time.Hour/time.Millisecond)), 1)
	clk.advance(24*time.Hour + time.Minute)
	if n := m.ExpireProducers(); n != 1 {
		t.Fatalf("expired %d producers, want 1", n)
	}
	// Producer 1 is forgotten and may start anywhere; 2 is still checked.
	mustProduce(t, p, idem(1, 0, 77, 1), 1)
	wantErr(t, produceErr(p, idem(2, 0, 77, 1)), ErrOutOfOrderSequence)
}
