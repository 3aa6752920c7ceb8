package controller

import (
	"fmt"
	"log/slog"
	"time"
)

// Config configures a controller. Field comments give the Kafka config each
// one corresponds to, where Kafka has one.
type Config struct {
	// NodeID is node.id: this broker's id, and its raft server id.
	NodeID int32
	// Dir is metadata.log.dir: the raft log, stable store and snapshots.
	Dir string
	// RaftAddr is the address the raft transport listens on (the
	// controller listener). Empty means a single node on an in-memory
	// transport: a one-voter quorum that talks to nobody.
	RaftAddr string
	// Logger receives the controller's and raft's logs; nil discards them.
	Logger *slog.Logger
	// ApplyTimeout bounds how long a proposal waits to be accepted by
	// raft; a request's context can shorten it.
	ApplyTimeout time.Duration
	// OpenTimeout bounds how long Open waits for this node to become
	// leader and for the state machine to catch up with the log.
	OpenTimeout time.Duration
	// ElectionTimeout is controller.quorum.election.timeout.ms: how long a
	// follower waits without hearing from a leader before it stands for
	// election. It applies to a TCP transport; a single node on the
	// in-memory transport has no one to wait for and uses a short fixed
	// timeout.
	ElectionTimeout time.Duration
	// SnapshotThreshold is the number of log entries applied since the
	// last snapshot that makes raft take a new one.
	SnapshotThreshold uint64
	// TrailingLogs is the number of log entries kept behind a snapshot, so
	// that a slightly lagging follower catches up from the log rather than
	// from a snapshot.
	TrailingLogs uint64
}

// Defaults.
const (
	DefaultApplyTimeout      = 5 * time.Second
	DefaultOpenTimeout       = 30 * time.Second
	DefaultElectionTimeout   = time.Second
	DefaultSnapshotThreshold = 8192
	DefaultTrailingLogs      = 10240
)

// DefaultConfig returns the defaults; NodeID and Dir are the caller's.
func DefaultConfig() Config {
	return Config{
		ApplyTimeout:      DefaultApplyTimeout,
		OpenTimeout:       DefaultOpenTimeout,
		ElectionTimeout:   DefaultElectionTimeout,
		SnapshotThreshold: DefaultSnapshotThreshold,
		TrailingLogs:      DefaultTrailingLogs,
	}
}

// Validate reports the first invalid field.
func (c *Config) Validate() error {
	switch {
	case c.NodeID < 0:
		return fmt.Errorf("%w: node.id %d must not be negative", ErrConfig, c.NodeID)
	case c.Dir == "":
		return fmt.Errorf("%w: metadata.log.dir must be set", ErrConfig)
	case c.ApplyTimeout <= 0:
		return fmt.Errorf("%w: apply timeout %v must be positive", ErrConfig, c.ApplyTimeout)
	case c.OpenTimeout <= 0:
		return fmt.Errorf("%w: open timeout %v must be positive", ErrConfig, c.OpenTimeout)
	case c.ElectionTimeout < 10*time.Millisecond:
		return fmt.Errorf("%w: controller.quorum.election.timeout.ms %v must be at least 10ms", ErrConfig, c.ElectionTimeout)
	case c.SnapshotThreshold < 1:
		return fmt.Errorf("%w: snapshot threshold must be at least 1", ErrConfig)
	}
	return nil
}

func (c *Config) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}
