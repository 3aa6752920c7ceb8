package segment_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/strata-streaming/strata/tiered/batch"
	"github.com/strata-streaming/strata/tiered/batch/batchtest"
	"github.com/strata-streaming/strata/tiered/segment"
)

// fuzzConfig has dense indexes, so that a damaged index file or a damaged
// tail has many entries to get wrong.
func fuzzConfig() segment.Config {
	cfg := segment.DefaultConfig()
	cfg.SegmentBytes = 1 << 20
	cfg.IndexIntervalBytes = 64
	return cfg
}

// fuzzLog is a small, cleanly closed log held in memory and written into a
// fresh directory for each fuzz input: three sealed segments and an active
// one, with compressed and uncompressed batches and timestamps that go
// back and forth.
type fuzzLog struct {
	files   map[string][]byte // file contents by name
	batches []storedBatch     // every batch, in offset order
	segs    []segment.Info
}

func newFuzzLog(tb testing.TB) *fuzzLog {
	tb.Helper()
	dir := tb.TempDir()
	l, err := segment.Open(dir, fuzzConfig())
	if err != nil {
		tb.Fatal(err)
	}
	codecs := []batch.Codec{batch.CodecNone, batch.CodecLZ4, batch.CodecNone, batch.CodecZstd, batch.CodecSnappy}
	for i := range 16 {
		opts := batchtest.Options{Codec: codecs[i%len(codecs)], BaseTimestamp: crashBaseTime + int64(i*37%11)*1000}
		if _, err := l.Append(batchtest.Values(1+i%4, 20+i*3, opts), segment.AppendOptions{LeaderEpoch: 1}); err != nil {
			tb.Fatal(err)
		}
		if i%4 == 3 && i < 12 {
			if err := l.Seal(); err != nil {
				tb.Fatal(err)
			}
		}
	}
	fl := &fuzzLog{files: map[string][]byte{}, segs: l.Segments()}
	fl.batches = readLog(tb, l, func() int { return 1 << 20 })
	if err := l.Close(); err != nil {
		tb.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range entries {
		if fl.files[e.Name()], err = os.ReadFile(filepath.Join(dir, e.Name())); err != nil {
			tb.Fatal(err)
		}
	}
	return fl
}

// write puts the log's files into dir.
func (fl *fuzzLog) write(tb testing.TB, dir string) {
	tb.Helper()
	for name, data := range fl.files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// The directory layout of doc.go.
const (
	logSuffix       = ".log"
	indexSuffix     = ".index"
	timeIndexSuffix = ".timeindex"
	checkpointName  = "checkpoint"
	timeEntrySize   = 12
)

// segmentFile names a segment's file.
func segmentFile(base int64, suffix string) string {
	return fmt.Sprintf("%020d%s", base, suffix)
}

func (fl *fuzzLog) active() segment.Info { return fl.segs[len(fl.segs)-1] }

// sealedBatches returns the batches of the sealed segments.
func (fl *fuzzLog) sealedBatches() []storedBatch {
	var out []storedBatch
	for _, b := range fl.batches {
		if b.BaseOffset < fl.active().BaseOffset {
			out = append(out, b)
		}
	}
	return out
}

// FuzzRecoverTail damages the active segment of a cleanly closed log —
// bytes appended after its last batch, or written over it from a position
// — and deletes the checkpoint, so Open scans. Recovery must keep every
// batch before the first damaged byte, keep each whole valid batch after it
// up to the first that is not, drop the rest, serve what it kept correctly
// and take a new append.
func FuzzRecoverTail(f *testing.F) {
	fl := newFuzzLog(f)
	end := fl.active().NextOffset
	valid := batchtest.Values(3, 40, batchtest.Options{BaseOffset: end, BaseTimestamp: crashBaseTime + 5000})
	huge := bytes.Clone(valid[:batch.HeaderSize])
	binary.BigEndian.PutUint32(huge[8:], math.MaxInt32)
	rng := rand.New(rand.NewPCG(5, 6))
	random := make([]byte, 300)
	for i := range random {
		random[i] = byte(rng.IntN(256))
	}
	f.Add([]byte{}, int32(-1), false)
	f.Add(valid[:30], int32(-1), false)                           // a torn header
	f.Add(valid[:len(valid)-1], int32(-1), false)                 // a torn batch
	f.Add(huge, int32(-1), false)                                 // a header claiming 2 GiB
	f.Add(valid, int32(-1), false)                                // a whole batch: data
	f.Add(append(bytes.Clone(valid), valid...), int32(-1), false) // a batch, then one that overlaps it
	f.Add(random, int32(-1), false)                               // noise
	f.Add(random[:20], int32(100), false)                         // noise inside a batch
	f.Add([]byte{0}, int32(16), false)                            // the first batch's magic
	f.Add(valid, int32(0), true)                                  // a whole batch over the first
	f.Add(bytes.Repeat([]byte{0}, 8), int32(len(valid)+4), false) // zeros, as a lost page leaves
	f.Fuzz(func(t *testing.T, garbage []byte, at int32, fixCRC bool) {
		recoverTail(t, fl, garbage, at, fixCRC)
	})
}

// recoverTail is one FuzzRecoverTail case.
func recoverTail(t *testing.T, fl *fuzzLog, garbage []byte, at int32, fixCRC bool) {
	t.Helper()
	dir := t.TempDir()
	fl.write(t, dir)
	name := segmentFile(fl.active().BaseOffset, logSuffix)
	if fixCRC {
		garbage = fixBatchCRCs(bytes.Clone(garbage))
	}
	damaged := damage(fl.files[name], garbage, at)
	if err := os.WriteFile(filepath.Join(dir, name), damaged, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, checkpointName)); err != nil {
		t.Fatal(err)
	}
	want := fl.sealedBatches()
	want = append(want, survivingBatches(damaged, fl.active().BaseOffset, lastNext(want))...)
	l := openBounded(t, dir, int64(len(damaged))+totalSize(fl.files))
	defer l.Close()
	checkRecovered(t, l, want, true)
	checkAppendAfterRecovery(t, l)
}

// damage writes garbage over seg from position at, or after its end when
// at is negative.
func damage(seg, garbage []byte, at int32) []byte {
	out := bytes.Clone(seg)
	if at < 0 {
		return append(out, garbage...)
	}
	pos := int(at) % (len(seg) + 1)
	if n := pos + len(garbage); n > len(out) {
		out = append(out, make([]byte, n-len(out))...)
	}
	copy(out[pos:], garbage)
	return out
}

// fixBatchCRCs gives every batch that frames in b a correct CRC, so that
// fuzzing reaches past the CRC check into the fields it guards.
func fixBatchCRCs(b []byte) []byte {
	for rest := b; len(rest) >= batch.HeaderSize; {
		h, err := batch.ParseHeader(rest)
		if err != nil || h.Size() > len(rest) {
			break
		}
		batchtest.FixCRC(rest[:h.Size()])
		rest = rest[h.Size():]
	}
	return b
}

// survivingBatches is what recovery keeps of a scanned segment, as doc.go
// specifies it: the batches from the start that frame, validate and follow
// their predecessor in offset order, up to the first that does not. Their
// offsets must also stay within the 32 bits the indexes give them relative
// to the segment's base, which a segment the log wrote always does.
func survivingBatches(seg []byte, base, next int64) []storedBatch {
	var out []storedBatch
	next = max(next, base)
	for rest := seg; len(rest) > 0; {
		h, err := batch.ParseHeader(rest)
		if err != nil || h.Size() > len(rest) {
			break
		}
		b := rest[:h.Size()]
		if _, err := batch.Validate(b); err != nil || h.BaseOffset < next || h.LastOffset()-base > math.MaxInt32 {
			break
		}
		out = append(out, storedBatch{Header: h, data: b})
		next, rest = h.NextOffset(), rest[h.Size():]
	}
	return out
}

func lastNext(bs []storedBatch) int64 {
	if len(bs) == 0 {
		return 0
	}
	return bs[len(bs)-1].NextOffset()
}

func totalSize(files map[string][]byte) int64 {
	var n int64
	for _, data := range files {
		n += int64(len(data))
	}
	return n
}

// openBounded opens the log and checks that recovery allocated memory in
// proportion to the files it read, whatever lengths they claim.
func openBounded(t *testing.T, dir string, fileBytes int64) *segment.Log {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	l, err := segment.Open(dir, fuzzConfig())
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	// Read buffers, index heaps and a copy of the largest batch.
	if n := after.TotalAlloc - before.TotalAlloc; n > uint64(32<<20+4*fileBytes) {
		t.Fatalf("Open allocated %d bytes for %d bytes of files", n, fileBytes)
	}
	return l
}

// checkRecovered checks that l holds exactly the batches of want and finds
// each of them by offset and by timestamp.
func checkRecovered(t *testing.T, l *segment.Log, want []storedBatch, checkTimes bool) {
	t.Helper()
	got := readLog(t, l, func() int { return 200 })
	if len(got) != len(want) {
		t.Fatalf("recovered %d batches, want %d", len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i].data, want[i].data) {
			t.Fatalf("batch %d at offset %d differs from the one at %d", i, got[i].BaseOffset, want[i].BaseOffset)
		}
	}
	if end := lastNext(want); l.EndOffset() != end {
		t.Fatalf("recovered log ends at %d, its last batch at %d", l.EndOffset(), end)
	}
	idx := make([]int, len(got))
	for i := range idx {
		idx[i] = i
	}
	checkReads(t, l, got, idx)
	if checkTimes {
		checkReadByTime(t, l, got, timestampProbes(rand.New(rand.NewPCG(1, 2)), got, 8))
	}
}

// checkAppendAfterRecovery appends a batch and reads it back.
func checkAppendAfterRecovery(t *testing.T, l *segment.Log) {
	t.Helper()
	end := l.EndOffset()
	buf := batchtest.Values(2, 30, batchtest.Options{BaseTimestamp: crashBaseTime})
	res, err := l.Append(buf, segment.AppendOptions{LeaderEpoch: 2})
	if err != nil {
		t.Fatalf("append after recovery: %v", err)
	}
	if res.BaseOffset != end || res.LogEndOffset != end+2 {
		t.Fatalf("append after recovery at %d: got [%d, %d)", end, res.BaseOffset, res.LogEndOffset)
	}
	h, err := batch.Validate(buf)
	if err != nil {
		t.Fatal(err)
	}
	checkReadOne(t, l, storedBatch{Header: h, data: buf}, end, 1, segment.NoMaxOffset)
}

// FuzzOpenIndexes replaces the index files of a sealed segment of a
// cleanly closed log with arbitrary bytes. Open must rebuild them or
// refuse the log; if it opens it, every read must still return the right
// batches, and each segment its right largest timestamp.
func FuzzOpenIndexes(f *testing.F) {
	fl := newFuzzLog(f)
	for i, s := range fl.segs[:len(fl.segs)-1] {
		index := fl.files[segmentFile(s.BaseOffset, indexSuffix)]
		times := fl.files[segmentFile(s.BaseOffset, timeIndexSuffix)]
		f.Add(index, times, uint8(i)) // intact
		f.Add(index[:len(index)-3], times, uint8(i))
		f.Add(index, times[:len(times)-5], uint8(i))
		f.Add(swapEntries(index, 8), times, uint8(i))
		f.Add([]byte{}, []byte{}, uint8(i))
	}
	f.Fuzz(func(t *testing.T, index, times []byte, which uint8) {
		openIndexes(t, fl, int(which)%(len(fl.segs)-1), index, times)
	})
}

// openIndexes is one FuzzOpenIndexes case: the k-th segment's index files
// replaced.
func openIndexes(t *testing.T, fl *fuzzLog, k int, index, times []byte) {
	t.Helper()
	dir := t.TempDir()
	fl.write(t, dir)
	base := fl.segs[k].BaseOffset
	for suffix, data := range map[string][]byte{indexSuffix: index, timeIndexSuffix: times} {
		if err := os.WriteFile(filepath.Join(dir, segmentFile(base, suffix)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l, err := segment.Open(dir, fuzzConfig())
	if err != nil {
		if !errors.Is(err, segment.ErrCorrupt) {
			t.Fatalf("Open refused the log with %v, not ErrCorrupt", err)
		}
		return
	}
	defer l.Close()
	// A time index cut back to whole entries is well formed and passes
	// every check short of a scan (see TestOpenCleanChecksIndexes): the
	// segment's largest timestamp may then be an older one. Reads of data
	// must be right whatever the index files hold.
	orig := fl.files[segmentFile(base, timeIndexSuffix)]
	cut := len(times)%timeEntrySize == 0 && len(times) < len(orig) && bytes.HasPrefix(orig, times)
	for i, s := range l.Segments() {
		if s.MaxTimestamp != fl.segs[i].MaxTimestamp && !(cut && i == k) {
			t.Errorf("segment %d has max timestamp %d, want %d", s.BaseOffset, s.MaxTimestamp, fl.segs[i].MaxTimestamp)
		}
	}
	checkRecovered(t, l, fl.batches, !cut)
}

// TestOpenCleanChecksIndexes opens cleanly closed logs whose sealed
// segment's index files were damaged in ways a check of the last entry
// does not see. Open must rebuild them, or refuse the log, rather than
// serve reads from them.
//
// One damage stays out of reach: a time index cut back to whole entries
// is well formed, and only a scan of every batch header could tell. Strata
// writes index files whole and fsyncs them before a checkpoint vouches for
// them, so only an edit from outside makes one (doc.go, Recovery).
func TestOpenCleanChecksIndexes(t *testing.T) {
	fl := newFuzzLog(t)
	const k = 1 // a sealed segment in the middle
	base := fl.segs[k].BaseOffset
	index := fl.files[segmentFile(base, indexSuffix)]
	times := fl.files[segmentFile(base, timeIndexSuffix)]
	for _, tc := range []struct {
		name         string
		index, times []byte
	}{
		// Read looks the offsets up past the segment's end, finds no batch
		// there and returns the next segment's first batch: the rest of
		// this segment is skipped without an error.
		{"offset entries past the end", shiftPositions(index, 1<<20), times},
		// Read starts walking inside a batch and fails on intact data.
		{"offset entries off batch boundaries", shiftPositions(index, 5), times},
		// The segment's max timestamp, which time retention and ReadByTime
		// read, is the last entry's, unchecked: here the older one.
		{"time index out of order", index, swapEntries(times, timeEntrySize)},
		// Here one no batch has, naming an offset past the segment.
		{"time index of garbage", index, bytes.Repeat([]byte{0x7f}, len(times))},
	} {
		t.Run(tc.name, func(t *testing.T) { openIndexes(t, fl, k, tc.index, tc.times) })
	}
}

// swapEntries swaps the first two entries of an index.
func swapEntries(index []byte, size int) []byte {
	out := bytes.Clone(index)
	if len(out) >= 2*size {
		copy(out[:size], index[size:2*size])
		copy(out[size:2*size], index[:size])
	}
	return out
}

// shiftPositions moves the position of every offset index entry but the
// last, the one a clean open checks, by delta bytes.
func shiftPositions(index []byte, delta uint32) []byte {
	out := bytes.Clone(index)
	for i := 0; i+16 <= len(out); i += 8 {
		binary.BigEndian.PutUint32(out[i+4:], binary.BigEndian.Uint32(out[i+4:])+delta)
	}
	return out
}

// TestRecoveryDropsBatchOutsideSegmentRange recovers active segments
// holding a valid batch whose offsets lie far past the segment's base. The
// base offset is not covered by the CRC, so one damaged byte makes such a
// batch. The log never writes one — it rolls before an offset leaves the
// 31 bits it keeps relative to a segment's base, as Kafka does — so
// recovery must cut the segment there, as at any corrupt batch. Kept, the
// batch moves the log end, and every later offset, past the gap; more than
// 2^32 past the base, its index entry's relative offset wraps around and
// reads of the batches before it return it instead.
func TestRecoveryDropsBatchOutsideSegmentRange(t *testing.T) {
	fl := newFuzzLog(t)
	active := fl.active()
	stray := batchtest.Values(3, 40, batchtest.Options{BaseOffset: active.BaseOffset + 1<<32 + 3, BaseTimestamp: crashBaseTime})
	t.Run("batch after the end", func(t *testing.T) { recoverTail(t, fl, stray, -1, false) })
	// The first batch's base offset becomes 0x0030...: the log would end
	// near offset 1.3e16.
	t.Run("base offset byte damaged", func(t *testing.T) { recoverTail(t, fl, []byte{0x30}, 1, false) })
}
