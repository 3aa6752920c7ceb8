package controller

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"go.etcd.io/bbolt"
)

const (
	// raftDBFile holds the raft log and stable store under Config.Dir.
	raftDBFile = "raft.db"
	// snapshotsRetained is how many snapshots the snapshot store keeps.
	snapshotsRetained = 2
	// boltOpenTimeout bounds the wait for the database's file lock, so that
	// a second controller on the same Dir fails instead of hanging.
	boltOpenTimeout = time.Second
	// singleNodeTimeout is the heartbeat and election timeout on the
	// in-memory transport, where the only voter is this node.
	singleNodeTimeout = 50 * time.Millisecond
	// logCacheSize is the number of recent log entries kept in memory.
	logCacheSize = 512
	// tcpMaxPool is the number of pooled connections per peer.
	tcpMaxPool = 3
	// tcpTimeout is the transport's I/O deadline, raft's recommended one.
	tcpTimeout = 10 * time.Second
)

// raftNode is raft and what it runs on; close releases them in order.
type raftNode struct {
	raft      *raft.Raft
	store     *raftboltdb.BoltStore
	transport raft.Transport
	serverID  raft.ServerID
}

// openRaft opens the stores under cfg.Dir, bootstraps a one-voter cluster
// when they are empty, and starts raft with f as its state machine.
func openRaft(cfg *Config, f *fsm) (*raftNode, error) {
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("controller: create dir: %w", err)
	}
	logger := newRaftLogger(cfg.logger())
	store, err := raftboltdb.New(raftboltdb.Options{
		Path:        filepath.Join(cfg.Dir, raftDBFile),
		BoltOptions: &bbolt.Options{Timeout: boltOpenTimeout},
	})
	if err != nil {
		return nil, fmt.Errorf("controller: open raft store: %w", err)
	}
	n := &raftNode{store: store, serverID: serverID(cfg.NodeID)}
	if err := n.start(cfg, f, logger); err != nil {
		return nil, errors.Join(err, n.close())
	}
	return n, nil
}

func (n *raftNode) start(cfg *Config, f *fsm, logger *raftLogger) error {
	snaps, err := raft.NewFileSnapshotStoreWithLogger(cfg.Dir, snapshotsRetained, logger)
	if err != nil {
		return fmt.Errorf("controller: open snapshot store: %w", err)
	}
	if n.transport, err = newTransport(cfg, logger); err != nil {
		return err
	}
	conf := raftConfig(cfg, n.serverID, logger)
	if err := raft.ValidateConfig(conf); err != nil {
		return fmt.Errorf("%w: raft: %w", ErrConfig, err)
	}
	logs, err := raft.NewLogCache(logCacheSize, n.store)
	if err != nil {
		return fmt.Errorf("controller: log cache: %w", err)
	}
	if err := n.bootstrap(conf, logs, snaps); err != nil {
		return err
	}
	if n.raft, err = raft.NewRaft(conf, f, logs, n.store, snaps, n.transport); err != nil {
		return fmt.Errorf("controller: start raft: %w", err)
	}
	return nil
}

// bootstrap writes a configuration with this node as the only voter, if
// the stores hold no state yet; otherwise raft recovers from them.
func (n *raftNode) bootstrap(conf *raft.Config, logs raft.LogStore, snaps raft.SnapshotStore) error {
	existing, err := raft.HasExistingState(logs, n.store, snaps)
	if err != nil {
		return fmt.Errorf("controller: read raft state: %w", err)
	}
	if existing {
		return nil
	}
	voters := raft.Configuration{Servers: []raft.Server{{
		Suffrage: raft.Voter,
		ID:       n.serverID,
		Address:  n.transport.LocalAddr(),
	}}}
	if err := raft.BootstrapCluster(conf, logs, n.store, snaps, n.transport, voters); err != nil {
		return fmt.Errorf("controller: bootstrap raft: %w", err)
	}
	return nil
}

// newTransport returns the in-memory transport of a single node, or a TCP
// transport listening on cfg.RaftAddr.
func newTransport(cfg *Config, logger *raftLogger) (raft.Transport, error) {
	if cfg.RaftAddr == "" {
		_, t := raft.NewInmemTransport(raft.ServerAddress(serverID(cfg.NodeID)))
		return t, nil
	}
	t, err := raft.NewTCPTransportWithLogger(cfg.RaftAddr, nil, tcpMaxPool, tcpTimeout, logger)
	if err != nil {
		return nil, fmt.Errorf("controller: listen on %s: %w", cfg.RaftAddr, err)
	}
	return t, nil
}

// raftConfig derives raft's configuration. A node on the in-memory
// transport is necessarily alone, and elects itself after a short timeout;
// a networked node uses the configured election timeout.
func raftConfig(cfg *Config, id raft.ServerID, logger *raftLogger) *raft.Config {
	conf := raft.DefaultConfig()
	conf.LocalID = id
	conf.Logger = logger
	conf.SnapshotThreshold = cfg.SnapshotThreshold
	conf.TrailingLogs = cfg.TrailingLogs
	timeout := cfg.ElectionTimeout
	if cfg.RaftAddr == "" {
		timeout = singleNodeTimeout
	}
	conf.HeartbeatTimeout = timeout
	conf.ElectionTimeout = timeout
	conf.LeaderLeaseTimeout = timeout / 2
	conf.CommitTimeout = min(conf.CommitTimeout, timeout/2)
	return conf
}

// close shuts raft down and waits for it, then releases the transport and
// the store.
func (n *raftNode) close() error {
	var errs []error
	if n.raft != nil {
		if err := n.raft.Shutdown().Error(); err != nil {
			errs = append(errs, fmt.Errorf("controller: shut down raft: %w", err))
		}
	}
	if c, ok := n.transport.(io.Closer); ok {
		if err := c.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, fmt.Errorf("controller: close transport: %w", err))
		}
	}
	if err := n.store.Close(); err != nil {
		errs = append(errs, fmt.Errorf("controller: close raft store: %w", err))
	}
	return errors.Join(errs...)
}

func serverID(nodeID int32) raft.ServerID {
	return raft.ServerID(strconv.FormatInt(int64(nodeID), 10))
}

// nodeID parses a server id back into a node id; -1 when there is none.
func nodeID(id raft.ServerID) int32 {
	n, err := strconv.ParseInt(string(id), 10, 32)
	if err != nil {
		return -1
	}
	return int32(n)
}
