package wire

import (
	"fmt"
	"log/slog"
	"math"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// Defaults, named after the Kafka settings they stand for.
const (
	DefaultMaxRequestSize    = 104857600 // socket.request.max.bytes
	DefaultMaxQueuedBytes    = 16 << 20
	DefaultMaxQueuedRequests = 100
	DefaultIdleTimeout       = 10 * time.Minute // connections.max.idle.ms
	DefaultWriteTimeout      = time.Minute
)

// Config configures a Server.
type Config struct {
	// MaxRequestSize caps the declared size of a request frame, checked
	// before the frame is allocated (socket.request.max.bytes).
	MaxRequestSize int

	// MaxQueuedBytes caps the frame bytes one connection may hold read but
	// not yet answered (like queued.max.request.bytes, which Kafka applies
	// broker-wide). At the cap the connection stops reading until the
	// requests ahead are served. A single frame larger than the cap is
	// admitted when nothing else is queued, so a connection holds at most
	// max(MaxQueuedBytes, MaxRequestSize).
	MaxQueuedBytes int

	// MaxQueuedRequests caps the requests one connection may hold read but
	// not yet answered (like queued.max.requests, broker-wide in Kafka).
	MaxQueuedRequests int

	// IdleTimeout closes a connection that has sent nothing and has had
	// nothing to answer for this long; it also bounds a stall inside a
	// frame (connections.max.idle.ms). Zero disables it.
	IdleTimeout time.Duration

	// WriteTimeout bounds each write of responses to a connection, so a
	// client that stops reading cannot hold its connection's memory
	// forever. Kafka has no equivalent setting. Zero disables it.
	WriteTimeout time.Duration

	// MaxConnections caps concurrent connections across all listeners
	// (max.connections). At the cap the Server stops accepting until a
	// connection closes. Zero means no cap.
	MaxConnections int

	// Logger receives connection events; malformed input is logged at
	// debug. Nil discards them.
	Logger *slog.Logger

	// Versions is the ApiVersions table the Server enforces. It must
	// serve ApiVersions; see NewVersions.
	Versions Versions

	// Meter creates the Server's instruments (see the package
	// documentation); nil means no-op instruments.
	Meter metric.Meter

	// Tracer, when set, traces every request the Handler serves with a
	// server span named after its API; the Handler's context carries it.
	// Nil means no spans.
	Tracer trace.Tracer
}

// DefaultConfig returns the defaults. Versions is left empty: the broker
// supplies the table of what it serves.
func DefaultConfig() Config {
	return Config{
		MaxRequestSize:    DefaultMaxRequestSize,
		MaxQueuedBytes:    DefaultMaxQueuedBytes,
		MaxQueuedRequests: DefaultMaxQueuedRequests,
		IdleTimeout:       DefaultIdleTimeout,
		WriteTimeout:      DefaultWriteTimeout,
	}
}

// Validate reports the first invalid field, wrapped in ErrConfig.
func (c Config) Validate() error {
	switch {
	case c.MaxRequestSize <= 0 || c.MaxRequestSize > math.MaxInt32:
		return fmt.Errorf("%w: MaxRequestSize %d outside 1-%d", ErrConfig, c.MaxRequestSize, math.MaxInt32)
	case c.MaxQueuedBytes <= 0:
		return fmt.Errorf("%w: MaxQueuedBytes %d is not positive", ErrConfig, c.MaxQueuedBytes)
	case c.MaxQueuedRequests <= 0:
		return fmt.Errorf("%w: MaxQueuedRequests %d is not positive", ErrConfig, c.MaxQueuedRequests)
	case c.IdleTimeout < 0:
		return fmt.Errorf("%w: IdleTimeout %v is negative", ErrConfig, c.IdleTimeout)
	case c.WriteTimeout < 0:
		return fmt.Errorf("%w: WriteTimeout %v is negative", ErrConfig, c.WriteTimeout)
	case c.MaxConnections < 0:
		return fmt.Errorf("%w: MaxConnections %d is negative", ErrConfig, c.MaxConnections)
	case !c.Versions.Supports(apiVersionsKey, 0):
		return fmt.Errorf("%w: Versions does not serve ApiVersions v0", ErrConfig)
	}
	return nil
}

// logger returns the configured logger, or one that discards.
func (c Config) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}
