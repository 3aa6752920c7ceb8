package replication

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/strata-streaming/strata/replication/controller"
	"github.com/strata-streaming/strata/tiered"
)

// Defaults are Kafka's.
const (
	// DefaultMaxMessageBytes is max.message.bytes.
	DefaultMaxMessageBytes = 1048588
	// DefaultProducerIDExpirationMs is producer.id.expiration.ms: one day.
	DefaultProducerIDExpirationMs = 86400000
	// DefaultProducerIDExpirationCheckIntervalMs is
	// producer.id.expiration.check.interval.ms: ten minutes.
	DefaultProducerIDExpirationCheckIntervalMs = 600000
	// minDecompressedBytes is the least a produced batch may decompress
	// to; see TopicConfig.decompressLimit.
	minDecompressedBytes = 64 << 20
)

// TopicConfig is what a partition needs of its topic's configuration.
// Field comments give the Kafka topic config each one carries.
type TopicConfig struct {
	// Log is the partition log's configuration (segment.bytes, segment.ms,
	// index.interval.bytes, flush.messages, ...).
	Log tiered.Config
	// MaxMessageBytes is max.message.bytes: the largest record batch a
	// producer may send, compressed size.
	MaxMessageBytes int
	// LogAppendTime is message.timestamp.type=LogAppendTime: batches are
	// stamped with the broker's append time.
	LogAppendTime bool
	// MinInsyncReplicas is min.insync.replicas: an acks=all produce fails
	// with ErrNotEnoughReplicas while fewer replicas are in sync.
	MinInsyncReplicas int
}

// DefaultTopicConfig returns Kafka's defaults.
func DefaultTopicConfig() TopicConfig {
	return TopicConfig{Log: tiered.DefaultConfig(), MaxMessageBytes: DefaultMaxMessageBytes, MinInsyncReplicas: 1}
}

// Validate reports the first invalid field.
func (c *TopicConfig) Validate() error {
	switch {
	case c.MaxMessageBytes < 0:
		return fmt.Errorf("%w: max.message.bytes %d must not be negative", ErrConfig, c.MaxMessageBytes)
	case c.MinInsyncReplicas < 1:
		return fmt.Errorf("%w: min.insync.replicas %d must be at least 1", ErrConfig, c.MinInsyncReplicas)
	}
	return c.Log.Validate()
}

// decompressLimit bounds what one produced compressed batch may
// decompress to when its records are checked: 64 MiB, or 16 times
// max.message.bytes when that is more. Producers bound their batches by
// compressed size (the Java client estimates the ratio), so a highly
// compressible batch legitimately expands many times; the limit only stops
// decompression bombs. tiered/batch caps any limit at 2 GiB - 1.
func (c *TopicConfig) decompressLimit() int {
	return max(minDecompressedBytes, 16*c.MaxMessageBytes, c.Log.MaxDecompressedBytes)
}

// sameLog reports whether two log configurations are equal, the clock
// aside.
func sameLog(a, b tiered.Config) bool {
	return a.MaxDecompressedBytes == b.MaxDecompressedBytes &&
		a.Segment.SegmentBytes == b.Segment.SegmentBytes &&
		a.Segment.SegmentMs == b.Segment.SegmentMs &&
		a.Segment.SegmentJitterMs == b.Segment.SegmentJitterMs &&
		a.Segment.IndexIntervalBytes == b.Segment.IndexIntervalBytes &&
		a.Segment.MaxIndexBytes == b.Segment.MaxIndexBytes &&
		a.Segment.FlushMessages == b.Segment.FlushMessages &&
		a.Segment.FlushMs == b.Segment.FlushMs
}

// ManagerConfig configures a Manager.
type ManagerConfig struct {
	// NodeID is this broker's id: the manager opens the partitions whose
	// replicas include it.
	NodeID int32
	// DataDir is log.dirs: the directory holding one directory per
	// partition.
	DataDir string
	// TopicConfig resolves a topic's configuration; nil gives every topic
	// DefaultTopicConfig. It is called on every Apply, so it may depend on
	// dynamic broker configs.
	TopicConfig func(*controller.Topic) (TopicConfig, error)
	// OnOpen is called after a partition's log is opened (and reopened by
	// a reconfiguration); OnClose before it is closed. The broker
	// registers the log with the retention manager there. Either may be
	// nil. They are called from Apply and Close, one at a time.
	OnOpen, OnClose func(*Partition)
	// OnRoll is called once a segment an append rolled is sealed and
	// durable, from the log's sealing goroutine, outside the partition's
	// locks: the broker wakes the uploader and retention there. It must
	// not block. It may be nil.
	OnRoll func(*Partition)
	// ProducerIDExpirationMs is producer.id.expiration.ms: the state of an
	// idempotent producer that has not written for this long is dropped.
	// Zero means the default.
	ProducerIDExpirationMs int64
	// ProducerIDExpirationCheckIntervalMs is
	// producer.id.expiration.check.interval.ms: how often the manager
	// looks for expired producers. Zero means the default; negative turns
	// the periodic check off (ExpireProducers still works).
	ProducerIDExpirationCheckIntervalMs int64
	// Logger receives the manager's logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock for producer expiration; nil means time.Now.
	Now func() time.Time
}

// DefaultManagerConfig returns Kafka's defaults for node 0 in dir.
func DefaultManagerConfig(dir string) ManagerConfig {
	return ManagerConfig{
		DataDir:                             dir,
		ProducerIDExpirationMs:              DefaultProducerIDExpirationMs,
		ProducerIDExpirationCheckIntervalMs: DefaultProducerIDExpirationCheckIntervalMs,
	}
}

// Validate reports the first invalid field.
func (c *ManagerConfig) Validate() error {
	switch {
	case c.DataDir == "":
		return fmt.Errorf("%w: log.dirs is empty", ErrConfig)
	case c.NodeID < 0:
		return fmt.Errorf("%w: node.id %d must not be negative", ErrConfig, c.NodeID)
	case c.ProducerIDExpirationMs < 0:
		return fmt.Errorf("%w: producer.id.expiration.ms %d must not be negative", ErrConfig, c.ProducerIDExpirationMs)
	}
	return nil
}

// withDefaults fills the zero fields that have defaults.
func (c ManagerConfig) withDefaults() ManagerConfig {
	if c.ProducerIDExpirationMs == 0 {
		c.ProducerIDExpirationMs = DefaultProducerIDExpirationMs
	}
	if c.ProducerIDExpirationCheckIntervalMs == 0 {
		c.ProducerIDExpirationCheckIntervalMs = DefaultProducerIDExpirationCheckIntervalMs
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.TopicConfig == nil {
		c.TopicConfig = func(*controller.Topic) (TopicConfig, error) { return DefaultTopicConfig(), nil }
	}
	return c
}
