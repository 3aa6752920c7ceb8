package retention

import (
	"errors"
	"fmt"
)

// Unlimited, as a retention limit, disables that kind of retention, as -1
// does in Kafka.
const Unlimited = -1

// Kafka's defaults for a topic's retention configuration.
const (
	DefaultRetentionMs    = 7 * 24 * 60 * 60 * 1000 // retention.ms: 7 days
	DefaultRetentionBytes = Unlimited               // retention.bytes
)

// ErrInvalidPolicy is the class of every Policy.Validate failure.
var ErrInvalidPolicy = errors.New("retention: invalid policy")

// Policy is a topic's retention configuration for the local tier.
type Policy struct {
	// RetentionMs is Kafka's retention.ms: a sealed segment is deleted once
	// its largest timestamp is more than this many milliseconds in the past.
	// Unlimited (-1) disables time-based retention.
	RetentionMs int64
	// RetentionBytes is Kafka's retention.bytes: the oldest sealed segments
	// are deleted while the partition would still hold at least this many
	// bytes without them. Unlimited (-1) disables size-based retention.
	RetentionBytes int64
}

// DefaultPolicy returns Kafka's default retention: seven days, no size limit.
func DefaultPolicy() Policy {
	return Policy{RetentionMs: DefaultRetentionMs, RetentionBytes: DefaultRetentionBytes}
}

// Validate reports every limit that is neither Unlimited nor at least zero,
// naming its configuration key. The errors match ErrInvalidPolicy.
func (p Policy) Validate() error {
	return errors.Join(
		checkLimit("retention.ms", p.RetentionMs),
		checkLimit("retention.bytes", p.RetentionBytes),
	)
}

func checkLimit(key string, v int64) error {
	if v >= Unlimited {
		return nil
	}
	return fmt.Errorf("%w: %s is %d, want -1 (unlimited) or at least 0", ErrInvalidPolicy, key, v)
}
