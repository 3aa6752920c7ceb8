package controller

import (
	"fmt"
	"maps"
	"math"
	"slices"
)

// applyCommand applies one log entry to prev and returns the next image,
// with Offset set to index, and the proposer's result. It is a pure
// function of (prev, index, entry): no clock, no randomness. A command
// that does not fit prev is refused with an error and prev is unchanged.
func applyCommand(prev *Image, index uint64, entry []byte) (*Image, any, error) {
	cmd, err := decodeCommand(entry)
	if err != nil {
		return prev, nil, err
	}
	b := newBuilder(prev)
	res, err := cmd.apply(b)
	if err != nil {
		return prev, nil, err
	}
	return b.image(index), res, nil
}

// builder makes the next image copy-on-write: the image struct is copied,
// and a map is copied the first time a command writes to it. Topics that a
// command leaves alone are shared with the previous image.
type builder struct {
	next       *Image
	ownTopics  bool
	ownBrokers bool
}

func newBuilder(prev *Image) *builder {
	next := *prev
	return &builder{next: &next}
}

// img is the image as built so far, for reading.
func (b *builder) img() *Image { return b.next }

// topics returns the next image's topic map, ready to write.
func (b *builder) topics() map[string]*Topic {
	if !b.ownTopics {
		b.next.Topics = maps.Clone(b.next.Topics)
		if b.next.Topics == nil {
			b.next.Topics = map[string]*Topic{}
		}
		b.ownTopics = true
	}
	return b.next.Topics
}

// brokers returns the next image's broker map, ready to write.
func (b *builder) brokers() map[int32]Broker {
	if !b.ownBrokers {
		b.next.Brokers = maps.Clone(b.next.Brokers)
		if b.next.Brokers == nil {
			b.next.Brokers = map[int32]Broker{}
		}
		b.ownBrokers = true
	}
	return b.next.Brokers
}

// image finishes the next image. The derived lookups are rebuilt only when
// the topics changed; otherwise they are the previous image's.
func (b *builder) image(index uint64) *Image {
	b.next.Offset = index
	if b.ownTopics {
		b.next.index()
	}
	return b.next
}

// topic returns the named topic, checking its id when id is set.
func (b *builder) topic(name string, id TopicID) (*Topic, error) {
	t, ok := b.img().Topics[name]
	if !ok {
		return nil, fmt.Errorf("%w: topic '%s' does not exist", ErrUnknownTopic, name)
	}
	if !id.IsZero() && t.ID != id {
		return nil, fmt.Errorf("%w: topic '%s' has id %s, not %s", ErrUnknownTopic, name, t.ID, id)
	}
	return t, nil
}

func (c *initCluster) apply(b *builder) (any, error) {
	switch {
	case c.ClusterID == "":
		return nil, fmt.Errorf("%w: empty cluster id", ErrInvalidRequest)
	case b.img().ClusterID != "":
		return nil, fmt.Errorf("%w: cluster id is already %s", ErrInvalidRequest, b.img().ClusterID)
	}
	b.next.ClusterID = c.ClusterID
	return nil, nil
}

func (c *registerBroker) apply(b *builder) (any, error) {
	switch {
	case c.ID < 0:
		return nil, fmt.Errorf("%w: broker id %d is negative", ErrInvalidRequest, c.ID)
	case c.Host == "":
		return nil, fmt.Errorf("%w: broker %d has no host", ErrInvalidRequest, c.ID)
	case c.Port < 1 || c.Port > math.MaxUint16:
		return nil, fmt.Errorf("%w: broker %d port %d is outside [1, 65535]", ErrInvalidRequest, c.ID, c.Port)
	}
	b.brokers()[c.ID] = Broker{ID: c.ID, Host: c.Host, Port: c.Port, Rack: c.Rack}
	return nil, nil
}

func (c *createTopic) apply(b *builder) (any, error) {
	img := b.img()
	if err := checkNewTopic(img, c.Name); err != nil {
		return nil, err
	}
	if c.ID.IsZero() {
		return nil, fmt.Errorf("%w: topic '%s' has no id", ErrInvalidRequest, c.Name)
	}
	if other, ok := img.TopicByID(c.ID); ok {
		return nil, fmt.Errorf("%w: topic id %s is already topic '%s'", ErrInvalidRequest, c.ID, other.Name)
	}
	if err := checkAssignment(img.Brokers, c.Replicas); err != nil {
		return nil, err
	}
	if err := checkConfigNames(c.Configs); err != nil {
		return nil, err
	}
	t := &Topic{
		Name:       c.Name,
		ID:         c.ID,
		Partitions: newPartitions(0, c.Replicas),
		Configs:    cloneConfigs(c.Configs),
		Internal:   c.Internal,
	}
	b.topics()[t.Name] = t
	return t, nil
}

func (c *deleteTopic) apply(b *builder) (any, error) {
	t, err := b.topic(c.Name, c.ID)
	if err != nil {
		return nil, err
	}
	if t.Internal {
		return nil, fmt.Errorf("%w: cannot delete internal topic '%s'", ErrInvalidTopic, t.Name)
	}
	delete(b.topics(), t.Name)
	return nil, nil
}

func (c *createPartitions) apply(b *builder) (any, error) {
	t, err := b.topic(c.Name, c.ID)
	if err != nil {
		return nil, err
	}
	if err := checkPartitionIncrease(t, c.Count, c.Replicas); err != nil {
		return nil, err
	}
	if err := checkAssignment(b.img().Brokers, c.Replicas); err != nil {
		return nil, err
	}
	if rf := len(t.Partitions[0].Replicas); len(c.Replicas[0]) != rf {
		return nil, fmt.Errorf("%w: the new partitions have %d replica(s), but this is not consistent with previous partitions, which have %d replica(s)",
			ErrInvalidReplicaAssignment, len(c.Replicas[0]), rf)
	}
	nt := *t
	nt.Partitions = append(slices.Clip(t.Partitions), newPartitions(int32(len(t.Partitions)), c.Replicas)...)
	b.topics()[nt.Name] = &nt
	return nil, nil
}

// checkPartitionIncrease checks that count grows t and that replicas holds
// one list per new partition.
func checkPartitionIncrease(t *Topic, count int32, replicas [][]int32) error {
	if err := checkNewCount(t, count); err != nil {
		return err
	}
	if added := count - int32(len(t.Partitions)); len(replicas) != int(added) {
		return fmt.Errorf("%w: increasing the number of partitions by %d but %d assignments provided",
			ErrInvalidReplicaAssignment, added, len(replicas))
	}
	return nil
}

// checkNewCount checks that count is an increase of t's partitions within
// MaxNewPartitions.
func checkNewCount(t *Topic, count int32) error {
	current := int32(len(t.Partitions))
	switch {
	case count < current:
		return fmt.Errorf("%w: topic currently has %d partitions, %d would not be an increase",
			ErrInvalidPartitions, current, count)
	case count == current:
		return fmt.Errorf("%w: topic already has %d partitions", ErrInvalidPartitions, current)
	}
	return checkPartitionCount(int(count - current))
}

func (c *setTopicConfigs) apply(b *builder) (any, error) {
	t, err := b.topic(c.Name, TopicID{})
	if err != nil {
		return nil, err
	}
	if err := checkConfigNames(c.Configs); err != nil {
		return nil, err
	}
	nt := *t
	nt.Configs = cloneConfigs(c.Configs)
	b.topics()[nt.Name] = &nt
	return nil, nil
}

func (c *setBrokerConfigs) apply(b *builder) (any, error) {
	if err := checkConfigNames(c.Configs); err != nil {
		return nil, err
	}
	b.next.BrokerConfigs = cloneConfigs(c.Configs)
	return nil, nil
}

// apply returns the first id of the block.
func (c *allocateProducerIDs) apply(b *builder) (any, error) {
	first := b.img().NextProducerID
	switch {
	case c.Count < 1:
		return nil, fmt.Errorf("%w: producer id block of %d ids", ErrInvalidRequest, c.Count)
	case c.Count > math.MaxInt64-first:
		return nil, fmt.Errorf("%w: producer ids exhausted", ErrInvalidRequest)
	}
	b.next.NextProducerID = first + c.Count
	return first, nil
}

// newPartitions makes partitions first, first+1, ... with the given
// replicas: the first replica leads, every replica is in sync, epochs 0.
func newPartitions(first int32, replicas [][]int32) []Partition {
	parts := make([]Partition, len(replicas))
	for i, rs := range replicas {
		parts[i] = Partition{
			Index:    first + int32(i),
			Replicas: slices.Clone(rs),
			ISR:      slices.Clone(rs),
			Leader:   rs[0],
		}
	}
	return parts
}

// cloneConfigs copies a config map; the copy is never nil.
func cloneConfigs(configs map[string]string) map[string]string {
	out := make(map[string]string, len(configs))
	maps.Copy(out, configs)
	return out
}
