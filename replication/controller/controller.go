package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// Controller is this node's member of the controller quorum: the state
// machine, raft under it, and the proposals of admin requests. Every method
// is safe for concurrent use.
type Controller struct {
	cfg  Config
	log  *slog.Logger
	fsm  *fsm
	node *raftNode

	observations chan raft.Observation
	observer     *raft.Observer
	done         chan struct{} // closed by Close: stops the leader watch

	// wg counts the leader watch, proposals in flight and their waiters.
	wg sync.WaitGroup
	mu struct {
		sync.Mutex
		closed bool
	}
}

// Open starts the controller on cfg.Dir: it bootstraps a one-voter cluster
// in a new directory or recovers the image from the raft log and snapshots
// in an existing one, waits (at most cfg.OpenTimeout) until this node leads
// and has applied the whole log, and fixes the cluster id of a new cluster.
func Open(cfg Config) (*Controller, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Controller{
		cfg:          cfg,
		log:          cfg.logger(),
		observations: make(chan raft.Observation, 16),
		done:         make(chan struct{}),
	}
	c.fsm = newFSM(c.log)
	node, err := openRaft(&c.cfg, c.fsm)
	if err != nil {
		return nil, err
	}
	c.node = node
	c.watchLeader()
	if err := c.awaitReady(); err != nil {
		return nil, errors.Join(err, c.Close())
	}
	c.log.Info("controller open", "node", cfg.NodeID, "cluster", c.Image().ClusterID, "offset", c.Image().Offset)
	return c, nil
}

// awaitReady waits for leadership and for the state machine to apply the
// log, then proposes a cluster id if the cluster has none.
func (c *Controller) awaitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.OpenTimeout)
	defer cancel()
	if err := c.awaitLeader(ctx); err != nil {
		return err
	}
	if !c.enter() {
		return ErrClosed
	}
	err := c.await(ctx, c.node.raft.Barrier(enqueueTimeout(ctx, c.cfg.OpenTimeout)))
	c.wg.Done()
	if err != nil {
		return fmt.Errorf("controller: catch up with the log: %w", err)
	}
	if c.Image().ClusterID != "" {
		return nil
	}
	_, err = c.propose(ctx, &initCluster{ClusterID: newClusterID()})
	return err
}

// awaitLeader polls raft's state until this node leads. It fails at once
// when the stored configuration does not make this node a voter.
func (c *Controller) awaitLeader(ctx context.Context) error {
	future := c.node.raft.GetConfiguration()
	if err := future.Error(); err != nil {
		return fmt.Errorf("controller: read raft configuration: %w", err)
	}
	servers := future.Configuration().Servers
	if !slices.ContainsFunc(servers, func(s raft.Server) bool {
		return s.ID == c.node.serverID && s.Suffrage == raft.Voter
	}) {
		return fmt.Errorf("%w: node %d is not a voter of the stored raft configuration %v",
			ErrConfig, c.cfg.NodeID, servers)
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for c.node.raft.State() != raft.Leader {
		select {
		case <-ctx.Done():
			return fmt.Errorf("controller: wait for leadership: %w", ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}

// watchLeader keeps the published image's ControllerID on the raft leader.
// Observations only wake it: it reads the leader from raft each time, so a
// dropped observation loses nothing.
func (c *Controller) watchLeader() {
	c.observer = raft.NewObserver(c.observations, false, func(o *raft.Observation) bool {
		_, ok := o.Data.(raft.LeaderObservation)
		return ok
	})
	c.node.raft.RegisterObserver(c.observer)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for {
			_, id := c.node.raft.LeaderWithID()
			c.fsm.setLeader(nodeID(id))
			select {
			case <-c.observations:
			case <-c.done:
				return
			}
		}
	}()
}

// Close shuts raft down, waits for proposals in flight (they fail with
// ErrClosed) and for the controller's goroutines, and closes the stores.
// Calls after the first return nil.
func (c *Controller) Close() error {
	c.mu.Lock()
	if c.mu.closed {
		c.mu.Unlock()
		return nil
	}
	c.mu.closed = true
	c.mu.Unlock()

	err := c.node.close()
	c.node.raft.DeregisterObserver(c.observer)
	close(c.done)
	c.wg.Wait()
	return err
}

// Image returns the current metadata image. It is immutable.
func (c *Controller) Image() *Image { return c.fsm.current() }

// Changed returns a channel closed when the next image is published. Take
// the channel before reading Image, so that no change falls between them.
func (c *Controller) Changed() <-chan struct{} { return c.fsm.changed() }

// IsLeader reports whether this node is the raft leader, the node that
// accepts proposals.
func (c *Controller) IsLeader() bool {
	return c.node.raft.State() == raft.Leader
}

// closed reports whether Close has begun.
func (c *Controller) closed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mu.closed
}

// enter registers a proposal in flight, or reports that the controller is
// closed. A true result must be paired with c.wg.Done.
func (c *Controller) enter() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.closed {
		return false
	}
	c.wg.Add(1)
	return true
}
