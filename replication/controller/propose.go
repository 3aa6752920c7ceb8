package controller

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/hashicorp/raft"
)

// TopicSpec describes a topic to create. The handler resolves Kafka's -1
// defaults (num.partitions, default.replication.factor) before it calls the
// controller.
type TopicSpec struct {
	Name              string
	Partitions        int32
	ReplicationFactor int16
	// Assignment, when not empty, gives each partition's replicas, leader
	// first; Partitions and ReplicationFactor are then ignored (Kafka's
	// CreateTopics sends -1 for both with an assignment).
	Assignment [][]int32
	// Configs are the topic's config overrides, by Kafka config name.
	Configs map[string]string
	// Internal marks a topic of the broker's own (__consumer_offsets);
	// clients cannot delete it.
	Internal bool
	// ID, when not zero, is the topic's id; otherwise a new one is drawn.
	// A topic restored from the object store keeps the id its data is
	// stored under.
	ID TopicID
}

// RegisterBroker adds broker b to the cluster, or replaces its
// registration.
func (c *Controller) RegisterBroker(ctx context.Context, b Broker) error {
	_, err := c.submit(ctx, c.Image(), &registerBroker{ID: b.ID, Host: b.Host, Port: b.Port, Rack: b.Rack})
	return err
}

// CreateTopic creates a topic with a new random id, placing replicas round
// robin over the registered brokers from a random start unless the spec
// assigns them. It returns the topic as created.
func (c *Controller) CreateTopic(ctx context.Context, spec TopicSpec) (*Topic, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	img := c.Image()
	cmd, err := topicCommand(img, spec)
	if err != nil {
		return nil, err
	}
	res, err := c.submit(ctx, img, cmd)
	if err != nil {
		return nil, err
	}
	return res.(*Topic), nil
}

// ValidateTopic runs CreateTopic's checks against the current image and
// applies nothing: CreateTopics with validate_only. Like CreateTopic it
// answers ErrNotController on a node that is not the leader.
func (c *Controller) ValidateTopic(spec TopicSpec) error {
	if err := c.ready(); err != nil {
		return err
	}
	img := c.Image()
	cmd, err := topicCommand(img, spec)
	if err != nil {
		return err
	}
	return check(img, cmd)
}

// DeleteTopic deletes the named topic.
func (c *Controller) DeleteTopic(ctx context.Context, name string) error {
	if err := c.ready(); err != nil {
		return err
	}
	img := c.Image()
	t, ok := img.Topic(name)
	if !ok {
		return fmt.Errorf("%w: topic '%s' does not exist", ErrUnknownTopic, name)
	}
	_, err := c.submit(ctx, img, &deleteTopic{Name: name, ID: t.ID})
	return err
}

// CreatePartitions grows the named topic to count partitions. assignment,
// when not empty, gives the new partitions' replicas; otherwise they
// continue the topic's round robin. With validateOnly nothing is applied.
func (c *Controller) CreatePartitions(ctx context.Context, name string, count int32, assignment [][]int32, validateOnly bool) error {
	if err := c.ready(); err != nil {
		return err
	}
	img := c.Image()
	t, ok := img.Topic(name)
	if !ok {
		return fmt.Errorf("%w: topic '%s' does not exist", ErrUnknownTopic, name)
	}
	replicas := assignment
	if len(replicas) == 0 {
		var err error
		if replicas, err = placeNewPartitions(img, t, count); err != nil {
			return err
		}
	}
	cmd := &createPartitions{Name: name, ID: t.ID, Count: count, Replicas: replicas}
	if validateOnly {
		return check(img, cmd)
	}
	_, err := c.submit(ctx, img, cmd)
	return err
}

// SetTopicConfigs replaces the named topic's config overrides.
func (c *Controller) SetTopicConfigs(ctx context.Context, name string, configs map[string]string) error {
	_, err := c.submit(ctx, c.Image(), &setTopicConfigs{Name: name, Configs: configs})
	return err
}

// SetBrokerConfigs replaces the dynamic cluster-wide broker configs.
func (c *Controller) SetBrokerConfigs(ctx context.Context, configs map[string]string) error {
	_, err := c.submit(ctx, c.Image(), &setBrokerConfigs{Configs: configs})
	return err
}

// AllocateProducerIDs reserves count producer ids and returns the first:
// the block is [first, first+count). The log records the reservation, so
// no id is handed out twice, across restarts too.
func (c *Controller) AllocateProducerIDs(ctx context.Context, count int64) (first int64, err error) {
	res, err := c.submit(ctx, c.Image(), &allocateProducerIDs{Count: count})
	if err != nil {
		return 0, err
	}
	return res.(int64), nil
}

// topicCommand turns a spec into a create_topic command: name checks
// first, as Kafka orders them, then the partitions and their placement.
func topicCommand(img *Image, spec TopicSpec) (*createTopic, error) {
	if err := checkNewTopic(img, spec.Name); err != nil {
		return nil, err
	}
	replicas := spec.Assignment
	if len(replicas) == 0 {
		if err := checkPartitionCount(int(spec.Partitions)); err != nil {
			return nil, err
		}
		brokers := img.BrokerIDs()
		rf := int(spec.ReplicationFactor)
		if err := checkReplicationFactor(rf, len(brokers)); err != nil {
			return nil, err
		}
		start, shift := rand.IntN(len(brokers)), rand.IntN(len(brokers))
		replicas = placeReplicas(brokers, 0, spec.Partitions, rf, start, shift)
	}
	id := spec.ID
	if id.IsZero() {
		id = newTopicID()
	}
	return &createTopic{
		Name:     spec.Name,
		ID:       id,
		Replicas: replicas,
		Configs:  spec.Configs,
		Internal: spec.Internal,
	}, nil
}

// placeNewPartitions places the partitions that grow t to count with t's
// replication factor, continuing its round robin from partition 0's
// leader.
func placeNewPartitions(img *Image, t *Topic, count int32) ([][]int32, error) {
	if err := checkNewCount(t, count); err != nil {
		return nil, err
	}
	brokers := img.BrokerIDs()
	rf := len(t.Partitions[0].Replicas)
	if err := checkReplicationFactor(rf, len(brokers)); err != nil {
		return nil, err
	}
	start := slices.Index(brokers, t.Partitions[0].Replicas[0])
	if start < 0 {
		start = rand.IntN(len(brokers))
	}
	current := int32(len(t.Partitions))
	return placeReplicas(brokers, current, count-current, rf, start, start), nil
}

// check runs the state machine's checks of cmd against img and applies
// nothing.
func check(img *Image, cmd command) error {
	_, err := cmd.apply(newBuilder(img))
	return err
}

// ready reports ErrClosed or ErrNotController, or nil when this node can
// propose.
func (c *Controller) ready() error {
	switch {
	case c.closed():
		return ErrClosed
	case !c.IsLeader():
		if id := c.Image().ControllerID; id >= 0 {
			return fmt.Errorf("%w: the controller is node %d", ErrNotController, id)
		}
		return fmt.Errorf("%w: no controller is elected", ErrNotController)
	}
	return nil
}

// submit checks cmd against img, as the state machine will, and proposes
// it. Checking first keeps refused commands out of the log; the state
// machine checks again against the image the command finally meets.
func (c *Controller) submit(ctx context.Context, img *Image, cmd command) (any, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	if err := check(img, cmd); err != nil {
		return nil, err
	}
	return c.propose(ctx, cmd)
}

// propose appends cmd to the raft log and waits until it is applied, or
// for ctx. The state machine's result or refusal comes back through the
// future's response. When ctx ends first, the command may still apply.
func (c *Controller) propose(ctx context.Context, cmd command) (any, error) {
	entry, err := encodeCommand(cmd)
	if err != nil {
		return nil, err
	}
	if !c.enter() {
		return nil, ErrClosed
	}
	defer c.wg.Done()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("controller: %s: %w", cmd.kind(), err)
	}
	future := c.node.raft.Apply(entry, enqueueTimeout(ctx, c.cfg.ApplyTimeout))
	if err := c.await(ctx, future); err != nil {
		return nil, fmt.Errorf("%s: %w", cmd.kind(), err)
	}
	res := future.Response()
	if err, ok := res.(error); ok {
		return nil, err
	}
	return res, nil
}

// await waits for a raft future or for ctx, and maps raft's errors to the
// controller's. The caller holds a c.wg count (enter); the wait runs in a
// goroutine, also counted, that ends when the future resolves, at the
// latest when Close shuts raft down.
func (c *Controller) await(ctx context.Context, future raft.Future) error {
	done := make(chan error, 1)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		done <- future.Error()
	}()
	select {
	case err := <-done:
		return raftError(err, c.closed())
	case <-ctx.Done():
		return fmt.Errorf("controller: outcome unknown: %w", ctx.Err())
	}
}

// raftError maps raft's errors to the controller's sentinels. Once Close
// has begun, every failure is ErrClosed: raft fails the entries in flight
// as it steps down.
func raftError(err error, closed bool) error {
	switch {
	case err == nil:
		return nil
	case closed || errors.Is(err, raft.ErrRaftShutdown):
		return fmt.Errorf("%w: %w", ErrClosed, err)
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipLost),
		errors.Is(err, raft.ErrLeadershipTransferInProgress):
		return fmt.Errorf("%w: %w", ErrNotController, err)
	case errors.Is(err, raft.ErrEnqueueTimeout):
		return fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
	}
	return err
}

// enqueueTimeout is how long raft may wait to accept an entry: limit, or
// less when ctx ends sooner. It is never 0, which raft reads as no limit.
func enqueueTimeout(ctx context.Context, limit time.Duration) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		limit = min(limit, time.Until(d))
	}
	return max(limit, time.Millisecond)
}
