package segment

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/strata-streaming/strata/tiered/batch"
	"github.com/strata-streaming/strata/tiered/batch/batchtest"
)

func TestAppendAssignsOffsets(t *testing.T) {
	clk := newClock()
	l := openLog(t, t.TempDir(), testConfig(clk))
	defer l.Close()
	var want int64
	for i := 1; i <= 20; i++ {
		res := mustAppend(t, l, values(i, 10, 1000))
		if res.BaseOffset != want || res.LastOffset != want+int64(i)-1 || res.LogEndOffset != want+int64(i) {
			t.Fatalf("append %d: %+v, want base %d", i, res, want)
		}
		if !res.AppendTime.Equal(clk.now()) {
			t.Fatalf("append time %v, want %v", res.AppendTime, clk.now())
		}
		want += int64(i)
	}
	if l.EndOffset() != want {
		t.Fatalf("end %d, want %d", l.EndOffset(), want)
	}
	hdrs := readAll(t, l, 1<<20)
	next := int64(0)
	for _, h := range hdrs {
		if h.BaseOffset != next {
			t.Fatalf("batch base %d, want %d", h.BaseOffset, next)
		}
		next = h.NextOffset()
	}
}

func TestAppendSeveralBatchesAtOnce(t *testing.T) {
	l := openLog(t, t.TempDir(), testConfig(newClock()))
	defer l.Close()
	buf := append(values(3, 10, 1), values(2, 10, 1)...)
	res := mustAppend(t, l, buf)
	if res.BaseOffset != 0 || res.LogEndOffset != 5 {
		t.Fatalf("result %+v", res)
	}
	hdrs := readAll(t, l, 1<<20)
	if len(hdrs) != 2 || hdrs[1].BaseOffset != 3 {
		t.Fatalf("headers %+v", hdrs)
	}
}

func TestAppendRejectsBadInput(t *testing.T) {
	l := openLog(t, t.TempDir(), testConfig(newClock()))
	defer l.Close()
	good := values(2, 10, 1)
	corrupt := values(2, 10, 1)
	corrupt[len(corrupt)-1] ^= 0xff
	huge := values(60, 100, 1)
	for _, tc := range []struct {
		name string
		buf  []byte
		want error
	}{
		{"empty", nil, ErrEmptyAppend},
		{"crc", corrupt, batch.ErrCRC},
		{"truncated", good[:len(good)-3], batch.ErrShort},
		{"good then torn", append(append([]byte(nil), good...), good[:30]...), batch.ErrShort},
		{"larger than segment.bytes", huge, ErrBatchTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := l.Append(tc.buf, AppendOptions{LeaderEpoch: -1})
			wantErr(t, err, tc.want)
			if l.EndOffset() != 0 || l.Size() != 0 {
				t.Fatalf("a rejected append wrote: end %d size %d", l.EndOffset(), l.Size())
			}
		})
	}
}

func TestAppendOptions(t *testing.T) {
	clk := newClock()
	l := openLog(t, t.TempDir(), testConfig(clk))
	defer l.Close()
	mustAppend(t, l, values(2, 10, 5))
	if _, err := l.Append(values(2, 10, 5), AppendOptions{LogAppendTime: true, LeaderEpoch: 7}); err != nil {
		t.Fatal(err)
	}
	hdrs := readAll(t, l, 1<<20)
	if hdrs[0].LogAppendTime() || hdrs[0].PartitionLeaderEpoch != 0 {
		t.Fatalf("first batch %+v", hdrs[0])
	}
	h := hdrs[1]
	if !h.LogAppendTime() || h.MaxTimestamp != clk.now().UnixMilli() || h.PartitionLeaderEpoch != 7 {
		t.Fatalf("second batch %+v", h)
	}
	if ts, off := l.MaxTimestamp(); ts != clk.now().UnixMilli() || off != 2 {
		t.Fatalf("max timestamp %d at %d", ts, off)
	}
}

func TestReadBounds(t *testing.T) {
	l := openLog(t, t.TempDir(), testConfig(newClock()))
	defer l.Close()
	for i := 0; i < 30; i++ {
		mustAppend(t, l, values(4, 50, int64(i)))
	}
	end := l.EndOffset()
	t.Run("out of range", func(t *testing.T) {
		_, err := l.Read(end+1, 100, NoMaxOffset)
		wantErr(t, err, ErrOffsetOutOfRange)
		_, err = l.Read(-1, 100, NoMaxOffset)
		wantErr(t, err, ErrOffsetOutOfRange)
	})
	t.Run("at end", func(t *testing.T) {
		r, err := l.Read(end, 100, NoMaxOffset)
		if err != nil || !r.Empty() || r.NextOffset != end {
			t.Fatalf("read at end: %+v, %v", r, err)
		}
	})
	t.Run("mid batch returns the whole batch", func(t *testing.T) {
		r, err := l.Read(6, 1, NoMaxOffset)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if r.BaseOffset != 4 || r.NextOffset != 8 {
			t.Fatalf("read 6: base %d next %d, want 4 and 8", r.BaseOffset, r.NextOffset)
		}
	})
	t.Run("max bytes stops at a batch boundary", func(t *testing.T) {
		one, _ := l.Read(0, 1, NoMaxOffset)
		size := one.Len
		one.Close()
		r, _ := l.Read(0, int(3*size+size/2), NoMaxOffset)
		defer r.Close()
		if r.Len != 3*size || r.NextOffset != 12 {
			t.Fatalf("len %d next %d, want %d and 12", r.Len, r.NextOffset, 3*size)
		}
	})
	t.Run("max offset excludes a batch it cuts", func(t *testing.T) {
		r, _ := l.Read(0, 1<<20, 10)
		defer r.Close()
		if r.NextOffset != 8 {
			t.Fatalf("next %d, want 8", r.NextOffset)
		}
		e, _ := l.Read(8, 1<<20, 10)
		if !e.Empty() {
			t.Fatalf("read below a batch cut by max offset: %+v", e)
		}
	})
	t.Run("every offset", func(t *testing.T) {
		for off := int64(0); off < end; off++ {
			r, err := l.Read(off, 1, NoMaxOffset)
			if err != nil {
				t.Fatal(err)
			}
			if r.BaseOffset != off/4*4 || r.NextOffset != off/4*4+4 {
				t.Fatalf("read %d: base %d next %d", off, r.BaseOffset, r.NextOffset)
			}
			r.Close()
		}
	})
}

func TestRollRules(t *testing.T) {
	t.Run("segment.bytes", func(t *testing.T) {
		clk := newClock()
		l := openLog(t, t.TempDir(), testConfig(clk))
		defer l.Close()
		b := values(1, 900, 1)
		for i := 0; i < 9; i++ {
			mustAppend(t, l, append([]byte(nil), b...))
		}
		segs := l.Segments()
		per := 4096 / len(b)
		if len(segs) != (9+per-1)/per {
			t.Fatalf("%d segments of %d-byte batches, %d per segment", len(segs), len(b), per)
		}
		for i, s := range segs {
			if s.Size > 4096 || s.Sealed != (i < len(segs)-1) {
				t.Fatalf("segment %d: %+v", i, s)
			}
		}
	})
	t.Run("segment.ms", func(t *testing.T) {
		clk := newClock()
		cfg := testConfig(clk)
		cfg.SegmentMs = 1000
		l := openLog(t, t.TempDir(), cfg)
		defer l.Close()
		mustAppend(t, l, values(1, 10, 1))
		clk.advance(999 * time.Millisecond)
		mustAppend(t, l, values(1, 10, 1))
		if n := len(l.Segments()); n != 1 {
			t.Fatalf("rolled early: %d segments", n)
		}
		clk.advance(time.Millisecond)
		mustAppend(t, l, values(1, 10, 1))
		if n := len(l.Segments()); n != 2 {
			t.Fatalf("did not roll at segment.ms: %d segments", n)
		}
	})
	t.Run("segment.jitter.ms", func(t *testing.T) {
		clk := newClock()
		cfg := testConfig(clk)
		cfg.SegmentMs, cfg.SegmentJitterMs = 1000, 500
		l := openLog(t, t.TempDir(), cfg)
		defer l.Close()
		mustAppend(t, l, values(1, 10, 1))
		clk.advance(499 * time.Millisecond)
		mustAppend(t, l, values(1, 10, 1))
		if n := len(l.Segments()); n != 1 {
			t.Fatalf("rolled before segment.ms minus the largest jitter: %d segments", n)
		}
		clk.advance(501 * time.Millisecond)
		mustAppend(t, l, values(1, 10, 1))
		if n := len(l.Segments()); n != 2 {
			t.Fatalf("did not roll at segment.ms: %d segments", n)
		}
	})
	t.Run("index full", func(t *testing.T) {
		clk := newClock()
		cfg := testConfig(clk)
		cfg.SegmentBytes, cfg.IndexIntervalBytes, cfg.MaxIndexBytes = 1<<20, 0, 4*timeEntrySize
		l := openLog(t, t.TempDir(), cfg)
		defer l.Close()
		for i := 0; i < 12; i++ {
			mustAppend(t, l, values(1, 10, int64(i+1)))
		}
		// Every batch is indexed; four time entries fill the time index.
		if n := len(l.Segments()); n < 3 {
			t.Fatalf("index-full roll: %d segments", n)
		}
		readAll(t, l, 1<<20)
	})
	t.Run("empty segment never rolls", func(t *testing.T) {
		clk := newClock()
		cfg := testConfig(clk)
		cfg.SegmentMs = 1
		l := openLog(t, t.TempDir(), cfg)
		defer l.Close()
		clk.advance(time.Hour)
		mustAppend(t, l, values(1, 10, 1))
		if n := len(l.Segments()); n != 1 {
			t.Fatalf("an empty segment rolled: %d segments", n)
		}
	})
}

func TestSealAndSegmentFiles(t *testing.T) {
	dir := t.TempDir()
	l := openLog(t, dir, testConfig(newClock()))
	defer l.Close()
	mustAppend(t, l, values(3, 10, 1))
	if err := l.Seal(); err != nil {
		t.Fatal(err)
	}
	if err := l.Seal(); err != nil { // nothing to seal: no empty segment is rolled
		t.Fatal(err)
	}
	segs := l.Segments()
	if len(segs) != 2 || !segs[0].Sealed || segs[1].BaseOffset != 3 || segs[1].Size != 0 {
		t.Fatalf("segments %+v", segs)
	}
	for _, name := range []string{"00000000000000000000.log", "00000000000000000000.index",
		"00000000000000000000.timeindex", "00000000000000000003.log", "checkpoint"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("missing %s: %v", name, err)
		}
	}
}

func TestReadByTime(t *testing.T) {
	clk := newClock()
	l := openLog(t, t.TempDir(), testConfig(clk))
	defer l.Close()
	// Batch i has timestamps 100*i .. 100*i+3, except batch 5, whose
	// timestamps run back in time: the answer is the first batch in offset
	// order whose max timestamp reaches the one asked for.
	for i := 0; i < 40; i++ {
		ts := int64(100 * i)
		if i == 5 {
			ts = 10
		}
		mustAppend(t, l, values(4, 40, ts))
	}
	for _, tc := range []struct {
		ts       int64
		wantBase int64
		found    bool
	}{
		{0, 0, true}, {3, 0, true}, {4, 4, true}, {13, 4, true}, {103, 4, true},
		{104, 8, true}, {403, 16, true}, {404, 24, true}, {600, 24, true},
		{3903, 156, true}, {3904, 0, false},
	} {
		got, err := l.ReadByTime(tc.ts)
		if err != nil {
			t.Fatal(err)
		}
		if got.Found != tc.found || (tc.found && got.Batch.BaseOffset != tc.wantBase) {
			t.Errorf("ReadByTime(%d) = %+v, want base %d found %v", tc.ts, got.Batch, tc.wantBase, tc.found)
		}
		got.Batch.Close()
	}
}

func TestReopenClean(t *testing.T) {
	dir := t.TempDir()
	clk := newClock()
	l := openLog(t, dir, testConfig(clk))
	var want [][]byte
	for i := 0; i < 50; i++ {
		b := values(i%5+1, 30, int64(i))
		mustAppend(t, l, b)
		want = append(want, b)
	}
	end := l.EndOffset()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	ck, ok := readCheckpoint(dir)
	if !ok || !ck.clean || ck.logEndOffset != end {
		t.Fatalf("checkpoint after close: %+v %v", ck, ok)
	}
	l = openLog(t, dir, testConfig(clk))
	defer l.Close()
	if ck, _ := readCheckpoint(dir); ck.clean {
		t.Fatal("clean flag not cleared on open")
	}
	if l.EndOffset() != end {
		t.Fatalf("end %d, want %d", l.EndOffset(), end)
	}
	checkContent(t, l, want)
	mustAppend(t, l, values(1, 10, 1))
}

// checkContent reads the log and compares it batch by batch with want.
func checkContent(t *testing.T, l *Log, want [][]byte) {
	t.Helper()
	r, err := l.Read(l.StartOffset(), 1<<30, NoMaxOffset)
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	for off := l.StartOffset(); off < l.EndOffset(); {
		r, err = l.Read(off, 1<<30, NoMaxOffset)
		if err != nil {
			t.Fatal(err)
		}
		got, err = r.AppendTo(got)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		off = r.NextOffset
	}
	if !bytes.Equal(got, bytes.Join(want, nil)) {
		t.Fatalf("log content differs from what was appended (%d vs %d bytes)", len(got), len(bytes.Join(want, nil)))
	}
}

func TestReopenAfterCrashRecovers(t *testing.T) {
	dir := t.TempDir()
	clk := newClock()
	l := openLog(t, dir, testConfig(clk))
	var want [][]byte
	for i := 0; i < 30; i++ {
		b := values(3, 40, int64(i))
		mustAppend(t, l, b)
		want = append(want, b)
	}
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	l.waitSealed() // a crash stops everything: nothing writes after it
	// Simulate a crash: no Close, and a torn batch at the tail.
	segs := l.Segments()
	active := segmentPath(dir, segs[len(segs)-1].BaseOffset, logSuffix)
	f, err := os.OpenFile(active, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(values(3, 40, 1)[:50])
	f.Close()
	l2 := openLog(t, dir, testConfig(clk))
	defer l2.Close()
	if l2.EndOffset() != 90 {
		t.Fatalf("end after recovery %d, want 90", l2.EndOffset())
	}
	checkContent(t, l2, want)
	res := mustAppend(t, l2, values(1, 10, 1))
	if res.BaseOffset != 90 {
		t.Fatalf("append after recovery at %d", res.BaseOffset)
	}
}

func TestRecoveryRebuildsMissingIndexes(t *testing.T) {
	dir := t.TempDir()
	clk := newClock()
	l := openLog(t, dir, testConfig(clk))
	var want [][]byte
	for i := 0; i < 40; i++ {
		b := values(2, 100, int64(i*10))
		mustAppend(t, l, b)
		want = append(want, b)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// Delete one sealed segment's indexes and corrupt another's; keep the
	// clean flag so the cheap path meets them first.
	segs, _ := scanDir(dir)
	os.Remove(segmentPath(dir, segs[0], indexSuffix))
	os.WriteFile(segmentPath(dir, segs[1], timeIndexSuffix), []byte{1, 2, 3}, 0o644)
	l = openLog(t, dir, testConfig(clk))
	defer l.Close()
	checkContent(t, l, want)
	for i := range 40 {
		got, err := l.ReadByTime(int64(i * 10))
		if err != nil || !got.Found || got.Batch.BaseOffset != int64(2*i) {
			t.Fatalf("ReadByTime(%d) = %+v %v", i*10, got.Batch, err)
		}
		got.Batch.Close()
	}
	if _, err := os.Stat(segmentPath(dir, segs[0], indexSuffix)); err != nil {
		t.Fatalf("index not rebuilt: %v", err)
	}
}

func TestRecoveryDropsSegmentsAfterATornOne(t *testing.T) {
	dir := t.TempDir()
	clk := newClock()
	l := openLog(t, dir, testConfig(clk))
	for i := 0; i < 40; i++ {
		mustAppend(t, l, values(2, 100, int64(i)))
	}
	l.Sync()
	l.waitSealed() // a crash stops everything: no seal writes after it
	segs := l.Segments()
	if len(segs) < 3 {
		t.Fatalf("want several segments, have %d", len(segs))
	}
	// Corrupt a batch in the middle of the second segment and make the
	// checkpoint vouch for nothing.
	l.mu.Lock()
	for i := range l.mu.synced {
		l.mu.synced[i] = false
	}
	l.mu.Unlock()
	l.saveCheckpoint()
	path := segmentPath(dir, segs[1].BaseOffset, logSuffix)
	data, _ := os.ReadFile(path)
	data[len(data)/2] ^= 0xff
	os.WriteFile(path, data, 0o644)

	l2 := openLog(t, dir, testConfig(clk))
	defer l2.Close()
	got := l2.Segments()
	if len(got) != 2 || got[1].BaseOffset != segs[1].BaseOffset {
		t.Fatalf("segments after recovery %+v", got)
	}
	if l2.EndOffset() <= segs[1].BaseOffset || l2.EndOffset() >= segs[1].NextOffset {
		t.Fatalf("end %d, want inside segment [%d, %d)", l2.EndOffset(), segs[1].BaseOffset, segs[1].NextOffset)
	}
	readAll(t, l2, 1000)
	mustAppend(t, l2, values(1, 10, 1))
}

func TestTruncate(t *testing.T) {
	dir := t.TempDir()
	clk := newClock()
	l := openLog(t, dir, testConfig(clk))
	defer l.Close()
	for i := 0; i < 40; i++ {
		mustAppend(t, l, values(2, 100, int64(i)))
	}
	segs := l.Segments()
	mid := segs[1].BaseOffset + 3 // inside a batch of a sealed segment
	if err := l.Truncate(mid); err != nil {
		t.Fatal(err)
	}
	if l.EndOffset() != mid-1 {
		t.Fatalf("end %d, want %d (the batch holding %d goes)", l.EndOffset(), mid-1, mid)
	}
	if n := len(l.Segments()); n != 2 {
		t.Fatalf("%d segments after truncation, want 2", n)
	}
	hdrs := readAll(t, l, 1<<20)
	if last := hdrs[len(hdrs)-1]; last.NextOffset() != mid-1 {
		t.Fatalf("last batch ends at %d", last.NextOffset())
	}
	res := mustAppend(t, l, values(2, 100, 1))
	if res.BaseOffset != mid-1 {
		t.Fatalf("append after truncation at %d", res.BaseOffset)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openLog(t, dir, testConfig(clk))
	if l.EndOffset() != mid+1 {
		t.Fatalf("end after reopen %d, want %d", l.EndOffset(), mid+1)
	}
	if err := l.Truncate(0); err != nil {
		t.Fatal(err)
	}
	if l.EndOffset() != 0 || l.StartOffset() != 0 || len(l.Segments()) != 1 {
		t.Fatalf("after full truncation: start %d end %d", l.StartOffset(), l.EndOffset())
	}
}

func TestDeleteSegmentsAndStartOffset(t *testing.T) {
	dir := t.TempDir()
	clk := newClock()
	l := openLog(t, dir, testConfig(clk))
	for i := 0; i < 40; i++ {
		mustAppend(t, l, values(2, 100, int64(i)))
	}
	segs := l.Segments()
	// A reader holding the first segment keeps reading it after deletion.
	r, err := l.Read(0, 1<<20, NoMaxOffset)
	if err != nil {
		t.Fatal(err)
	}
	n, err := l.DeleteSegmentsBefore(segs[2].BaseOffset + 1)
	if err != nil || n != 2 {
		t.Fatalf("deleted %d, %v; want 2", n, err)
	}
	if l.StartOffset() != segs[2].BaseOffset {
		t.Fatalf("start %d, want %d", l.StartOffset(), segs[2].BaseOffset)
	}
	if b, err := r.AppendTo(nil); err != nil || len(b) == 0 {
		t.Fatalf("read of a deleted segment: %d bytes, %v", len(b), err)
	}
	r.Close()
	_, err = l.Read(0, 100, NoMaxOffset)
	wantErr(t, err, ErrOffsetOutOfRange)
	if _, err := os.Stat(segmentPath(dir, 0, logSuffix)); !os.IsNotExist(err) {
		t.Fatalf("segment file still there: %v", err)
	}
	// The active segment is never deleted.
	n, _ = l.DeleteSegmentsBefore(l.EndOffset() + 100)
	if got := l.Segments(); len(got) != 1 || n != len(segs)-3 {
		t.Fatalf("after deleting everything: %d deleted, %+v", n, got)
	}
	if err := l.SetStartOffset(l.EndOffset() - 1); err != nil {
		t.Fatal(err)
	}
	wantErr(t, l.SetStartOffset(l.EndOffset()+1), ErrOffsetOutOfRange)
	start := l.StartOffset()
	l.Close()
	l = openLog(t, dir, testConfig(clk))
	defer l.Close()
	if l.StartOffset() != start {
		t.Fatalf("start after reopen %d, want %d", l.StartOffset(), start)
	}
}

func TestFlushPolicy(t *testing.T) {
	clk := newClock()
	cfg := testConfig(clk)
	cfg.FlushMessages = 5
	l := openLog(t, t.TempDir(), cfg)
	defer l.Close()
	mustAppend(t, l, values(4, 10, 1))
	if l.DurableOffset() != 0 {
		t.Fatalf("synced before flush.messages: durable %d", l.DurableOffset())
	}
	mustAppend(t, l, values(1, 10, 1))
	if l.DurableOffset() != 5 {
		t.Fatalf("flush.messages: durable %d, want 5", l.DurableOffset())
	}

	cfg = testConfig(clk)
	cfg.FlushMs = 1000
	l2 := openLog(t, t.TempDir(), cfg)
	defer l2.Close()
	mustAppend(t, l2, values(1, 10, 1))
	l2.FlushIfDue()
	if l2.DurableOffset() != 0 {
		t.Fatal("flushed before flush.ms")
	}
	clk.advance(time.Second)
	if err := l2.FlushIfDue(); err != nil || l2.DurableOffset() != 1 {
		t.Fatalf("flush.ms: durable %d, %v", l2.DurableOffset(), err)
	}
}

func TestGroupCommitConcurrentSync(t *testing.T) {
	cfg := testConfig(newClock())
	cfg.SegmentBytes = 64 << 10
	l := openLog(t, t.TempDir(), cfg)
	defer l.Close()
	const writers, each = 8, 50
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		go func() {
			for i := 0; i < each; i++ {
				res, err := l.Append(values(2, 200, 1), AppendOptions{LeaderEpoch: -1})
				if err == nil {
					err = l.SyncTo(res.LogEndOffset)
				}
				if err == nil && l.DurableOffset() < res.LogEndOffset {
					t.Errorf("SyncTo(%d) returned with durable %d", res.LogEndOffset, l.DurableOffset())
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if l.EndOffset() != writers*each*2 {
		t.Fatalf("end %d", l.EndOffset())
	}
	readAll(t, l, 4096)
}

func TestClosedLog(t *testing.T) {
	l := openLog(t, t.TempDir(), testConfig(newClock()))
	l.Close()
	if err := l.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	_, err := l.Append(values(1, 1, 1), AppendOptions{})
	wantErr(t, err, ErrClosed)
	_, err = l.Read(0, 1, NoMaxOffset)
	wantErr(t, err, ErrClosed)
}

func TestConfigValidate(t *testing.T) {
	for _, mutate := range []func(*Config){
		func(c *Config) { c.SegmentBytes = 1 },
		func(c *Config) { c.SegmentMs = 0 },
		func(c *Config) { c.SegmentJitterMs = -1 },
		func(c *Config) { c.IndexIntervalBytes = -1 },
		func(c *Config) { c.MaxIndexBytes = 8 },
		func(c *Config) { c.FlushMessages = 0 },
		func(c *Config) { c.FlushMs = -1 },
	} {
		c := DefaultConfig()
		mutate(&c)
		wantErr(t, c.Validate(), ErrConfig)
		_, err := Open(t.TempDir(), c)
		wantErr(t, err, ErrConfig)
	}
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestCompressedBatchesStoredAsSent(t *testing.T) {
	l := openLog(t, t.TempDir(), testConfig(newClock()))
	defer l.Close()
	var want [][]byte
	for _, codec := range []batch.Codec{batch.CodecGzip, batch.CodecSnappy, batch.CodecLZ4, batch.CodecZstd} {
		b := batchtest.Values(20, 50, batchtest.Options{Codec: codec, BaseTimestamp: 1})
		orig := append([]byte(nil), b...)
		res := mustAppend(t, l, b)
		batch.SetBaseOffset(orig, res.BaseOffset)
		want = append(want, orig)
	}
	checkContent(t, l, want)
}

// TestAppendValidatedStillFrames: a caller that validated its batches
// skips the second CRC check, but a buffer that does not frame into whole
// batches is still refused.
func TestAppendValidatedStillFrames(t *testing.T) {
	l := openLog(t, t.TempDir(), testConfig(newClock()))
	defer l.Close()
	good := values(2, 10, 1)
	if _, err := l.Append(append([]byte(nil), good...), AppendOptions{LeaderEpoch: -1, Validated: true}); err != nil {
		t.Fatal(err)
	}
	_, err := l.Append(good[:len(good)-3], AppendOptions{LeaderEpoch: -1, Validated: true})
	wantErr(t, err, batch.ErrShort)
	if hdrs := readAll(t, l, 1<<20); len(hdrs) != 1 {
		t.Fatalf("%d batches stored, want 1", len(hdrs))
	}
}
