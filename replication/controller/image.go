package controller

import (
	"maps"
	"slices"
)

// TopicID is a topic's 16-byte UUID, assigned at creation and never reused.
type TopicID [16]byte

// IsZero reports whether the id is unset.
func (id TopicID) IsZero() bool { return id == TopicID{} }

// Broker is a registered broker.
type Broker struct {
	ID   int32
	Host string // advertised host
	Port int32  // advertised port
	Rack string // empty when none
}

// Partition is one partition's replica assignment and leadership.
type Partition struct {
	Index    int32
	Replicas []int32 // assignment, preferred leader first
	ISR      []int32
	Leader   int32 // -1 when offline
	// LeaderEpoch grows every time leadership changes; it fences stale
	// leaders and tags the batches each leader writes.
	LeaderEpoch int32
	// PartitionEpoch grows with every change to the partition record.
	PartitionEpoch int32
}

// Topic is one topic's metadata.
type Topic struct {
	Name       string
	ID         TopicID
	Partitions []Partition       // indexed by partition number
	Configs    map[string]string // topic-level overrides only, by Kafka config name
	Internal   bool              // __consumer_offsets and friends
}

// Image is an immutable snapshot of the cluster metadata. The controller
// publishes a new Image after every applied change; holders of an old one
// keep a consistent view. Nothing in an Image may be modified.
type Image struct {
	// Offset is the raft index of the last change the image reflects.
	Offset    uint64
	ClusterID string
	// ControllerID is the broker that accepts admin requests: the raft
	// leader.
	ControllerID int32
	Brokers      map[int32]Broker
	Topics       map[string]*Topic
	// BrokerConfigs are dynamic broker-level configs (AlterConfigs on the
	// cluster default resource), by Kafka config name.
	BrokerConfigs map[string]string
	// NextProducerID is the first producer id not yet handed out.
	NextProducerID int64

	topicsByID map[TopicID]*Topic
	// topicsByUnifiedName maps each topic's name with '.' read as '_' to
	// the name itself, for Kafka's collision rule.
	topicsByUnifiedName map[string]string
}

// newImage returns the empty image a new cluster starts from.
func newImage() *Image {
	img := &Image{
		ControllerID:  -1,
		Brokers:       map[int32]Broker{},
		Topics:        map[string]*Topic{},
		BrokerConfigs: map[string]string{},
	}
	img.index()
	return img
}

// Topic returns the named topic.
func (img *Image) Topic(name string) (*Topic, bool) {
	t, ok := img.Topics[name]
	return t, ok
}

// TopicByID returns the topic with the given id.
func (img *Image) TopicByID(id TopicID) (*Topic, bool) {
	if img.topicsByID == nil {
		return nil, false
	}
	t, ok := img.topicsByID[id]
	return t, ok
}

// TopicNames returns the topic names in order.
func (img *Image) TopicNames() []string {
	return slices.Sorted(maps.Keys(img.Topics))
}

// BrokerIDs returns the registered broker ids in order.
func (img *Image) BrokerIDs() []int32 {
	return slices.Sorted(maps.Keys(img.Brokers))
}

// Partition returns one partition of the named topic.
func (img *Image) Partition(topic string, index int32) (*Topic, *Partition, bool) {
	t, ok := img.Topics[topic]
	if !ok || index < 0 || int(index) >= len(t.Partitions) {
		return nil, nil, false
	}
	return t, &t.Partitions[index], true
}

// index rebuilds the derived lookups; the controller calls it before
// publishing an image.
func (img *Image) index() {
	img.topicsByID = make(map[TopicID]*Topic, len(img.Topics))
	img.topicsByUnifiedName = make(map[string]string, len(img.Topics))
	for _, t := range img.Topics {
		img.topicsByID[t.ID] = t
		img.topicsByUnifiedName[unifyCollisionChars(t.Name)] = t.Name
	}
}
