package segment_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/strata-streaming/strata/tiered/batch"
	"github.com/strata-streaming/strata/tiered/batch/batchtest"
	"github.com/strata-streaming/strata/tiered/segment"
)

// The crash test runs the log in a child process — this test binary,
// re-executed to run only TestCrashChild — whose writers append and SyncTo
// concurrently and report every acknowledged batch to the parent on a pipe.
// The parent kills the child with SIGKILL at a random moment, reopens the
// directory and checks the recovered log against the acknowledgements, and
// then starts the next child on the same directory, round after round.

const (
	crashDirEnv  = "STRATA_SEGMENT_CRASH_DIR"
	crashSpecEnv = "STRATA_SEGMENT_CRASH_SPEC"
	crashSeedEnv = "STRATA_SEGMENT_CRASH_SEED" // replays a run's choices; kill moments vary

	crashWriters  = 4
	crashLifetime = 90 * time.Second // a child that is never killed exits then
	crashDeadline = 3 * time.Minute  // the parent gives up on a child then
	crashBaseTime = int64(1_700_000_000_000)
)

// crashConfig has small segments, so that every round rolls and seals a
// few, and dense indexes.
func crashConfig() segment.Config {
	cfg := segment.DefaultConfig()
	cfg.SegmentBytes = 128 << 10
	cfg.IndexIntervalBytes = 512
	return cfg
}

// crashMode is what a round's child does and when it is killed.
type crashMode int

const (
	// modeSteady appends small batches and is killed once a random amount
	// of data has been acknowledged.
	modeSteady crashMode = iota
	// modeBurst appends large multi-batch buffers that roll a segment every
	// few appends, and is killed well into the burst.
	modeBurst
	// modeEarly is killed a few milliseconds after it starts, often while
	// Open is still recovering the previous round's crash.
	modeEarly
)

func crashModeFor(round int) crashMode {
	switch round % 6 {
	case 5:
		return modeBurst
	case 2:
		return modeEarly
	}
	return modeSteady
}

// crashSpec is what the parent tells a child.
type crashSpec struct {
	Seed  uint64
	Round int
	Mode  crashMode
}

func (s crashSpec) String() string { return fmt.Sprintf("%d:%d:%d", s.Seed, s.Round, s.Mode) }

func parseCrashSpec(v string) (crashSpec, error) {
	var s crashSpec
	_, err := fmt.Sscanf(v, "%d:%d:%d", &s.Seed, &s.Round, &s.Mode)
	return s, err
}

// appends is how many appends each writer makes before it reports done.
func (s crashSpec) appends() int {
	if s.Mode == modeBurst {
		return 10
	}
	return 50
}

// TestCrashChild is the child side of TestCrashRecovery; it does nothing
// when run directly.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("run by TestCrashRecovery in a child process")
	}
	spec, err := parseCrashSpec(os.Getenv(crashSpecEnv))
	if err != nil {
		t.Fatalf("bad %s: %v", crashSpecEnv, err)
	}
	// Never outlive a parent that failed to kill us.
	time.AfterFunc(crashLifetime, func() { os.Exit(3) })
	out := &crashReporter{f: os.NewFile(3, "acks")}
	if err := runCrashChild(dir, spec, out); err != nil {
		out.printf("fail %v", err)
		os.Exit(2) // as abruptly as a crash: the log is not closed
	}
	out.printf("done")
	time.Sleep(crashLifetime) // wait to be killed, the log still open
}

// crashReporter writes the child's report lines, one write per line.
type crashReporter struct {
	mu sync.Mutex
	f  *os.File
}

func (r *crashReporter) printf(format string, args ...any) {
	line := fmt.Sprintf(format, args...) + "\n"
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.f.WriteString(line); err != nil {
		os.Exit(4) // the parent is gone
	}
}

// runCrashChild opens the log and runs the writers until each has made its
// appends.
func runCrashChild(dir string, spec crashSpec, out *crashReporter) error {
	l, err := segment.Open(dir, crashConfig())
	if err != nil {
		return err
	}
	out.printf("open %d %d", l.StartOffset(), l.EndOffset())
	errs := make([]error, crashWriters)
	var wg sync.WaitGroup
	for w := range crashWriters {
		wg.Go(func() { errs[w] = crashWriter(l, spec, w, out) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// crashWriter appends, waits for each append to be durable and only then
// acknowledges its batches to the parent.
func crashWriter(l *segment.Log, spec crashSpec, w int, out *crashReporter) error {
	rng := rand.New(rand.NewPCG(spec.Seed, uint64(w)))
	for seq := range spec.appends() {
		buf := crashAppendBuf(rng, spec, w, seq)
		opts := segment.AppendOptions{LeaderEpoch: int32(spec.Round), LogAppendTime: rng.IntN(10) == 0}
		res, err := l.Append(buf, opts)
		if err != nil {
			return fmt.Errorf("writer %d append %d: %w", w, seq, err)
		}
		if err := l.SyncTo(res.LogEndOffset); err != nil {
			return fmt.Errorf("writer %d sync %d: %w", w, seq, err)
		}
		// buf now holds the batches exactly as the log stored them.
		it := batch.NewIter(buf)
		for part := 0; ; part++ {
			h, b, ok := it.Next()
			if !ok {
				break
			}
			out.printf("ack %d %d %d %d %d %d %d %s", spec.Round, w, seq, part,
				h.BaseOffset, h.LastOffset(), len(b), contentHash(b))
		}
	}
	return nil
}

// crashAppendBuf builds one append: one or more batches of records whose
// values name the round, writer, append, batch and record.
func crashAppendBuf(rng *rand.Rand, spec crashSpec, w, seq int) []byte {
	parts, minN, maxN, maxSize := 1+rng.IntN(2), 1, 24, 700
	if spec.Mode == modeBurst {
		parts, minN, maxN, maxSize = 2+rng.IntN(3), 16, 64, 1200
	}
	var buf []byte
	for part := range parts {
		n := minN + rng.IntN(maxN-minN+1)
		records := make([]batchtest.Record, n)
		for i := range records {
			prefix := crashValuePrefix(spec.Round, w, seq, part, i)
			records[i] = batchtest.Record{
				Value:          crashValue(rng, prefix, 8+rng.IntN(maxSize)),
				TimestampDelta: int64(rng.IntN(100)),
			}
			if rng.IntN(4) == 0 {
				records[i].Key = []byte(fmt.Sprintf("key-%d", rng.IntN(16)))
			}
		}
		opts := batchtest.Options{
			Codec:         crashCodec(rng),
			BaseTimestamp: crashBaseTime + int64(spec.Round)*100_000 + int64(seq)*100 + int64(rng.IntN(1000)),
		}
		buf = append(buf, batchtest.Build(records, opts)...)
	}
	return buf
}

func crashCodec(rng *rand.Rand) batch.Codec {
	switch rng.IntN(8) {
	case 0, 1:
		return batch.CodecLZ4
	case 2, 3:
		return batch.CodecZstd
	case 4:
		return batch.CodecSnappy
	}
	return batch.CodecNone
}

func crashValuePrefix(round, w, seq, part, i int) string {
	return fmt.Sprintf("r%d w%d s%d p%d i%d;", round, w, seq, part, i)
}

// crashValue is prefix followed by compressible filler up to size bytes.
func crashValue(rng *rand.Rand, prefix string, size int) []byte {
	v := append(make([]byte, 0, max(size, len(prefix))), prefix...)
	for len(v) < size {
		c := byte('a' + rng.IntN(26))
		for run := 1 + rng.IntN(12); run > 0 && len(v) < size; run-- {
			v = append(v, c)
		}
	}
	return v
}

// contentHash identifies a batch by every byte but the two fields every
// append rewrites: the base offset and the partition leader epoch.
func contentHash(b []byte) string {
	h := sha256.New()
	h.Write(b[8:12])
	h.Write(b[16:])
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// crashAck is one batch the child reported durable.
type crashAck struct {
	round, writer, seq, part int
	base, last               int64
	size                     int
	hash                     string
}

func parseCrashAck(fields []string) (crashAck, error) {
	if len(fields) != 8 {
		return crashAck{}, fmt.Errorf("ack has %d fields", len(fields))
	}
	var a crashAck
	var nums [7]int64
	for i := range nums {
		n, err := strconv.ParseInt(fields[i], 10, 64)
		if err != nil {
			return crashAck{}, err
		}
		nums[i] = n
	}
	a.round, a.writer, a.seq, a.part = int(nums[0]), int(nums[1]), int(nums[2]), int(nums[3])
	a.base, a.last, a.size, a.hash = nums[4], nums[5], int(nums[6]), fields[7]
	return a, nil
}

// crashState is what the parent knows of the log across rounds.
type crashState struct {
	dir      string
	rng      *rand.Rand
	acks     []crashAck
	maxAcked int64 // the offset after the last acknowledged batch

	// The log as the last verification saw it, then closed cleanly: the
	// digests of its batches, its end and its segment count.
	prefix   [][32]byte
	verified int64
	segCount int
	clean    bool // no child has opened the log since it was closed cleanly

	roundBytes int // bytes acknowledged in the current round
}

// TestCrashRecovery kills a child process appending to the log 24 times (8
// with -short) and checks after most kills that the recovered log holds
// every acknowledged batch; the others leave the recovery to the next
// child.
func TestCrashRecovery(t *testing.T) {
	rounds := 24
	if testing.Short() {
		rounds = 8
	}
	seed := crashSeed(t)
	st := &crashState{dir: t.TempDir(), rng: rand.New(rand.NewPCG(seed, 1))}
	for round := range rounds {
		spec := crashSpec{Seed: st.rng.Uint64(), Round: round, Mode: crashModeFor(round)}
		st.runChild(t, spec)
		// Some rounds leave the crash to the next child's Open to recover.
		if round%5 != 3 || round == rounds-1 {
			st.verify(t, spec)
		}
	}
	t.Logf("seed %d: %d rounds, %d acknowledged batches, log end %d, %d segments",
		seed, rounds, len(st.acks), st.verified, st.segCount)
}

func crashSeed(t *testing.T) uint64 {
	if v := os.Getenv(crashSeedEnv); v != "" {
		seed, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("bad %s: %v", crashSeedEnv, err)
		}
		return seed
	}
	seed := rand.Uint64()
	t.Logf("seed %d (replay with %s=%d)", seed, crashSeedEnv, seed)
	return seed
}

// crashChild is a running child and the lines it reports.
type crashChild struct {
	cmd    *exec.Cmd
	lines  chan string
	output bytes.Buffer // its stdout and stderr, read after Wait
}

func startCrashChild(t *testing.T, dir string, spec crashSpec) *crashChild {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &crashChild{lines: make(chan string, 256)}
	c.cmd = exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	c.cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashSpecEnv+"="+spec.String())
	c.cmd.ExtraFiles = []*os.File{w}
	c.cmd.Stdout, c.cmd.Stderr = &c.output, &c.output
	err = c.cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		t.Fatalf("start child: %v", err)
	}
	go func() {
		defer close(c.lines)
		defer r.Close()
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	return c
}

// runChild runs one round's child and kills it when the round's plan says.
func (st *crashState) runChild(t *testing.T, spec crashSpec) {
	t.Helper()
	c := startCrashChild(t, st.dir, spec)
	st.roundBytes = 0
	target, early := st.killPlan(spec)
	deadline := time.NewTimer(crashDeadline)
	defer deadline.Stop()
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				st.finishChild(t, c, spec, false)
				return
			}
			if done := st.handleLine(t, spec, line); done || st.roundBytes >= target {
				time.Sleep(time.Duration(st.rng.IntN(2000)) * time.Microsecond)
				st.finishChild(t, c, spec, true)
				return
			}
		case <-early:
			st.finishChild(t, c, spec, true)
			return
		case <-deadline.C:
			st.finishChild(t, c, spec, true)
			t.Fatalf("round %d: the child made no progress in %v", spec.Round, crashDeadline)
		}
	}
}

// killPlan picks how many acknowledged bytes the round waits for before
// the kill, or, for an early round, a timer.
func (st *crashState) killPlan(spec crashSpec) (target int, early <-chan time.Time) {
	switch spec.Mode {
	case modeBurst:
		// Over 2.5 segments acknowledged: the burst has rolled at least twice.
		return 320<<10 + st.rng.IntN(384<<10), nil
	case modeEarly:
		return 1 << 62, time.After(time.Duration(st.rng.IntN(60_000)) * time.Microsecond)
	}
	return st.rng.IntN(256 << 10), nil
}

// finishChild kills the child if asked, collects the lines it wrote
// before it died and checks that it died of the kill.
func (st *crashState) finishChild(t *testing.T, c *crashChild, spec crashSpec, kill bool) {
	t.Helper()
	if kill {
		_ = c.cmd.Process.Kill() // it may have exited already: Wait tells
	}
	for line := range c.lines {
		st.handleLine(t, spec, line)
	}
	err := c.cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL && kill {
			return
		}
	}
	t.Fatalf("round %d: child ended with %v, not the kill; output:\n%s", spec.Round, err, c.output.String())
}

// handleLine takes in one report line; it returns true on "done".
func (st *crashState) handleLine(t *testing.T, spec crashSpec, line string) bool {
	t.Helper()
	fields := strings.Fields(line)
	switch {
	case len(fields) == 0:
	case fields[0] == "ack":
		a, err := parseCrashAck(fields[1:])
		if err != nil {
			t.Fatalf("round %d: bad line %q: %v", spec.Round, line, err)
		}
		st.acks = append(st.acks, a)
		st.maxAcked = max(st.maxAcked, a.last+1)
		st.roundBytes += a.size
	case fields[0] == "open":
		st.checkChildOpen(t, spec, fields[1:])
	case fields[0] == "done":
		return true
	case fields[0] == "fail":
		t.Errorf("round %d: child failed: %s", spec.Round, line)
	}
	return false
}

// checkChildOpen checks the log the child opened: exactly as the parent
// closed it, or, after a crash, holding at least every acknowledged batch.
func (st *crashState) checkChildOpen(t *testing.T, spec crashSpec, fields []string) {
	t.Helper()
	var start, end int64
	if _, err := fmt.Sscan(strings.Join(fields, " "), &start, &end); err != nil {
		t.Fatalf("round %d: bad open line %q: %v", spec.Round, fields, err)
	}
	if st.clean && end != st.verified {
		t.Errorf("round %d: the child opened a cleanly closed log ending at %d at %d", spec.Round, st.verified, end)
	}
	if end < st.maxAcked || start != 0 {
		t.Errorf("round %d: the child opened [%d, %d); acknowledged batches end at %d",
			spec.Round, start, end, st.maxAcked)
	}
	st.clean = false
}

// verify opens the log in the parent, recovering the child's crash, checks
// it from end to end and closes it cleanly.
func (st *crashState) verify(t *testing.T, spec crashSpec) {
	t.Helper()
	l, err := segment.Open(st.dir, crashConfig())
	if err != nil {
		t.Fatalf("round %d: open after kill: %v", spec.Round, err)
	}
	batches := readLog(t, l, func() int { return 1 + st.rng.IntN(96<<10) })
	checkDense(t, l, batches)
	if l.EndOffset() < st.maxAcked || l.DurableOffset() != l.EndOffset() {
		t.Errorf("round %d: log end %d, durable %d; acknowledged batches end at %d",
			spec.Round, l.EndOffset(), l.DurableOffset(), st.maxAcked)
	}
	st.checkPrefix(t, batches)
	st.checkAcks(t, batches, checkRecordValues(t, batches[len(st.prefix):]))
	checkReads(t, l, batches, st.probes(batches))
	checkReadByTime(t, l, batches, timestampProbes(st.rng, batches, 24))
	st.checkSegments(t, spec, l.Segments())
	if err := l.Close(); err != nil {
		t.Fatalf("round %d: close: %v", spec.Round, err)
	}
	st.prefix = st.prefix[:0]
	for _, b := range batches {
		st.prefix = append(st.prefix, sha256.Sum256(b.data))
	}
	st.verified, st.clean = l.EndOffset(), true
	if t.Failed() {
		t.FailNow()
	}
}

// checkPrefix checks that every batch the previous verification saw, and
// then closed cleanly, is still there byte for byte.
func (st *crashState) checkPrefix(t *testing.T, batches []storedBatch) {
	t.Helper()
	if len(batches) < len(st.prefix) {
		t.Fatalf("the log holds %d batches; %d were there at the last verification", len(batches), len(st.prefix))
	}
	for i, sum := range st.prefix {
		if sha256.Sum256(batches[i].data) != sum {
			t.Fatalf("batch %d at offset %d changed since the last verification", i, batches[i].BaseOffset)
		}
	}
}

// checkAcks checks that every acknowledged batch is in the log at its
// offsets, byte for byte but for the base offset and leader epoch fields,
// which must be what the log assigned; written names the new batches'
// writers by base offset.
func (st *crashState) checkAcks(t *testing.T, batches []storedBatch, written map[int64]crashWrite) {
	t.Helper()
	byBase := make(map[int64]int, len(batches))
	for i, b := range batches {
		byBase[b.BaseOffset] = i
	}
	for _, a := range st.acks {
		i, ok := byBase[a.base]
		if !ok {
			t.Errorf("acknowledged batch [%d, %d] of round %d writer %d append %d is lost",
				a.base, a.last, a.round, a.writer, a.seq)
			continue
		}
		b := batches[i]
		if b.LastOffset() != a.last || b.PartitionLeaderEpoch != int32(a.round) || contentHash(b.data) != a.hash {
			t.Errorf("acknowledged batch [%d, %d] epoch %d differs: [%d, %d] epoch %d, content %s, want %s",
				a.base, a.last, a.round, b.BaseOffset, b.LastOffset(), b.PartitionLeaderEpoch, contentHash(b.data), a.hash)
			continue
		}
		want := crashWrite{a.round, a.writer, a.seq, a.part}
		if w, ok := written[a.base]; ok && w != want {
			t.Errorf("acknowledged batch at %d holds the records of %+v, want %+v", a.base, w, want)
		}
	}
}

// probes picks the batches whose offsets are looked up: every batch new
// since the last verification and a sample of the older ones.
func (st *crashState) probes(batches []storedBatch) []int {
	var idx []int
	for range min(64, len(st.prefix)) {
		idx = append(idx, st.rng.IntN(len(st.prefix)))
	}
	for i := len(st.prefix); i < len(batches); i++ {
		idx = append(idx, i)
	}
	return idx
}

// checkSegments checks the segment list and, after a burst, that the burst
// rolled segments.
func (st *crashState) checkSegments(t *testing.T, spec crashSpec, segs []segment.Info) {
	t.Helper()
	for i, s := range segs {
		if s.Sealed != (i < len(segs)-1) {
			t.Errorf("segment %d (base %d): sealed is %v", i, s.BaseOffset, s.Sealed)
		}
		if i > 0 && segs[i-1].NextOffset != s.BaseOffset {
			t.Errorf("segment %d ends at %d, segment %d starts at %d", i-1, segs[i-1].NextOffset, i, s.BaseOffset)
		}
	}
	if spec.Mode == modeBurst && len(segs) < st.segCount+2 {
		t.Errorf("round %d: a burst of %d acknowledged bytes left %d segments, %d before",
			spec.Round, st.roundBytes, len(segs), st.segCount)
	}
	st.segCount = len(segs)
}

// checkDense checks that the batches cover the log from its start to its
// end without a gap, as appends leave them.
func checkDense(t *testing.T, l *segment.Log, batches []storedBatch) {
	t.Helper()
	next := l.StartOffset()
	for _, b := range batches {
		if b.BaseOffset != next {
			t.Fatalf("batch at %d follows offset %d", b.BaseOffset, next-1)
		}
		next = b.NextOffset()
	}
	if next != l.EndOffset() {
		t.Fatalf("batches end at %d, the log at %d", next, l.EndOffset())
	}
}

// crashWrite names the append, and the batch in it, that wrote a batch.
type crashWrite struct{ round, writer, seq, part int }

// checkRecordValues checks that every record of every batch is the one the
// child wrote: values naming the same append and batch, numbered in order,
// and each writer's appends in the order it made them. It returns the
// writes by base offset.
func checkRecordValues(t *testing.T, batches []storedBatch) map[int64]crashWrite {
	t.Helper()
	written := make(map[int64]crashWrite, len(batches))
	last := map[[2]int]crashWrite{}
	for _, b := range batches {
		values := recordValues(t, b)
		var w crashWrite
		var first int
		if len(values) == 0 {
			t.Fatalf("batch at %d has no record", b.BaseOffset)
		}
		if _, err := fmt.Sscanf(string(values[0]), "r%d w%d s%d p%d i%d;", &w.round, &w.writer, &w.seq, &w.part, &first); err != nil || first != 0 {
			t.Fatalf("batch at %d: first value %.40q", b.BaseOffset, values[0])
		}
		for i, v := range values {
			if want := crashValuePrefix(w.round, w.writer, w.seq, w.part, i); !bytes.HasPrefix(v, []byte(want)) {
				t.Fatalf("batch at %d record %d: value %.40q, want prefix %q", b.BaseOffset, i, v, want)
			}
		}
		key := [2]int{w.round, w.writer}
		if prev, ok := last[key]; ok && (w.seq < prev.seq || w.seq == prev.seq && w.part <= prev.part) {
			t.Fatalf("batch at %d: %+v follows %+v", b.BaseOffset, w, prev)
		}
		last[key], written[b.BaseOffset] = w, w
	}
	return written
}

// storedBatch is a batch read back from a log.
type storedBatch struct {
	batch.Header
	data []byte
}

// readLog reads l from its start offset to its end, maxBytes() bytes at a
// time, checking that every read returns whole, valid batches in increasing
// offset order, the first holding the offset asked for or following it.
func readLog(t testing.TB, l *segment.Log, maxBytes func() int) []storedBatch {
	t.Helper()
	var out []storedBatch
	for off, end := l.StartOffset(), l.EndOffset(); off < end; {
		n := maxBytes()
		r, err := l.Read(off, n, segment.NoMaxOffset)
		if err != nil {
			t.Fatalf("Read(%d, %d): %v", off, n, err)
		}
		data, err := r.AppendTo(nil)
		r.Close()
		if err != nil {
			t.Fatalf("Read(%d, %d): AppendTo: %v", off, n, err)
		}
		bs := splitBatches(t, data, off)
		// Where offsets have a gap after the range, NextOffset may be the
		// base of the batch after it.
		if len(bs) == 0 || r.BaseOffset != bs[0].BaseOffset || r.NextOffset < bs[len(bs)-1].NextOffset() ||
			r.Len != int64(len(data)) || (len(bs) > 1 && r.Len > int64(n)) {
			t.Fatalf("Read(%d, %d) = {Len %d, BaseOffset %d, NextOffset %d} holding %d batches",
				off, n, r.Len, r.BaseOffset, r.NextOffset, len(bs))
		}
		out = append(out, bs...)
		off = r.NextOffset
	}
	return out
}

// splitBatches splits data into batches, each of which must validate and
// follow the previous one; the first must end at or after from.
func splitBatches(t testing.TB, data []byte, from int64) []storedBatch {
	t.Helper()
	var bs []storedBatch
	next := from
	it := batch.NewIter(data)
	for {
		_, b, ok := it.Next()
		if !ok {
			break
		}
		h, err := batch.Validate(b)
		if err != nil {
			t.Fatalf("batch at %d: %v", h.BaseOffset, err)
		}
		if (len(bs) == 0 && h.LastOffset() < from) || (len(bs) > 0 && h.BaseOffset < next) {
			t.Fatalf("batch [%d, %d] read after offset %d", h.BaseOffset, h.LastOffset(), next)
		}
		bs = append(bs, storedBatch{Header: h, data: b})
		next = h.NextOffset()
	}
	if it.Err() != nil || it.Pos() != len(data) {
		t.Fatalf("read from %d: %d of %d bytes frame: %v", from, it.Pos(), len(data), it.Err())
	}
	return bs
}

// recordValues decodes the values of a batch's records.
func recordValues(t testing.TB, b storedBatch) [][]byte {
	t.Helper()
	r, err := batch.Records(b.data, 64<<20)
	if err != nil {
		t.Fatalf("batch at %d: %v", b.BaseOffset, err)
	}
	var vs [][]byte
	for rec, ok := r.Next(); ok; rec, ok = r.Next() {
		vs = append(vs, rec.Value)
	}
	if err := r.Err(); err != nil {
		t.Fatalf("batch at %d: %v", b.BaseOffset, err)
	}
	return vs
}

// checkReads looks up the batches at the given indexes by their first and
// last offsets: each lookup must return that batch first, and a read
// bounded by its next offset must return it alone.
func checkReads(t testing.TB, l *segment.Log, batches []storedBatch, idx []int) {
	t.Helper()
	for _, i := range idx {
		b := batches[i]
		checkReadOne(t, l, b, b.BaseOffset, 1, segment.NoMaxOffset)
		checkReadOne(t, l, b, b.LastOffset(), 1, segment.NoMaxOffset)
		checkReadOne(t, l, b, b.BaseOffset, 1<<20, b.NextOffset())
	}
}

func checkReadOne(t testing.TB, l *segment.Log, want storedBatch, offset int64, maxBytes int, maxOffset int64) {
	t.Helper()
	r, err := l.Read(offset, maxBytes, maxOffset)
	if err != nil {
		t.Fatalf("Read(%d, %d, %d): %v", offset, maxBytes, maxOffset, err)
	}
	got, err := r.AppendTo(nil)
	r.Close()
	if err != nil {
		t.Fatalf("Read(%d, %d, %d): AppendTo: %v", offset, maxBytes, maxOffset, err)
	}
	if !bytes.Equal(got, want.data) {
		t.Fatalf("Read(%d, %d, %d) returned %d bytes from offset %d, want the %d-byte batch at %d",
			offset, maxBytes, maxOffset, len(got), r.BaseOffset, len(want.data), want.BaseOffset)
	}
}

// timestampProbes picks timestamps to look up: around the max timestamps
// of n random batches, and past both ends.
func timestampProbes(rng *rand.Rand, batches []storedBatch, n int) []int64 {
	if len(batches) == 0 {
		return []int64{-1, 0, crashBaseTime}
	}
	lo, hi := batches[0].MaxTimestamp, batches[0].MaxTimestamp
	for _, b := range batches {
		lo, hi = min(lo, b.MaxTimestamp), max(hi, b.MaxTimestamp)
	}
	ts := []int64{lo - 1, lo, hi, hi + 1}
	for range n {
		m := batches[rng.IntN(len(batches))].MaxTimestamp
		ts = append(ts, m-1, m, m+1)
	}
	return ts
}

// checkReadByTime checks that ReadByTime(ts) returns the first batch whose
// max timestamp is at or after ts: every batch before it is below ts.
func checkReadByTime(t testing.TB, l *segment.Log, batches []storedBatch, tss []int64) {
	t.Helper()
	for _, ts := range tss {
		want := -1
		for i, b := range batches {
			if b.MaxTimestamp >= ts {
				want = i
				break
			}
		}
		got, err := l.ReadByTime(ts)
		if err != nil {
			t.Fatalf("ReadByTime(%d): %v", ts, err)
		}
		data, err := got.Batch.AppendTo(nil)
		got.Batch.Close()
		switch {
		case err != nil:
			t.Fatalf("ReadByTime(%d): AppendTo: %v", ts, err)
		case want < 0 && got.Found:
			t.Fatalf("ReadByTime(%d) found the batch at %d; no batch reaches it", ts, got.Batch.BaseOffset)
		case want >= 0 && (!got.Found || got.Batch.BaseOffset != batches[want].BaseOffset):
			t.Fatalf("ReadByTime(%d) = {found %v, batch at %d}, want the batch at %d (max timestamp %d)",
				ts, got.Found, got.Batch.BaseOffset, batches[want].BaseOffset, batches[want].MaxTimestamp)
		case want >= 0 && !bytes.Equal(data, batches[want].data):
			t.Fatalf("ReadByTime(%d) returned %d bytes, not the %d-byte batch at %d", ts, len(data), len(batches[want].data), batches[want].BaseOffset)
		}
	}
}
