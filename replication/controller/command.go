package controller

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// commandVersion is the version of every command payload this code writes
// and the only one it applies. A payload that changes shape gets a new
// version, and every voter must understand a version before any proposes
// it.
const commandVersion = 1

// envelope is one raft log entry: {"type":"create_topic","v":1,"data":{...}}.
type envelope struct {
	Type string          `json:"type"`
	V    int             `json:"v"`
	Data json.RawMessage `json:"data"`
}

// command is one change to the metadata. Everything a command needs that
// is not a function of the image (ids, placements) is chosen by the
// proposer and carried in it, so that apply is deterministic.
type command interface {
	// kind is the envelope's type.
	kind() string
	// apply validates the command against the image being built and makes
	// the change; it returns the proposer's result.
	apply(b *builder) (any, error)
}

// commandTypes makes an empty command of each type, for decoding.
var commandTypes = map[string]func() command{
	"init_cluster":          func() command { return new(initCluster) },
	"register_broker":       func() command { return new(registerBroker) },
	"create_topic":          func() command { return new(createTopic) },
	"delete_topic":          func() command { return new(deleteTopic) },
	"create_partitions":     func() command { return new(createPartitions) },
	"set_topic_configs":     func() command { return new(setTopicConfigs) },
	"set_broker_configs":    func() command { return new(setBrokerConfigs) },
	"allocate_producer_ids": func() command { return new(allocateProducerIDs) },
}

// initCluster fixes the cluster id; it is the first command of a cluster.
type initCluster struct {
	ClusterID string `json:"cluster_id"`
}

// registerBroker adds a broker or replaces its registration.
type registerBroker struct {
	ID   int32  `json:"id"`
	Host string `json:"host"`
	Port int32  `json:"port"`
	Rack string `json:"rack,omitempty"`
}

// createTopic creates a topic with the proposer's id and placement.
type createTopic struct {
	Name     string            `json:"name"`
	ID       TopicID           `json:"id"`
	Replicas [][]int32         `json:"replicas"` // per partition, leader first
	Configs  map[string]string `json:"configs,omitempty"`
	Internal bool              `json:"internal,omitempty"`
}

// deleteTopic deletes the named topic if it still has the given id.
type deleteTopic struct {
	Name string  `json:"name"`
	ID   TopicID `json:"id"`
}

// createPartitions grows a topic to Count partitions; Replicas holds the
// new partitions' replicas.
type createPartitions struct {
	Name     string    `json:"name"`
	ID       TopicID   `json:"id"`
	Count    int32     `json:"count"`
	Replicas [][]int32 `json:"replicas"`
}

// setTopicConfigs replaces a topic's config overrides.
type setTopicConfigs struct {
	Name    string            `json:"name"`
	Configs map[string]string `json:"configs"`
}

// setBrokerConfigs replaces the dynamic cluster-wide broker configs.
type setBrokerConfigs struct {
	Configs map[string]string `json:"configs"`
}

// allocateProducerIDs hands out the next Count producer ids.
type allocateProducerIDs struct {
	Count int64 `json:"count"`
}

func (*initCluster) kind() string         { return "init_cluster" }
func (*registerBroker) kind() string      { return "register_broker" }
func (*createTopic) kind() string         { return "create_topic" }
func (*deleteTopic) kind() string         { return "delete_topic" }
func (*createPartitions) kind() string    { return "create_partitions" }
func (*setTopicConfigs) kind() string     { return "set_topic_configs" }
func (*setBrokerConfigs) kind() string    { return "set_broker_configs" }
func (*allocateProducerIDs) kind() string { return "allocate_producer_ids" }

// encodeCommand returns cmd's log entry.
func encodeCommand(cmd command) ([]byte, error) {
	data, err := json.Marshal(cmd)
	if err != nil {
		return nil, fmt.Errorf("controller: encode %s: %w", cmd.kind(), err)
	}
	return json.Marshal(envelope{Type: cmd.kind(), V: commandVersion, Data: data})
}

// decodeCommand parses a log entry. It is strict: unknown types, versions
// and fields are refused rather than half understood.
func decodeCommand(entry []byte) (command, error) {
	var env envelope
	if err := decodeStrict(entry, &env); err != nil {
		return nil, fmt.Errorf("%w: command: %w", ErrInvalidRequest, err)
	}
	newCmd, ok := commandTypes[env.Type]
	if !ok {
		return nil, fmt.Errorf("%w: unknown command type %q", ErrInvalidRequest, env.Type)
	}
	if env.V != commandVersion {
		return nil, fmt.Errorf("%w: %s command version %d, want %d", ErrInvalidRequest, env.Type, env.V, commandVersion)
	}
	cmd := newCmd()
	if err := decodeStrict(env.Data, cmd); err != nil {
		return nil, fmt.Errorf("%w: %s command: %w", ErrInvalidRequest, env.Type, err)
	}
	return cmd, nil
}

// decodeStrict decodes exactly one JSON value with no unknown fields.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after the value")
	}
	return nil
}
