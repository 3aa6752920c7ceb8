package broker

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/strata-streaming/strata/broker/config"
	"github.com/strata-streaming/strata/replication"
	"github.com/strata-streaming/strata/replication/controller"
	"github.com/strata-streaming/strata/retention"
	"github.com/strata-streaming/strata/tiered"
	"github.com/strata-streaming/strata/tiered/objstore"
	"github.com/strata-streaming/strata/tiered/remote"
)

// probeTimeout bounds the start-up check of the object store.
const probeTimeout = 15 * time.Second

// Directories of tiered storage under the data directory.
const (
	objectsDir      = "objects"          // the embedded default object store
	remoteCacheDir  = "remote-cache"     // decoded chunks of cold reads
	remoteSpoolDir  = "remote-spool"     // segment objects being built
	remoteDeleteDir = "remote-deletions" // topics whose remote data is being deleted
	manifestCopy    = "remote-manifest.json"
)

// tiering is the broker's tiered storage: the bucket, the chunk cache
// shared by cold reads, the remote tier of every tiered partition, and
// the deletion of deleted topics' remote data.
type tiering struct {
	bucket  objstore.Bucket
	cache   *remote.ChunkCache
	base    remote.TierConfig // every tier's config but the partition's own fields
	dataDir string
	log     *slog.Logger

	mu struct {
		sync.Mutex
		tiers map[tierKey]*remote.Tier
	}
	deleter deleter
	// readLatency times every remote read (set by observeTiering).
	readLatency metric.Float64Histogram
}

// tierKey names a partition across topic re-creations.
type tierKey struct {
	id    controller.TopicID
	index int32
}

// objectStoreURL is the configured store, or the embedded default.
func objectStoreURL(dataDir string, bc *config.Resolved) (string, error) {
	if u := bc.String("object.store.url"); u != "" {
		return u, nil
	}
	abs, err := filepath.Abs(filepath.Join(dataDir, objectsDir))
	if err != nil {
		return "", fmt.Errorf("broker: object store directory: %w", err)
	}
	return "file://" + filepath.ToSlash(abs), nil
}

// openTiering opens the object store and the chunk cache. A store that
// does not answer is logged as an error and not fatal: the broker serves
// the hot tier while uploads wait and cold reads fail retriably. A URL
// that cannot work is fatal.
func openTiering(ctx context.Context, dataDir string, bc *config.Resolved, log *slog.Logger) (*tiering, error) {
	raw, err := objectStoreURL(dataDir, bc)
	if err != nil {
		return nil, err
	}
	bucket, err := objstore.OpenURL(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("broker: object store: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	if err := objstore.Probe(pctx, bucket); err != nil {
		log.Error("the object store does not answer: serving the local tier; uploads wait and cold reads fail until it does",
			"object_store", objstore.Redact(raw), "err", err)
	} else {
		log.Info("tiered storage", "object_store", objstore.Redact(raw))
	}
	cache, err := remote.OpenChunkCache(bucket, remote.CacheConfig{
		Dir:                  filepath.Join(dataDir, remoteCacheDir),
		MaxBytes:             bc.Int64("remote.log.chunk.cache.size.bytes"),
		MaxConcurrentFetches: bc.Int("remote.log.reader.threads"),
	})
	if err != nil {
		return nil, fmt.Errorf("broker: open chunk cache: %w", err)
	}
	spool := filepath.Join(dataDir, remoteSpoolDir)
	if err := os.MkdirAll(spool, 0o755); err != nil {
		return nil, fmt.Errorf("broker: create upload spool: %w", err)
	}
	if err := remote.CleanSpool(spool); err != nil {
		return nil, fmt.Errorf("broker: %w", err)
	}
	t := &tiering{bucket: bucket, cache: cache, base: tierConfig(bc, spool, log), dataDir: dataDir, log: log}
	t.mu.tiers = map[tierKey]*remote.Tier{}
	t.deleter = deleter{bucket: bucket, dir: filepath.Join(dataDir, remoteDeleteDir), log: log}
	return t, nil
}

// tierConfig is the tier configuration the broker settings give.
func tierConfig(bc *config.Resolved, spool string, log *slog.Logger) remote.TierConfig {
	ms := func(name string) time.Duration { return time.Duration(bc.Int64(name)) * time.Millisecond }
	rate := bc.Int64("remote.log.manager.copy.max.bytes.per.second")
	if rate == 1<<63-1 {
		rate = 0 // Kafka's default: no limit
	}
	return remote.TierConfig{
		Uploader: remote.UploaderConfig{
			SpoolDir:          spool,
			RetryBackoffMin:   ms("remote.log.manager.task.retry.backoff.ms"),
			RetryBackoffMax:   max(ms("remote.log.manager.task.retry.backoff.max.ms"), ms("remote.log.manager.task.retry.backoff.ms")),
			TaskInterval:      ms("remote.log.manager.task.interval.ms"),
			MaxBytesPerSecond: rate,
			Slots:             remote.NewUploadSlots(bc.Int("remote.log.manager.copier.thread.pool.size")),
		},
		Reader:        remote.PartitionReaderConfig{ReturnEarly: true},
		Sweeper:       remote.SweeperConfig{Grace: max(ms("remote.log.orphan.grace.ms"), time.Millisecond)},
		SweepInterval: ms("remote.log.orphan.sweep.interval.ms"),
		Logger:        log,
	}
}

// isTiered reports whether a topic's partitions have a remote tier:
// remote.storage.enable, and not compacted (compaction of the remote tier
// is not built yet) nor internal.
func isTiered(t *controller.Topic, r *config.Resolved) bool {
	return !t.Internal && r.Bool("remote.storage.enable") && !slices.Contains(r.List("cleanup.policy"), "compact")
}

// attach gives p its remote tier, opening and starting it on first use,
// and returns it. onUploaded is called after each upload.
func (t *tiering) attach(p *replication.Partition, topic *controller.Topic, onUploaded func()) (*remote.Tier, error) {
	key := tierKey{p.TopicID(), p.Index()}
	t.mu.Lock()
	defer t.mu.Unlock()
	tier := t.mu.tiers[key]
	if tier == nil {
		var err error
		if tier, err = t.open(p, topic, onUploaded); err != nil {
			return nil, err
		}
		t.mu.tiers[key] = tier
		tier.Start()
	}
	var r tiered.RemoteReader = tiered.NewRemoteReader(tier)
	if t.readLatency != nil {
		r = timedRemote{r, t.readLatency}
	}
	p.Log().SetRemote(r)
	return tier, nil
}

// open opens the remote tier of p.
func (t *tiering) open(p *replication.Partition, topic *controller.Topic, onUploaded func()) (*remote.Tier, error) {
	id := remote.TopicID(p.TopicID())
	tp := remote.TopicPartition{Topic: p.Topic(), TopicID: id, Partition: p.Index()}
	cfg := t.base
	cfg.ManifestCopy = filepath.Join(p.Dir(), manifestCopy)
	cfg.Topic = &remote.TopicManifest{Topic: topic.Name, TopicID: id, Partitions: int32(len(topic.Partitions)),
		Configs: topic.Configs, Created: time.Now()}
	cfg.Uploader.OnUploaded = func(remote.Segment) { onUploaded() }
	cfg.Logger = t.log.With("partition", partitionName(p))
	tier, err := remote.OpenTier(t.bucket, t.cache, tp, partitionSource{p}, cfg)
	if err != nil {
		return nil, fmt.Errorf("broker: open remote tier of %s: %w", partitionName(p), err)
	}
	return tier, nil
}

// tier returns the remote tier of a partition, or nil.
func (t *tiering) tier(id controller.TopicID, index int32) *remote.Tier {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.mu.tiers[tierKey{id, index}]
}

// tiers returns every open remote tier.
func (t *tiering) tiers() map[tierKey]*remote.Tier {
	t.mu.Lock()
	defer t.mu.Unlock()
	return maps.Clone(t.mu.tiers)
}

// reconcile closes the tiers of partitions this broker no longer has open,
// and starts deleting the remote data of topics img no longer has.
func (t *tiering) reconcile(img *controller.Image, open []*replication.Partition) {
	keep := map[tierKey]bool{}
	for _, p := range open {
		keep[tierKey{p.TopicID(), p.Index()}] = true
	}
	t.mu.Lock()
	var gone []*remote.Tier
	for k, tier := range t.mu.tiers {
		if !keep[k] {
			gone = append(gone, tier)
			delete(t.mu.tiers, k)
		}
	}
	t.mu.Unlock()
	for _, tier := range gone {
		if err := tier.Close(); err != nil {
			t.log.Warn("close remote tier", "err", err)
		}
	}
	t.deleter.wake(img)
}

// close stops every tier and the deleter.
func (t *tiering) close() error {
	t.deleter.stop()
	t.mu.Lock()
	tiers := t.mu.tiers
	t.mu.tiers = map[tierKey]*remote.Tier{}
	t.mu.Unlock()
	for _, tier := range tiers {
		tier.Close()
	}
	return nil
}

// partitionSource is a partition's hot tier as its uploader sees it,
// following the partition's log across reopens.
type partitionSource struct{ p *replication.Partition }

func (s partitionSource) source() remote.SealedSource {
	return s.p.Log().SealedSource(s.LeaderEpoch)
}

func (s partitionSource) SealedSegments() []remote.SealedSegment {
	return s.source().SealedSegments()
}

func (s partitionSource) Open(base int64) (io.ReadCloser, int64, error) {
	return s.source().Open(base)
}

func (s partitionSource) LeaderEpoch() (int32, bool) {
	return s.p.LeaderEpoch(), s.p.IsLeader()
}

// tierRetention is a remote tier as retention sees it.
type tierRetention struct{ t *remote.Tier }

func (r tierRetention) RemoteSegments() ([]retention.RemoteSegment, int64, bool) {
	if !r.t.Known() {
		return nil, 0, false
	}
	m := r.t.Manifest()
	segs := make([]retention.RemoteSegment, len(m.Segments))
	for i, s := range m.Segments {
		segs[i] = retention.RemoteSegment{BaseOffset: s.BaseOffset, NextOffset: s.NextOffset,
			Size: s.BatchBytes, MaxTimestamp: s.MaxTimestamp}
	}
	return segs, m.EndOffset(), true
}

func (r tierRetention) DeleteRemoteBefore(ctx context.Context, offset int64) (int, error) {
	removed, err := r.t.DeleteBefore(ctx, offset)
	return len(removed), err
}

// PartitionTiers describes one partition's two tiers.
type PartitionTiers struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	// LogStartOffset is where the partition's log starts, in either tier;
	// LocalStartOffset where its local copy does; LogEndOffset where it ends.
	LogStartOffset   int64 `json:"log_start_offset"`
	LocalStartOffset int64 `json:"local_start_offset"`
	LogEndOffset     int64 `json:"log_end_offset"`
	LocalBytes       int64 `json:"local_bytes"`
	// Remote is the remote tier's state; nil for a partition without one.
	Remote *remote.TierStats `json:"remote,omitempty"`
}

// Tiers describes every partition this broker holds, ordered by topic and
// partition.
func (b *Broker) Tiers() []PartitionTiers {
	var out []PartitionTiers
	for _, p := range b.parts.Partitions() {
		l := p.Log()
		pt := PartitionTiers{Topic: p.Topic(), Partition: p.Index(), LogStartOffset: l.StartOffset(),
			LocalStartOffset: l.LocalStartOffset(), LogEndOffset: l.EndOffset(), LocalBytes: l.Size()}
		if b.tiering != nil {
			if tier := b.tiering.tier(p.TopicID(), p.Index()); tier != nil {
				st := tier.Stats()
				pt.Remote = &st
			}
		}
		out = append(out, pt)
	}
	slices.SortFunc(out, func(a, b PartitionTiers) int {
		if c := strings.Compare(a.Topic, b.Topic); c != 0 {
			return c
		}
		return int(a.Partition - b.Partition)
	})
	return out
}
