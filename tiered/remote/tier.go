package remote

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/strata-streaming/strata/tiered/objstore"
)

// DefaultSweepInterval is how often a Tier sweeps its partition's orphans.
const DefaultSweepInterval = 15 * time.Minute

// TierConfig configures a Tier. The zero value, with an Uploader.SpoolDir,
// is the default.
type TierConfig struct {
	Uploader UploaderConfig
	Reader   PartitionReaderConfig
	Sweeper  SweeperConfig
	// SweepInterval is how often the orphans are swept; 0 means
	// DefaultSweepInterval, -1 never.
	SweepInterval time.Duration
	// ManifestCopy is the file the partition manifest is copied to (see
	// ManifestStore.KeepLocalCopy); "" keeps no copy.
	ManifestCopy string
	// Topic, when set, is the topic's manifest: the tier publishes it (see
	// PublishTopic) before its first upload, so that the bucket describes
	// the topic before it holds any of its data.
	Topic *TopicManifest
	// Logger receives upload and sweep failures; nil discards them.
	Logger *slog.Logger
}

// Validate checks the config after defaults are applied.
func (c TierConfig) Validate() error {
	if c.SweepInterval < -1 {
		return fmt.Errorf("%w: sweep interval %v", ErrInvalidConfig, c.SweepInterval)
	}
	return errors.Join(c.Uploader.Validate(), c.Reader.Validate(), c.Sweeper.Validate())
}

// Tier is one partition's remote tier on the broker that leads it: the
// manifest store, the uploader and its loop, the reader and the sweeper.
// Start runs its background work; Close stops it and waits. It is safe for
// concurrent use.
type Tier struct {
	tp      TopicPartition
	bucket  objstore.Bucket
	store   *ManifestStore
	up      *Uploader
	reader  *PartitionReader
	sweeper *Sweeper
	cfg     TierConfig
	log     *slog.Logger

	mu struct {
		sync.Mutex
		cancel context.CancelFunc // set by Start
		closed bool
	}
	loops sync.WaitGroup
}

// OpenTier assembles the remote tier of tp over bucket and cache, whose
// uploads come from src. It does no I/O beyond reading the manifest's
// local copy.
func OpenTier(bucket objstore.Bucket, cache *ChunkCache, tp TopicPartition, src SealedSource, cfg TierConfig) (*Tier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("open tier: %w", err)
	}
	if cfg.SweepInterval == 0 {
		cfg.SweepInterval = DefaultSweepInterval
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Uploader.Logger == nil {
		cfg.Uploader.Logger = log
	}
	t := &Tier{tp: tp, bucket: bucket, cfg: cfg, log: log}
	var err error
	if t.store, err = NewManifestStore(bucket, tp); err != nil {
		return nil, fmt.Errorf("open tier: %w", err)
	}
	if cfg.ManifestCopy != "" {
		if err := t.store.KeepLocalCopy(cfg.ManifestCopy); err != nil {
			log.Warn("ignoring the local copy of the partition manifest", "err", err)
		}
	}
	if t.up, err = NewUploader(bucket, t.store, src, cfg.Uploader); err != nil {
		return nil, fmt.Errorf("open tier: %w", err)
	}
	if t.reader, err = NewPartitionReader(cache, t.store.Latest, cfg.Reader); err != nil {
		return nil, fmt.Errorf("open tier: %w", err)
	}
	if t.sweeper, err = NewSweeper(bucket, tp, cfg.Sweeper); err != nil {
		return nil, fmt.Errorf("open tier: %w", err)
	}
	return t, nil
}

// TopicPartition is the partition of the tier.
func (t *Tier) TopicPartition() TopicPartition { return t.tp }

// Start starts the upload loop and the periodic sweep. They run until
// Close; failures are logged, counted and retried.
func (t *Tier) Start() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.mu.closed || t.mu.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.mu.cancel = cancel
	t.loops.Add(1)
	go func() {
		defer t.loops.Done()
		if t.publishTopic(ctx) {
			t.up.Run(ctx)
		}
	}()
	if t.cfg.SweepInterval > 0 {
		t.loops.Add(1)
		go t.sweepLoop(ctx)
	}
}

// publishTopic publishes the topic's manifest, retrying with the
// uploader's backoff, and reports false if ctx ended first.
func (t *Tier) publishTopic(ctx context.Context) bool {
	if t.cfg.Topic == nil {
		return true
	}
	backoff := t.up.cfg.RetryBackoffMin
	for {
		err := PublishTopic(ctx, t.bucket, *t.cfg.Topic)
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		t.log.Warn("publish topic manifest", "topic", t.tp.Topic, "err", err, "retry_in", backoff)
		if !t.up.sleep(ctx, backoff, false) {
			return false
		}
		backoff = min(2*backoff, t.up.cfg.RetryBackoffMax)
	}
}

// sweepLoop sweeps the partition's orphans every SweepInterval.
func (t *Tier) sweepLoop(ctx context.Context) {
	defer t.loops.Done()
	tick := time.NewTicker(t.cfg.SweepInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if deleted, err := t.sweeper.Sweep(ctx); err != nil && ctx.Err() == nil {
			t.log.Warn("sweep remote orphans", "err", err)
		} else if len(deleted) > 0 {
			t.log.Info("swept remote orphans", "objects", len(deleted))
		}
	}
}

// Close stops the background work, waits for it, and closes the reader.
// An upload in flight is abandoned: its object is left for the sweeper.
func (t *Tier) Close() error {
	t.mu.Lock()
	cancel := t.mu.cancel
	t.mu.closed = true
	t.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	t.loops.Wait()
	return t.reader.Close()
}

// Wake tells the uploader a segment was sealed.
func (t *Tier) Wake() { t.up.Wake() }

// Read reads batches from the remote tier (see PartitionReader.Read).
func (t *Tier) Read(ctx context.Context, offset int64, maxBytes int) (Batches, int64, error) {
	return t.reader.Read(ctx, offset, maxBytes)
}

// Manifest is the newest manifest known without I/O (see
// ManifestStore.Latest).
func (t *Tier) Manifest() PartitionManifest { return t.store.Latest() }

// Known reports whether the bucket's manifest has been read or written
// since the tier opened; until then Manifest is the local copy.
func (t *Tier) Known() bool { return t.store.Known() }

// Refresh reads the manifest from the bucket, as the first upload does.
func (t *Tier) Refresh(ctx context.Context) error {
	_, err := t.store.Current(ctx)
	return err
}

// DeleteBefore raises the remote log start offset to offset and deletes
// the segments wholly below it: the manifest first, then the objects.
func (t *Tier) DeleteBefore(ctx context.Context, offset int64) ([]Segment, error) {
	return t.up.DeleteSegmentsBefore(ctx, offset)
}

// Sweep deletes the partition's orphans now (see Sweeper.Sweep).
func (t *Tier) Sweep(ctx context.Context) ([]string, error) { return t.sweeper.Sweep(ctx) }

// UploadNext uploads the next sealed segment now (see
// Uploader.UploadNext); tools and tests use it, the loop does the rest.
func (t *Tier) UploadNext(ctx context.Context) (bool, error) { return t.up.UploadNext(ctx) }

// TierStats describes a tier for status tools and metrics.
type TierStats struct {
	UploaderStats
	Segments       int   // segments in the manifest
	Bytes          int64 // bytes of their objects
	LogStartOffset int64 // the remote log start offset
	EndOffset      int64 // the offset after the last remote segment
	Known          bool  // the manifest was read from or written to the bucket
}

// Stats returns the tier's counters and its manifest's figures.
func (t *Tier) Stats() TierStats {
	m := t.store.Latest()
	st := TierStats{UploaderStats: t.up.Stats(), Segments: len(m.Segments),
		LogStartOffset: m.LogStartOffset, EndOffset: m.EndOffset(), Known: t.store.Known()}
	for _, s := range m.Segments {
		st.Bytes += s.ObjectSize
	}
	return st
}

// DeletePartition deletes everything tp has in bucket: the objects its
// manifest names, any other object under its prefix, and the manifest
// last, so that an interrupted deletion can run again.
func DeletePartition(ctx context.Context, bucket objstore.Bucket, tp TopicPartition) error {
	var keys []string
	manifest := PartitionManifestKey(tp)
	err := bucket.List(ctx, PartitionPrefix(tp), func(a objstore.ObjectAttrs) error {
		if a.Key != manifest {
			keys = append(keys, a.Key)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete remote partition %s/%d: %w", tp.Topic, tp.Partition, err)
	}
	for _, key := range append(keys, manifest) {
		if err := bucket.Delete(ctx, key); err != nil && !errors.Is(err, objstore.ErrNotFound) {
			return fmt.Errorf("delete remote partition %s/%d: %w", tp.Topic, tp.Partition, err)
		}
	}
	return nil
}
