package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-streaming/strata/tiered/objstore"
	"github.com/strata-streaming/strata/tiered/objstore/miniotest"
)

var testTP = TopicPartition{Topic: "orders", TopicID: TopicID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, Partition: 3}

// memSource is a SealedSource over logs held in memory.
type memSource struct {
	mu struct {
		sync.Mutex
		segs   []srcSeg
		epoch  int32
		leader bool
	}
}

type srcSeg struct {
	SealedSegment
	log []byte
}

// newMemSource returns a source of n sealed segments of 50 offsets each,
// from offset 0, led by this node at epoch 4.
func newMemSource(t testing.TB, n int) *memSource {
	s := &memSource{}
	s.mu.epoch, s.mu.leader = 4, true
	for range n {
		s.seal(t)
	}
	return s
}

// seal adds a sealed segment after the last one.
func (s *memSource) seal(t testing.TB) {
	s.mu.Lock()
	defer s.mu.Unlock()
	base := int64(0)
	if n := len(s.mu.segs); n > 0 {
		base = s.mu.segs[n-1].NextOffset
	}
	log := genLog(t, logSpec{batches: 5, records: 10, baseOffset: base, epochs: []int32{s.mu.epoch}, seed: uint64(base) + 1})
	s.mu.segs = append(s.mu.segs, srcSeg{SealedSegment{BaseOffset: base, NextOffset: base + 50, Size: int64(len(log))}, log})
}

func (s *memSource) SealedSegments() []SealedSegment {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SealedSegment, len(s.mu.segs))
	for i, seg := range s.mu.segs {
		out[i] = seg.SealedSegment
	}
	return out
}

func (s *memSource) Open(base int64) (io.ReadCloser, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, seg := range s.mu.segs {
		if seg.BaseOffset == base {
			return io.NopCloser(bytes.NewReader(seg.log)), seg.Size, nil
		}
	}
	return nil, 0, fmt.Errorf("open segment %d: %w", base, errNoSegment)
}

var errNoSegment = errors.New("no such segment")

func (s *memSource) LeaderEpoch() (int32, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.epoch, s.mu.leader
}

func (s *memSource) log(i int) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.segs[i].log
}

// faultBucket wraps a bucket with faults, each armed for a number of calls.
type faultBucket struct {
	objstore.Bucket
	mu struct {
		sync.Mutex
		unavailable   int // calls of any method that fail with ErrUnavailable
		putMidway     int // segment Puts whose reader fails half way
		manifestPuts  int // manifest Puts that fail
		corruptPuts   int // segment Puts stored with one byte flipped
		failDeletes   bool
		segmentPuts   int // segment Puts that reached the bucket
		unavailErrors int // ErrUnavailable returned
	}
}

var errMidway = errors.New("connection reset half way")

func (f *faultBucket) take(n *int) bool {
	if *n > 0 {
		*n--
		return true
	}
	return false
}

// outage fails the call if an outage is armed.
func (f *faultBucket) outage(op string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.take(&f.mu.unavailable) {
		f.mu.unavailErrors++
		return fmt.Errorf("%s: %w", op, objstore.ErrUnavailable)
	}
	return nil
}

func (f *faultBucket) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	if err := f.outage("put"); err != nil {
		return err
	}
	f.mu.Lock()
	seg := strings.HasSuffix(key, segmentSuffix)
	midway := seg && f.take(&f.mu.putMidway)
	manifest := strings.HasSuffix(key, "manifest.json") && f.take(&f.mu.manifestPuts)
	corrupt := seg && f.take(&f.mu.corruptPuts)
	if seg {
		f.mu.segmentPuts++
	}
	f.mu.Unlock()
	switch {
	case manifest:
		return fmt.Errorf("put %q: %w", key, objstore.ErrUnavailable)
	case midway:
		r = io.MultiReader(io.LimitReader(r, size/2), &failReader{errMidway})
	case corrupt:
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		b[len(b)/3] ^= 0x40
		r = bytes.NewReader(b)
	}
	return f.Bucket.Put(ctx, key, r, size)
}

type failReader struct{ err error }

func (r *failReader) Read([]byte) (int, error) { return 0, r.err }

func (f *faultBucket) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := f.outage("get"); err != nil {
		return nil, err
	}
	return f.Bucket.Get(ctx, key)
}

func (f *faultBucket) Attributes(ctx context.Context, key string) (objstore.ObjectAttrs, error) {
	if err := f.outage("attributes"); err != nil {
		return objstore.ObjectAttrs{}, err
	}
	return f.Bucket.Attributes(ctx, key)
}

func (f *faultBucket) Delete(ctx context.Context, key string) error {
	if err := f.outage("delete"); err != nil {
		return err
	}
	f.mu.Lock()
	fail := f.mu.failDeletes
	f.mu.Unlock()
	if fail {
		return fmt.Errorf("delete %q: %w", key, objstore.ErrUnavailable)
	}
	return f.Bucket.Delete(ctx, key)
}

func newFaultBucket() *faultBucket { return &faultBucket{Bucket: objstore.NewMem()} }

func testUploaderConfig(t *testing.T) UploaderConfig {
	return UploaderConfig{
		Writer:          WriterConfig{ChunkBytes: 1 << 10},
		SpoolDir:        t.TempDir(),
		RetryBackoffMin: time.Millisecond,
		RetryBackoffMax: 5 * time.Millisecond,
		TaskInterval:    5 * time.Millisecond,
	}
}

func newTestUploader(t *testing.T, b objstore.Bucket, src SealedSource) (*Uploader, *ManifestStore) {
	t.Helper()
	store, err := NewManifestStore(b, testTP)
	if err != nil {
		t.Fatal(err)
	}
	u, err := NewUploader(b, store, src, testUploaderConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	return u, store
}

// uploadAll calls UploadNext until nothing is left.
func uploadAll(t *testing.T, u *Uploader) int {
	t.Helper()
	n := 0
	for {
		ok, err := u.UploadNext(t.Context())
		if err != nil {
			t.Fatalf("UploadNext: %v", err)
		}
		if !ok {
			return n
		}
		n++
	}
}

// bucketManifest loads the manifest from the bucket itself.
func bucketManifest(t *testing.T, b objstore.Bucket) (PartitionManifest, bool) {
	t.Helper()
	m, found, err := LoadPartitionManifest(t.Context(), b, testTP)
	if err != nil {
		t.Fatalf("load manifest: %v", err)
	}
	return m, found
}

// checkReadBack checks that the manifest names the source's segments in
// order and that each object reads back as the segment's batches.
func checkReadBack(t *testing.T, b objstore.Bucket, src *memSource, m PartitionManifest) {
	t.Helper()
	sealed := src.SealedSegments()
	if len(m.Segments) != len(sealed) {
		t.Fatalf("manifest holds %d segments, want %d", len(m.Segments), len(sealed))
	}
	for i, seg := range m.Segments {
		if seg.BaseOffset != sealed[i].BaseOffset || seg.NextOffset != sealed[i].NextOffset {
			t.Fatalf("segment %d is %d-%d, want %d-%d", i, seg.BaseOffset, seg.NextOffset, sealed[i].BaseOffset, sealed[i].NextOffset)
		}
		if got := readObject(t, b, seg); !bytes.Equal(got, src.log(i)) {
			t.Fatalf("segment %d reads back as %d bytes that differ from the %d written", i, len(got), len(src.log(i)))
		}
	}
}

// readObject reads every chunk of a segment object through OpenSegment.
func readObject(t *testing.T, b objstore.Bucket, seg Segment) []byte {
	t.Helper()
	r, err := OpenSegment(t.Context(), b, seg.Key, seg.ObjectSize, ReaderConfig{})
	if err != nil {
		t.Fatalf("OpenSegment(%q): %v", seg.Key, err)
	}
	var out []byte
	for i := range r.Footer().Chunks {
		c, err := r.ReadChunk(t.Context(), i)
		if err != nil {
			t.Fatalf("ReadChunk(%d): %v", i, err)
		}
		out = append(out, c...)
	}
	return out
}

// segmentKeys lists the segment objects under the partition's prefix.
func segmentKeys(t *testing.T, b objstore.Bucket) []string {
	t.Helper()
	var keys []string
	err := b.List(t.Context(), PartitionPrefix(testTP), func(a objstore.ObjectAttrs) error {
		if strings.HasSuffix(a.Key, segmentSuffix) {
			keys = append(keys, a.Key)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return keys
}

func TestUploaderUploadsInOrder(t *testing.T) {
	b := objstore.NewMem()
	src := newMemSource(t, 3)
	u, store := newTestUploader(t, b, src)
	if st := u.Stats(); st.BacklogBytes == 0 {
		t.Fatalf("backlog before any upload = 0")
	}
	if n := uploadAll(t, u); n != 3 {
		t.Fatalf("uploaded %d segments, want 3", n)
	}
	m, found := bucketManifest(t, b)
	if !found || m.Version != 3 {
		t.Fatalf("manifest found %v, version %d; want version 3", found, m.Version)
	}
	checkReadBack(t, b, src, m)
	if m.Segments[0].FirstLeaderEpoch != 4 || !strings.Contains(m.Segments[0].Key, "-4-") {
		t.Fatalf("segment 0: epoch %d, key %q; want epoch 4 in both", m.Segments[0].FirstLeaderEpoch, m.Segments[0].Key)
	}
	st := u.Stats()
	if st.SegmentsUploaded != 3 || st.BacklogBytes != 0 || st.Errors != 0 || st.BytesUploaded == 0 {
		t.Fatalf("stats %+v", st)
	}
	// A newly sealed segment is the next upload.
	src.seal(t)
	if st := u.Stats(); st.BacklogBytes != src.SealedSegments()[3].Size {
		t.Fatalf("backlog %d, want the new segment's %d bytes", st.BacklogBytes, src.SealedSegments()[3].Size)
	}
	if n := uploadAll(t, u); n != 1 {
		t.Fatalf("uploaded %d segments after sealing one, want 1", n)
	}
	cur, _ := store.Current(t.Context())
	checkReadBack(t, b, src, cur)
}

func TestUploaderPutFailsMidway(t *testing.T) {
	b := newFaultBucket()
	b.mu.putMidway = 1
	src := newMemSource(t, 2)
	u, _ := newTestUploader(t, b, src)
	if _, err := u.UploadNext(t.Context()); !errors.Is(err, errMidway) {
		t.Fatalf("UploadNext with a Put failing half way = %v, want the reader's error", err)
	}
	if _, found := bucketManifest(t, b); found {
		t.Fatal("a failed upload wrote a manifest")
	}
	if keys := segmentKeys(t, b); len(keys) != 0 {
		t.Fatalf("a failed Put left objects %v", keys)
	}
	if n := uploadAll(t, u); n != 2 {
		t.Fatalf("retry uploaded %d segments, want 2", n)
	}
	m, _ := bucketManifest(t, b)
	checkReadBack(t, b, src, m)
	if st := u.Stats(); st.Errors != 1 {
		t.Fatalf("errors = %d, want 1", st.Errors)
	}
}

func TestUploaderVerifyCatchesCorruption(t *testing.T) {
	b := newFaultBucket()
	b.mu.corruptPuts = 1
	src := newMemSource(t, 1)
	store, err := NewManifestStore(b, testTP)
	if err != nil {
		t.Fatal(err)
	}
	cfg := testUploaderConfig(t)
	cfg.ReadBack = true
	u, err := NewUploader(b, store, src, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.UploadNext(t.Context()); !errors.Is(err, ErrVerify) {
		t.Fatalf("UploadNext of a corrupted object = %v, want ErrVerify", err)
	}
	if _, found := bucketManifest(t, b); found {
		t.Fatal("a corrupted upload reached the manifest")
	}
	if keys := segmentKeys(t, b); len(keys) != 0 {
		t.Fatalf("the corrupted object was not deleted: %v", keys)
	}
	if n := uploadAll(t, u); n != 1 {
		t.Fatalf("retry uploaded %d segments, want 1", n)
	}
	m, _ := bucketManifest(t, b)
	checkReadBack(t, b, src, m)
	if st := u.Stats(); st.VerifyFailures != 1 || st.Errors != 1 {
		t.Fatalf("stats %+v, want one verify failure", st)
	}
}

func TestUploaderNotLeader(t *testing.T) {
	b := objstore.NewMem()
	src := newMemSource(t, 1)
	src.mu.leader = false
	u, _ := newTestUploader(t, b, src)
	if _, err := u.UploadNext(t.Context()); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("UploadNext as a follower = %v, want ErrNotLeader", err)
	}
	if keys := segmentKeys(t, b); len(keys) != 0 {
		t.Fatalf("a follower uploaded %v", keys)
	}
}

func TestUploaderRunRidesOutAnOutage(t *testing.T) {
	b := newFaultBucket()
	b.mu.unavailable = 12
	src := newMemSource(t, 3)
	u, _ := newTestUploader(t, b, src)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- u.Run(ctx) }()
	pollUntil(t, "3 segments uploaded", func() bool { return u.Stats().SegmentsUploaded == 3 })
	src.seal(t)
	u.Wake()
	pollUntil(t, "the sealed segment uploaded", func() bool { return u.Stats().SegmentsUploaded == 4 })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	m, _ := bucketManifest(t, b)
	checkReadBack(t, b, src, m)
	if m.Version != 4 {
		t.Fatalf("manifest version %d, want 4: one change per segment", m.Version)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.mu.unavailErrors != 12 || u.Stats().Errors == 0 {
		t.Fatalf("outage errors %d, uploader errors %d", b.mu.unavailErrors, u.Stats().Errors)
	}
}

// pollUntil polls cond with a generous deadline.
func pollUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestDeleteSegmentsBefore(t *testing.T) {
	b := newFaultBucket()
	src := newMemSource(t, 3)
	u, _ := newTestUploader(t, b, src)
	uploadAll(t, u)
	before, _ := bucketManifest(t, b)
	removed, err := u.DeleteSegmentsBefore(t.Context(), 100)
	if err != nil {
		t.Fatalf("DeleteSegmentsBefore: %v", err)
	}
	if len(removed) != 2 || removed[1].Key != before.Segments[1].Key {
		t.Fatalf("removed %d segments, want the first 2", len(removed))
	}
	m, _ := bucketManifest(t, b)
	if m.LogStartOffset != 100 || len(m.Segments) != 1 || m.Segments[0].BaseOffset != 100 {
		t.Fatalf("manifest after the removal: start %d, %d segments", m.LogStartOffset, len(m.Segments))
	}
	if keys := segmentKeys(t, b); len(keys) != 1 || keys[0] != m.Segments[0].Key {
		t.Fatalf("objects left %v, want only %q", keys, m.Segments[0].Key)
	}
	// Failed deletes leave orphans, not errors; the manifest moves on.
	b.mu.failDeletes = true
	removed, err = u.DeleteSegmentsBefore(t.Context(), 150)
	if err != nil || len(removed) != 1 {
		t.Fatalf("DeleteSegmentsBefore with failing deletes = %d segments, %v", len(removed), err)
	}
	if m, _ := bucketManifest(t, b); len(m.Segments) != 0 || m.LogStartOffset != 150 {
		t.Fatalf("manifest: start %d, %d segments", m.LogStartOffset, len(m.Segments))
	}
	if st := u.Stats(); st.OrphanedObjects != 1 {
		t.Fatalf("orphans %d, want 1", st.OrphanedObjects)
	}
	// Nothing below the start offset again: no change, no new version.
	v := mustLoad(t, b).Version
	if _, err := u.DeleteSegmentsBefore(t.Context(), 120); err != nil || mustLoad(t, b).Version != v {
		t.Fatalf("a removal below the start offset changed the manifest (%v)", err)
	}
}

func mustLoad(t *testing.T, b objstore.Bucket) PartitionManifest {
	m, _ := bucketManifest(t, b)
	return m
}

func TestUploaderGapAfterLocalDeletion(t *testing.T) {
	b := objstore.NewMem()
	src := newMemSource(t, 3)
	src.mu.segs = src.mu.segs[1:] // local retention deleted the oldest before it was uploaded
	u, _ := newTestUploader(t, b, src)
	if n := uploadAll(t, u); n != 2 {
		t.Fatalf("uploaded %d segments, want 2", n)
	}
	m, _ := bucketManifest(t, b)
	if m.Segments[0].BaseOffset != 50 || m.EndOffset() != 150 {
		t.Fatalf("manifest spans %d to %d, want 50 to 150", m.Segments[0].BaseOffset, m.EndOffset())
	}
}

func TestUploaderRateLimitAndSourceMismatch(t *testing.T) {
	b := objstore.NewMem()
	src := newMemSource(t, 2)
	store, _ := NewManifestStore(b, testTP)
	cfg := testUploaderConfig(t)
	cfg.MaxBytesPerSecond = 1 << 30
	u, err := NewUploader(b, store, src, cfg)
	if err != nil {
		t.Fatal(err)
	}
	src.mu.segs[1].NextOffset++ // the source misdescribes its second segment
	if _, err := u.UploadNext(t.Context()); err != nil {
		t.Fatalf("UploadNext: %v", err)
	}
	if _, err := u.UploadNext(t.Context()); !errors.Is(err, ErrSourceMismatch) {
		t.Fatalf("UploadNext of a misdescribed segment = %v, want ErrSourceMismatch", err)
	}
	if m, _ := bucketManifest(t, b); len(m.Segments) != 1 {
		t.Fatalf("manifest holds %d segments, want 1", len(m.Segments))
	}
}

func TestUploaderConfigValidate(t *testing.T) {
	for _, cfg := range []UploaderConfig{
		{},
		{SpoolDir: "x", RetryBackoffMin: time.Second, RetryBackoffMax: time.Millisecond},
		{SpoolDir: "x", MaxBytesPerSecond: -1},
		{SpoolDir: "x", Writer: WriterConfig{ChunkBytes: 1}},
	} {
		if err := cfg.Validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Fatalf("Validate(%+v) = %v, want ErrInvalidConfig", cfg, err)
		}
	}
	if err := (UploaderConfig{SpoolDir: "x"}).Validate(); err != nil {
		t.Fatalf("Validate of the default config: %v", err)
	}
}

func TestUploaderMinIO(t *testing.T) {
	srv := miniotest.Start(t)
	b, err := objstore.NewMinIO(srv.MinIOConfig(srv.NewBucket(t, "upload")))
	if err != nil {
		t.Fatalf("NewMinIO: %v", err)
	}
	src := newMemSource(t, 3)
	u, _ := newTestUploader(t, b, src)
	if n := uploadAll(t, u); n != 3 {
		t.Fatalf("uploaded %d segments, want 3", n)
	}
	m, _ := bucketManifest(t, b)
	checkReadBack(t, b, src, m)
	removed, err := u.DeleteSegmentsBefore(t.Context(), 50)
	if err != nil || len(removed) != 1 {
		t.Fatalf("DeleteSegmentsBefore = %d segments, %v", len(removed), err)
	}
	if keys := segmentKeys(t, b); len(keys) != 2 {
		t.Fatalf("objects left %v, want 2", keys)
	}
	sw, err := NewSweeper(b, testTP, SweeperConfig{Now: func() time.Time { return time.Now().Add(2 * DefaultSweepGrace) }})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := sw.Sweep(t.Context()); err != nil || len(got) != 0 {
		t.Fatalf("Sweep with no orphans deleted %v (%v)", got, err)
	}
}

func TestCleanSpool(t *testing.T) {
	dir := t.TempDir()
	f, err := BuildSegmentFile(dir, bytes.NewReader(genLog(t, logSpec{batches: 1, records: 1})), 0, WriterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keep := filepath.Join(dir, "other.txt")
	if err := os.WriteFile(keep, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CleanSpool(dir); err != nil {
		t.Fatalf("CleanSpool: %v", err)
	}
	if _, err := os.Stat(f.Name()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the spool file survived: %v", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Fatalf("CleanSpool removed another file: %v", err)
	}
}
