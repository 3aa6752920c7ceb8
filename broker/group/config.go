package group

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"go.opentelemetry.io/otel/metric"
)

// Defaults are Kafka's.
const (
	DefaultInitialRebalanceDelay         = 3 * time.Second        // group.initial.rebalance.delay.ms
	DefaultMinSessionTimeout             = 6 * time.Second        // group.min.session.timeout.ms
	DefaultMaxSessionTimeout             = 30 * time.Minute       // group.max.session.timeout.ms
	DefaultMaxSize                       = math.MaxInt32          // group.max.size
	DefaultOffsetsRetention              = 7 * 24 * time.Hour     // offsets.retention.minutes
	DefaultOffsetsRetentionCheckInterval = 10 * time.Minute       // offsets.retention.check.interval.ms
	DefaultOffsetMetadataMaxBytes        = 4096                   // offset.metadata.max.bytes
	DefaultOffsetCommitTimeout           = 5 * time.Second        // offsets.commit.timeout.ms
	DefaultNewMemberJoinTimeout          = 5 * time.Minute        // Kafka's fixed new-member join timeout
	DefaultTimerTick                     = 100 * time.Millisecond // no Kafka equivalent
)

// ErrConfig is the class of every Config.Validate failure.
var ErrConfig = errors.New("group: invalid config")

// Config configures a Coordinator. Start from DefaultConfig.
type Config struct {
	// InitialRebalanceDelay is group.initial.rebalance.delay.ms: how long
	// the first rebalance of an empty group waits for more members,
	// extended by the same again (up to the rebalance timeout) while new
	// members keep joining.
	InitialRebalanceDelay time.Duration
	// MinSessionTimeout and MaxSessionTimeout are
	// group.min.session.timeout.ms and group.max.session.timeout.ms: the
	// session timeouts a JoinGroup may ask for.
	MinSessionTimeout time.Duration
	MaxSessionTimeout time.Duration
	// MaxSize is group.max.size: the most members a group admits.
	MaxSize int
	// OffsetsRetention is offsets.retention.minutes: how long the offsets
	// of a group stay after it became empty (or, for offsets of topics a
	// stable consumer group no longer subscribes to and for groups that
	// only store offsets, after their last commit).
	OffsetsRetention time.Duration
	// OffsetsRetentionCheckInterval is offsets.retention.check.interval.ms:
	// how often expired offsets are removed.
	OffsetsRetentionCheckInterval time.Duration
	// OffsetMetadataMaxBytes is offset.metadata.max.bytes: the longest
	// metadata string an offset commit may carry.
	OffsetMetadataMaxBytes int
	// OffsetCommitTimeout is offsets.commit.timeout.ms: how long a write
	// to __consumer_offsets may take before it fails.
	OffsetCommitTimeout time.Duration
	// NewMemberJoinTimeout bounds how long a new member's first JoinGroup
	// may wait in a rebalance before the member is dropped (a constant in
	// Kafka, five minutes).
	NewMemberJoinTimeout time.Duration
	// TimerTick is how often session, rebalance and retention deadlines
	// are checked; it is the precision of every timeout.
	TimerTick time.Duration

	// Now is the clock; nil means time.Now. Tests set it.
	Now func() time.Time
	// Logger receives rebalances, expirations and store failures; nil
	// discards them.
	Logger *slog.Logger

	// Meter creates the coordinator's instruments (see the package
	// documentation); nil means no-op instruments.
	Meter metric.Meter
	// HighWatermark returns a partition's high watermark, or false when
	// this broker does not have the partition; the consumer lag gauge is
	// computed from it at collection time. Nil leaves lag out. It must
	// not call into the Coordinator.
	HighWatermark func(topic string, partition int32) (int64, bool)
}

// DefaultConfig returns Kafka's defaults.
func DefaultConfig() Config {
	return Config{
		InitialRebalanceDelay:         DefaultInitialRebalanceDelay,
		MinSessionTimeout:             DefaultMinSessionTimeout,
		MaxSessionTimeout:             DefaultMaxSessionTimeout,
		MaxSize:                       DefaultMaxSize,
		OffsetsRetention:              DefaultOffsetsRetention,
		OffsetsRetentionCheckInterval: DefaultOffsetsRetentionCheckInterval,
		OffsetMetadataMaxBytes:        DefaultOffsetMetadataMaxBytes,
		OffsetCommitTimeout:           DefaultOffsetCommitTimeout,
		NewMemberJoinTimeout:          DefaultNewMemberJoinTimeout,
		TimerTick:                     DefaultTimerTick,
	}
}

// Validate reports the first invalid field; the error matches ErrConfig.
func (c Config) Validate() error {
	switch {
	case c.InitialRebalanceDelay < 0:
		return fmt.Errorf("%w: group.initial.rebalance.delay.ms %v is negative", ErrConfig, c.InitialRebalanceDelay)
	case c.MinSessionTimeout <= 0:
		return fmt.Errorf("%w: group.min.session.timeout.ms %v is not positive", ErrConfig, c.MinSessionTimeout)
	case c.MaxSessionTimeout < c.MinSessionTimeout:
		return fmt.Errorf("%w: group.max.session.timeout.ms %v is below group.min.session.timeout.ms %v",
			ErrConfig, c.MaxSessionTimeout, c.MinSessionTimeout)
	case c.MaxSize < 1:
		return fmt.Errorf("%w: group.max.size %d is below 1", ErrConfig, c.MaxSize)
	case c.OffsetsRetention < time.Minute:
		return fmt.Errorf("%w: offsets.retention.minutes %v is below a minute", ErrConfig, c.OffsetsRetention)
	case c.OffsetsRetentionCheckInterval <= 0:
		return fmt.Errorf("%w: offsets.retention.check.interval.ms %v is not positive", ErrConfig, c.OffsetsRetentionCheckInterval)
	case c.OffsetMetadataMaxBytes < 0:
		return fmt.Errorf("%w: offset.metadata.max.bytes %d is negative", ErrConfig, c.OffsetMetadataMaxBytes)
	case c.OffsetCommitTimeout <= 0:
		return fmt.Errorf("%w: offsets.commit.timeout.ms %v is not positive", ErrConfig, c.OffsetCommitTimeout)
	case c.NewMemberJoinTimeout <= 0:
		return fmt.Errorf("%w: NewMemberJoinTimeout %v is not positive", ErrConfig, c.NewMemberJoinTimeout)
	case c.TimerTick <= 0:
		return fmt.Errorf("%w: TimerTick %v is not positive", ErrConfig, c.TimerTick)
	}
	return nil
}

// now returns the configured clock's time.
func (c Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// logger returns the configured logger, or one that discards.
func (c Config) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}
