package retention

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// DefaultCheckInterval is Kafka's default log.retention.check.interval.ms.
const DefaultCheckInterval = 5 * time.Minute

// ErrInvalidConfig is the class of every Config.Validate failure.
var ErrInvalidConfig = errors.New("retention: invalid config")

// Config configures a Manager. Start from DefaultConfig.
type Config struct {
	// CheckInterval is how often the background loop enforces retention on
	// every partition (Kafka's log.retention.check.interval.ms).
	CheckInterval time.Duration
	// Now is the clock plans are made against; nil means time.Now.
	Now func() time.Time
	// Logger receives deletions and enforcement failures; nil discards them.
	Logger *slog.Logger
}

// DefaultConfig returns the configuration Kafka's defaults imply.
func DefaultConfig() Config {
	return Config{CheckInterval: DefaultCheckInterval}
}

// Validate reports a configuration a Manager cannot run with. The error
// matches ErrInvalidConfig.
func (c Config) Validate() error {
	if c.CheckInterval <= 0 {
		return fmt.Errorf("%w: check interval (log.retention.check.interval.ms) is %v, want more than 0",
			ErrInvalidConfig, c.CheckInterval)
	}
	return nil
}
