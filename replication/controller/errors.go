package controller

import "errors"

// Errors returned by the controller. Test with errors.Is; returned errors
// wrap one of these with the detail a Kafka client is shown (the detail
// uses Kafka's own wording where Kafka has one).
var (
	// ErrTopicExists is a CreateTopic for a name that is taken.
	ErrTopicExists = errors.New("controller: topic already exists")
	// ErrUnknownTopic is a change to a topic that does not exist.
	ErrUnknownTopic = errors.New("controller: unknown topic")
	// ErrInvalidTopic is an illegal topic name, a name that collides with
	// an existing one once '.' and '_' are treated alike, or a change that
	// the topic refuses (deleting an internal topic).
	ErrInvalidTopic = errors.New("controller: invalid topic")
	// ErrInvalidPartitions is a partition count below one, above
	// MaxNewPartitions, or a CreatePartitions that is not an increase.
	ErrInvalidPartitions = errors.New("controller: invalid partitions")
	// ErrInvalidReplicationFactor is a replication factor below one or
	// above the number of registered brokers.
	ErrInvalidReplicationFactor = errors.New("controller: invalid replication factor")
	// ErrInvalidReplicaAssignment is a manual assignment that names an
	// unregistered broker, repeats a broker within a partition, or gives
	// partitions different replica counts.
	ErrInvalidReplicaAssignment = errors.New("controller: invalid replica assignment")
	// ErrInvalidRequest is any other command the state machine refuses: an
	// invalid broker registration, an empty config name, a producer id
	// block of no ids, a command it cannot decode.
	ErrInvalidRequest = errors.New("controller: invalid request")
	// ErrNotController is a proposal to a node that is not the raft leader.
	ErrNotController = errors.New("controller: not the controller")
	// ErrClosed is returned by every call after Close.
	ErrClosed = errors.New("controller: closed")
	// ErrConfig is an invalid Config.
	ErrConfig = errors.New("controller: invalid config")
)
