package remote

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/strata-streaming/strata/tiered/objstore"
)

// Errors of the uploader.
var (
	// ErrVerify is an uploaded object whose size or CRC-32C, read back from
	// the bucket, differs from what was built. The object is deleted and the
	// upload is retried under a new upload id.
	ErrVerify = errors.New("remote: uploaded object failed verification")
	// ErrNotLeader is returned when the source says this node no longer
	// leads the partition: nothing is written to the manifest.
	ErrNotLeader = errors.New("remote: not the partition leader")
	// ErrSourceMismatch is a sealed segment whose bytes do not match what
	// SealedSegments said of it (size or offsets).
	ErrSourceMismatch = errors.New("remote: sealed segment differs from its description")
)

// SealedSegment describes one sealed segment of the hot tier: immutable,
// never appended to again.
type SealedSegment struct {
	BaseOffset int64 // the segment's base offset (its file name)
	NextOffset int64 // last offset of its last batch + 1
	Size       int64 // bytes of its batches (the .log file's size)
}

// SealedSource is the hot tier of one partition as the uploader sees it.
//
// SealedSegments lists the sealed segments in offset order, oldest first;
// the active segment is never among them. A segment may disappear from
// the list (local retention), never change.
//
// Open returns the batches of the sealed segment with that base offset,
// concatenated as in its .log file, and their size in bytes. The segment
// must stay readable until the reader is closed, even if retention
// deletes it meanwhile (an open file keeps it). A segment that is gone is
// an error wrapping os.ErrNotExist.
//
// LeaderEpoch returns the partition's current leader epoch and whether
// this node still leads it. It is asked before an upload starts (the
// epoch goes into the object's key) and again just before each manifest
// write: only the leader writes the manifest.
//
// All methods are safe for concurrent use.
type SealedSource interface {
	SealedSegments() []SealedSegment
	Open(base int64) (io.ReadCloser, int64, error)
	LeaderEpoch() (epoch int32, leader bool)
}

// Defaults of UploaderConfig, as Kafka's remote log manager has them.
const (
	DefaultRetryBackoffMin = 500 * time.Millisecond
	DefaultRetryBackoffMax = 30 * time.Second
	DefaultTaskInterval    = 30 * time.Second
)

// UploaderConfig configures an Uploader. The zero value, with a SpoolDir,
// is the default.
type UploaderConfig struct {
	// Writer builds the objects: chunk size (ChunkBytes), batch limit and
	// compression.
	Writer WriterConfig
	// SpoolDir is where objects are built before they are uploaded (see
	// BuildSegmentFile). Required.
	SpoolDir string
	// RetryBackoffMin and RetryBackoffMax bound Run's exponential backoff
	// after a failed upload (Kafka's remote.log.manager.task.retry.backoff.ms
	// and remote.log.manager.task.retry.backoff.max.ms). 0 means the default.
	RetryBackoffMin time.Duration
	RetryBackoffMax time.Duration
	// MaxBytesPerSecond paces object uploads (Kafka's
	// remote.log.manager.copy.max.bytes.per.second); 0 is no limit.
	MaxBytesPerSecond int64
	// SkipVerify skips the check after each Put that the store holds the
	// object at its size (one HEAD).
	SkipVerify bool
	// ReadBack also reads each object back after its Put and checks its
	// CRC-32C, doubling the upload's traffic. It is off by default: both
	// store clients send a checksum with every Put (CRC-32C from minio-go,
	// CRC-32 from the AWS SDK) that the store checks before it keeps the
	// object. Turn it on for a store that does not.
	ReadBack bool
	// TaskInterval is how long Run waits for a new sealed segment when
	// there is nothing to upload and no Wake came (Kafka's
	// remote.log.manager.task.interval.ms). 0 means the default.
	TaskInterval time.Duration
	// Now is the clock of upload times; nil means time.Now.
	Now func() time.Time
	// OnUploaded, when set, is called after each segment is added to the
	// manifest (the broker triggers retention there). It must not block.
	OnUploaded func(Segment)
	// Logger receives failed uploads, with the wait before the next
	// attempt; nil discards them.
	Logger *slog.Logger
	// Slots, when set, bounds how many uploaders sharing it upload at
	// once (Kafka's remote.log.manager.copier.thread.pool.size).
	Slots *UploadSlots
}

// UploadSlots is a semaphore shared by the uploaders of a broker.
type UploadSlots struct{ c chan struct{} }

// NewUploadSlots returns slots for n concurrent uploads (at least 1).
func NewUploadSlots(n int) *UploadSlots { return &UploadSlots{c: make(chan struct{}, max(n, 1))} }

// acquire takes a slot, or returns ctx's error; a nil *UploadSlots has
// slots for everyone.
func (s *UploadSlots) acquire(ctx context.Context) error {
	if s == nil {
		return nil
	}
	select {
	case s.c <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *UploadSlots) release() {
	if s != nil {
		<-s.c
	}
}

func (c UploaderConfig) withDefaults() UploaderConfig {
	if c.RetryBackoffMin == 0 {
		c.RetryBackoffMin = DefaultRetryBackoffMin
	}
	if c.RetryBackoffMax == 0 {
		c.RetryBackoffMax = max(DefaultRetryBackoffMax, c.RetryBackoffMin)
	}
	if c.TaskInterval == 0 {
		c.TaskInterval = DefaultTaskInterval
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate checks the config after defaults are applied.
func (c UploaderConfig) Validate() error {
	c = c.withDefaults()
	switch {
	case c.SpoolDir == "":
		return fmt.Errorf("%w: no SpoolDir", ErrInvalidConfig)
	case c.RetryBackoffMin < 0 || c.RetryBackoffMax < c.RetryBackoffMin:
		return fmt.Errorf("%w: retry backoff %v to %v", ErrInvalidConfig, c.RetryBackoffMin, c.RetryBackoffMax)
	case c.TaskInterval < 0:
		return fmt.Errorf("%w: TaskInterval %v", ErrInvalidConfig, c.TaskInterval)
	case c.MaxBytesPerSecond < 0:
		return fmt.Errorf("%w: MaxBytesPerSecond %d", ErrInvalidConfig, c.MaxBytesPerSecond)
	}
	return c.Writer.Validate()
}

// UploaderStats are an Uploader's counters since it was made.
type UploaderStats struct {
	BytesUploaded    int64 // bytes of objects added to the manifest
	SegmentsUploaded int64
	Errors           int64 // failed UploadNext calls
	VerifyFailures   int64 // of which failed verification
	OrphanedObjects  int64 // objects left for the sweeper: failed deletes, manifest writes that failed after a Put
	// BacklogBytes is the size of the sealed segments, or their parts, not
	// yet in the manifest.
	BacklogBytes int64
	// LastUpload is when the last segment was added to the manifest; zero
	// when none was since the uploader was made.
	LastUpload time.Time
	// LastError is the last upload failure's message, "" after a success.
	LastError string
}

// Uploader copies one partition's sealed segments to the bucket, oldest
// first, and removes them from it. It starts no goroutine: the caller of
// Run owns the loop. UploadNext, Run and DeleteSegmentsBefore may be
// called from different goroutines; uploads run one at a time.
type Uploader struct {
	bucket objstore.Bucket
	store  *ManifestStore
	src    SealedSource
	cfg    UploaderConfig

	upload sync.Mutex    // one upload at a time
	wake   chan struct{} // buffered 1: a new segment was sealed

	bytes, segments, errs, verifyFails, orphans atomic.Int64
	lastUpload                                  atomic.Int64 // ms since the epoch; 0 for never
	lastErr                                     atomic.Pointer[string]
}

// NewUploader returns the uploader of store's partition. It does no I/O.
func NewUploader(bucket objstore.Bucket, store *ManifestStore, src SealedSource, cfg UploaderConfig) (*Uploader, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("new uploader: %w", err)
	}
	return &Uploader{bucket: bucket, store: store, src: src, cfg: cfg.withDefaults(), wake: make(chan struct{}, 1)}, nil
}

// CleanSpool removes the object files that an earlier process left in a
// spool directory. Call it once at startup, before any uploader that
// shares the directory runs.
func CleanSpool(dir string) error {
	names, err := filepath.Glob(filepath.Join(dir, "segment-*.tmp"))
	if err != nil {
		return fmt.Errorf("clean spool: %w", err)
	}
	for _, name := range names {
		if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("clean spool: %w", err)
		}
	}
	return nil
}

// Stats returns the counters and the current backlog.
func (u *Uploader) Stats() UploaderStats {
	st := UploaderStats{
		BytesUploaded:    u.bytes.Load(),
		SegmentsUploaded: u.segments.Load(),
		Errors:           u.errs.Load(),
		VerifyFailures:   u.verifyFails.Load(),
		OrphanedObjects:  u.orphans.Load(),
	}
	if ms := u.lastUpload.Load(); ms > 0 {
		st.LastUpload = time.UnixMilli(ms)
	}
	if msg := u.lastErr.Load(); msg != nil {
		st.LastError = *msg
	}
	m, known := u.store.cached()
	end := m.EndOffset()
	for _, s := range u.src.SealedSegments() {
		if !known || s.NextOffset > end {
			st.BacklogBytes += s.Size
		}
	}
	return st
}

// UploadNext uploads the oldest sealed segment that the manifest does not
// yet hold, and adds it to the manifest. uploaded is false, with a nil
// error, when there is none. The object is written, then verified, then
// named by the manifest; a failure at any step leaves the manifest as it
// was.
func (u *Uploader) UploadNext(ctx context.Context) (uploaded bool, err error) {
	u.upload.Lock()
	defer u.upload.Unlock()
	uploaded, err = u.uploadNext(ctx)
	if err == nil {
		u.lastErr.Store(nil)
	} else if ctx.Err() == nil {
		msg := err.Error()
		u.lastErr.Store(&msg)
	}
	if err != nil {
		u.errs.Add(1)
		if errors.Is(err, ErrVerify) {
			u.verifyFails.Add(1)
		}
	}
	return uploaded, err
}

func (u *Uploader) uploadNext(ctx context.Context) (bool, error) {
	m, err := u.store.Current(ctx)
	if err != nil {
		return false, fmt.Errorf("upload: %w", err)
	}
	seg, ok := nextSealed(u.src.SealedSegments(), m.EndOffset())
	if !ok {
		return false, nil
	}
	if len(m.Segments) > 0 && seg.BaseOffset < m.EndOffset() {
		return false, fmt.Errorf("upload segment %d: %w: the manifest ends at %d inside it",
			seg.BaseOffset, ErrSegmentOverlap, m.EndOffset())
	}
	epoch, leader := u.src.LeaderEpoch()
	if !leader {
		return false, fmt.Errorf("upload segment %d: %w", seg.BaseOffset, ErrNotLeader)
	}
	if err := u.cfg.Slots.acquire(ctx); err != nil {
		return false, err
	}
	defer u.cfg.Slots.release()
	if err := u.uploadSegment(ctx, seg, epoch); err != nil {
		return false, fmt.Errorf("upload segment %d: %w", seg.BaseOffset, err)
	}
	return true, nil
}

// nextSealed returns the oldest sealed segment that holds offsets at or
// above end.
func nextSealed(sealed []SealedSegment, end int64) (SealedSegment, bool) {
	for _, s := range sealed {
		if s.NextOffset > end {
			return s, true
		}
	}
	return SealedSegment{}, false
}

// uploadSegment builds, puts, verifies and records one segment.
func (u *Uploader) uploadSegment(ctx context.Context, seg SealedSegment, epoch int32) error {
	f, err := u.build(seg)
	if err != nil {
		return err
	}
	defer f.Close()
	key := SegmentKey(u.store.TopicPartition(), seg.BaseOffset, epoch, NewUploadID())
	body := io.Reader(f.NewReader())
	if u.cfg.MaxBytesPerSecond > 0 {
		body = newPacedReader(ctx, body, u.cfg.MaxBytesPerSecond)
	}
	if err := u.bucket.Put(ctx, key, body, f.Info.Size); err != nil {
		return err // a failed Put leaves nothing under key
	}
	if !u.cfg.SkipVerify {
		if err := verifyObject(ctx, u.bucket, key, f.Info.Size, f.Info.CRC32C, u.cfg.ReadBack); err != nil {
			u.deleteOrphan(ctx, key)
			return err
		}
	}
	entry := f.Info.Segment(key, u.cfg.Now())
	if err := u.record(ctx, entry); err != nil {
		u.orphans.Add(1) // the object stays for the sweeper: the manifest may or may not name it
		return err
	}
	u.bytes.Add(f.Info.Size)
	u.segments.Add(1)
	u.lastUpload.Store(u.cfg.Now().UnixMilli())
	if u.cfg.OnUploaded != nil {
		u.cfg.OnUploaded(entry)
	}
	return nil
}

// build writes the object of seg into a spool file and checks it against
// the source's description.
func (u *Uploader) build(seg SealedSegment) (*SegmentFile, error) {
	rc, size, err := u.src.Open(seg.BaseOffset)
	if err != nil {
		return nil, fmt.Errorf("open sealed segment: %w", err)
	}
	defer rc.Close()
	f, err := BuildSegmentFile(u.cfg.SpoolDir, rc, seg.BaseOffset, u.cfg.Writer)
	if err != nil {
		return nil, err
	}
	meta := &f.Info.Meta
	if meta.BatchBytes != size || meta.NextOffset != seg.NextOffset {
		f.Close()
		return nil, fmt.Errorf("%w: %d bytes up to offset %d, expected %d bytes up to %d",
			ErrSourceMismatch, meta.BatchBytes, meta.NextOffset, size, seg.NextOffset)
	}
	return f, nil
}

// record adds s to the manifest and stores it, if this node still leads
// the partition. A segment whose offsets the manifest already passed
// (removed meanwhile) is ErrSegmentOverlap; one that starts after the
// manifest's end, because local data was deleted before it was uploaded,
// leaves a gap.
func (u *Uploader) record(ctx context.Context, s Segment) error {
	_, err := u.store.Update(ctx, func(m PartitionManifest) (PartitionManifest, bool, error) {
		if _, leader := u.src.LeaderEpoch(); !leader {
			return m, false, ErrNotLeader
		}
		next, err := AddSegmentAfterGap(m, s)
		return next, err == nil, err
	})
	return err
}

// deleteOrphan deletes an object that no manifest names, leaving it to
// the sweeper when that fails.
func (u *Uploader) deleteOrphan(ctx context.Context, key string) {
	if err := u.bucket.Delete(ctx, key); err != nil {
		u.orphans.Add(1)
	}
}

// verifyObject checks that the object under key has size bytes and, with
// readBack, that they read back with CRC-32C crc.
func verifyObject(ctx context.Context, bucket objstore.Bucket, key string, size int64, crc CRC32C, readBack bool) error {
	attrs, err := bucket.Attributes(ctx, key)
	if err != nil {
		return fmt.Errorf("verify %q: %w", key, err)
	}
	if attrs.Size != size {
		return fmt.Errorf("%w: %q has %d bytes, %d were written", ErrVerify, key, attrs.Size, size)
	}
	if !readBack {
		return nil
	}
	rc, err := bucket.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("verify %q: %w", key, err)
	}
	defer rc.Close()
	h := crc32.New(castagnoli)
	n, err := io.Copy(h, rc)
	if err != nil {
		return fmt.Errorf("verify %q: %w", key, err)
	}
	if got := CRC32C(h.Sum32()); n != size || got != crc {
		return fmt.Errorf("%w: %q reads back as %d bytes with CRC-32C %s, %d bytes with %s were written",
			ErrVerify, key, n, got, size, crc)
	}
	return nil
}

// DeleteSegmentsBefore removes from the manifest every segment that ends
// at or below offset, raises its log start offset to offset, stores it,
// and then deletes the removed segments' objects. A failed delete leaves
// an orphan for the sweeper and is not an error: the manifest no longer
// names it. It returns the segments removed.
func (u *Uploader) DeleteSegmentsBefore(ctx context.Context, offset int64) ([]Segment, error) {
	var removed []Segment
	_, err := u.store.Update(ctx, func(m PartitionManifest) (PartitionManifest, bool, error) {
		if _, leader := u.src.LeaderEpoch(); !leader {
			return m, false, ErrNotLeader
		}
		next, gone := RemoveSegmentsBefore(m, offset)
		removed = gone
		return next, next.Version != m.Version, nil
	})
	if err != nil {
		return nil, fmt.Errorf("delete remote segments before %d: %w", offset, err)
	}
	for _, s := range removed {
		u.deleteOrphan(ctx, s.Key)
	}
	return removed, nil
}
