package segment

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Config is the per-partition configuration of the hot tier. Field comments
// give the Kafka topic config each one carries.
type Config struct {
	// SegmentBytes is segment.bytes: the active segment rolls before an
	// append would take it past this size.
	SegmentBytes int64
	// SegmentMs is segment.ms: the active segment rolls once it is this old
	// (minus its jitter) and holds data.
	SegmentMs int64
	// SegmentJitterMs is segment.jitter.ms: each segment's roll time is
	// brought forward by a random amount below this, so that partitions
	// created together do not all roll at once.
	SegmentJitterMs int64
	// IndexIntervalBytes is index.interval.bytes: the log bytes between two
	// offset index entries.
	IndexIntervalBytes int64
	// MaxIndexBytes is segment.index.bytes: the active segment rolls when its
	// offset or time index reaches this size.
	MaxIndexBytes int64
	// FlushMessages is flush.messages: fsync after this many records have
	// been appended since the last fsync. math.MaxInt64 leaves it to Sync
	// and the operating system.
	FlushMessages int64
	// FlushMs is flush.ms: fsync when the oldest unsynced append is this old.
	// It is checked on append and by FlushIfDue.
	FlushMs int64

	// Now is the clock; nil means time.Now. Tests set it.
	Now func() time.Time

	// Metrics receives the log's measurements; nil records nothing. It is
	// not part of the log's configuration proper: logs that differ only
	// in it are configured alike.
	Metrics *Metrics

	// OnSealed, when set, is called once a rolled segment is durable and
	// listed by SealedSegments: from the goroutine that finished the seal,
	// outside the log's locks, before Close returns. Like Metrics, it is
	// not part of the configuration proper.
	OnSealed func()
}

// Defaults are Kafka's.
const (
	DefaultSegmentBytes       = 1 << 30
	DefaultSegmentMs          = 7 * 24 * 60 * 60 * 1000
	DefaultIndexIntervalBytes = 4096
	DefaultMaxIndexBytes      = 10 << 20
)

// ErrConfig is the class of configuration errors.
var ErrConfig = errors.New("segment: invalid config")

// DefaultConfig returns Kafka's defaults.
func DefaultConfig() Config {
	return Config{
		SegmentBytes:       DefaultSegmentBytes,
		SegmentMs:          DefaultSegmentMs,
		IndexIntervalBytes: DefaultIndexIntervalBytes,
		MaxIndexBytes:      DefaultMaxIndexBytes,
		FlushMessages:      math.MaxInt64,
		FlushMs:            math.MaxInt64,
	}
}

// Validate reports the first invalid field, naming its Kafka config.
func (c *Config) Validate() error {
	switch {
	case c.SegmentBytes < 14 || c.SegmentBytes > math.MaxInt32:
		return fmt.Errorf("%w: segment.bytes %d is outside [14, %d]", ErrConfig, c.SegmentBytes, math.MaxInt32)
	case c.SegmentMs < 1:
		return fmt.Errorf("%w: segment.ms %d must be at least 1", ErrConfig, c.SegmentMs)
	case c.SegmentJitterMs < 0:
		return fmt.Errorf("%w: segment.jitter.ms %d must not be negative", ErrConfig, c.SegmentJitterMs)
	case c.IndexIntervalBytes < 0:
		return fmt.Errorf("%w: index.interval.bytes %d must not be negative", ErrConfig, c.IndexIntervalBytes)
	case c.MaxIndexBytes < 4*timeEntrySize:
		return fmt.Errorf("%w: segment.index.bytes %d must be at least %d", ErrConfig, c.MaxIndexBytes, 4*timeEntrySize)
	case c.FlushMessages < 1:
		return fmt.Errorf("%w: flush.messages %d must be at least 1", ErrConfig, c.FlushMessages)
	case c.FlushMs < 0:
		return fmt.Errorf("%w: flush.ms %d must not be negative", ErrConfig, c.FlushMs)
	}
	return nil
}

func (c *Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}
