package controller

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// snapshotVersion is the version of the snapshot format this code writes
// and the only one it reads.
const snapshotVersion = 1

// ErrCorruptSnapshot is a snapshot that does not decode into a consistent
// image.
var ErrCorruptSnapshot = errors.New("controller: corrupt snapshot")

// snapshot is the whole image as JSON; see the package documentation.
// Brokers are sorted by id and topics by name, so equal images encode to
// equal bytes.
type snapshot struct {
	V              int               `json:"v"`
	Offset         uint64            `json:"offset"`
	ClusterID      string            `json:"cluster_id"`
	Brokers        []snapshotBroker  `json:"brokers"`
	Topics         []snapshotTopic   `json:"topics"`
	BrokerConfigs  map[string]string `json:"broker_configs"`
	NextProducerID int64             `json:"next_producer_id"`
}

type snapshotBroker struct {
	ID   int32  `json:"id"`
	Host string `json:"host"`
	Port int32  `json:"port"`
	Rack string `json:"rack,omitempty"`
}

type snapshotTopic struct {
	Name       string              `json:"name"`
	ID         TopicID             `json:"id"`
	Partitions []snapshotPartition `json:"partitions"`
	Configs    map[string]string   `json:"configs"`
	Internal   bool                `json:"internal,omitempty"`
}

type snapshotPartition struct {
	Index          int32   `json:"index"`
	Replicas       []int32 `json:"replicas"`
	ISR            []int32 `json:"isr"`
	Leader         int32   `json:"leader"`
	LeaderEpoch    int32   `json:"leader_epoch"`
	PartitionEpoch int32   `json:"partition_epoch"`
}

// encodeSnapshot writes img in the snapshot format. ControllerID is not
// part of it: it is who leads now, not replicated state.
func encodeSnapshot(w io.Writer, img *Image) error {
	s := snapshot{
		V:              snapshotVersion,
		Offset:         img.Offset,
		ClusterID:      img.ClusterID,
		Brokers:        make([]snapshotBroker, 0, len(img.Brokers)),
		Topics:         make([]snapshotTopic, 0, len(img.Topics)),
		BrokerConfigs:  cloneConfigs(img.BrokerConfigs),
		NextProducerID: img.NextProducerID,
	}
	for _, id := range img.BrokerIDs() {
		s.Brokers = append(s.Brokers, snapshotBroker(img.Brokers[id]))
	}
	for _, name := range img.TopicNames() {
		s.Topics = append(s.Topics, toSnapshotTopic(img.Topics[name]))
	}
	return json.NewEncoder(w).Encode(&s)
}

func toSnapshotTopic(t *Topic) snapshotTopic {
	st := snapshotTopic{
		Name:       t.Name,
		ID:         t.ID,
		Partitions: make([]snapshotPartition, len(t.Partitions)),
		Configs:    cloneConfigs(t.Configs),
		Internal:   t.Internal,
	}
	for i, p := range t.Partitions {
		st.Partitions[i] = snapshotPartition(p)
	}
	return st
}

// decodeSnapshot reads an image written by encodeSnapshot and checks that
// it is consistent. The image's ControllerID is -1.
func decodeSnapshot(r io.Reader) (*Image, error) {
	var s snapshot
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorruptSnapshot, err)
	}
	if s.V != snapshotVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrCorruptSnapshot, s.V, snapshotVersion)
	}
	img := newImage()
	img.Offset, img.ClusterID, img.NextProducerID = s.Offset, s.ClusterID, s.NextProducerID
	img.BrokerConfigs = cloneConfigs(s.BrokerConfigs)
	for _, br := range s.Brokers {
		if _, dup := img.Brokers[br.ID]; dup {
			return nil, fmt.Errorf("%w: broker %d twice", ErrCorruptSnapshot, br.ID)
		}
		img.Brokers[br.ID] = Broker(br)
	}
	for _, st := range s.Topics {
		t, err := fromSnapshotTopic(st)
		if err != nil {
			return nil, err
		}
		if _, dup := img.Topics[t.Name]; dup {
			return nil, fmt.Errorf("%w: topic '%s' twice", ErrCorruptSnapshot, t.Name)
		}
		img.Topics[t.Name] = t
	}
	img.index()
	if len(img.topicsByID) != len(img.Topics) {
		return nil, fmt.Errorf("%w: two topics share an id", ErrCorruptSnapshot)
	}
	return img, nil
}

func fromSnapshotTopic(st snapshotTopic) (*Topic, error) {
	if st.ID.IsZero() || len(st.Partitions) == 0 {
		return nil, fmt.Errorf("%w: topic '%s' has no id or no partitions", ErrCorruptSnapshot, st.Name)
	}
	t := &Topic{
		Name:       st.Name,
		ID:         st.ID,
		Partitions: make([]Partition, len(st.Partitions)),
		Configs:    cloneConfigs(st.Configs),
		Internal:   st.Internal,
	}
	for i, sp := range st.Partitions {
		if sp.Index != int32(i) || len(sp.Replicas) == 0 {
			return nil, fmt.Errorf("%w: topic '%s' partition %d is malformed", ErrCorruptSnapshot, st.Name, i)
		}
		t.Partitions[i] = Partition(sp)
	}
	return t, nil
}
