package handler

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/replication"
	"github.com/strata-streaming/strata/replication/controller"
)

// Cluster is the cluster metadata and the controller commands the handlers
// use.
type Cluster interface {
	// Image is the current metadata snapshot.
	Image() *controller.Image

	// CreateTopic creates a topic; the handler has resolved the -1
	// defaults and validated the configs. It returns the topic as created.
	CreateTopic(ctx context.Context, spec controller.TopicSpec) (*controller.Topic, error)
	// ValidateTopic runs CreateTopic's checks and applies nothing.
	ValidateTopic(spec controller.TopicSpec) error
	// DeleteTopic deletes the named topic.
	DeleteTopic(ctx context.Context, name string) error
	// CreatePartitions grows the named topic to count partitions, with the
	// new partitions' replicas when assignment is not empty; with
	// validateOnly nothing is applied.
	CreatePartitions(ctx context.Context, name string, count int32, assignment [][]int32, validateOnly bool) error
	// SetTopicConfigs replaces the named topic's config overrides.
	SetTopicConfigs(ctx context.Context, name string, configs map[string]string) error
	// SetBrokerConfigs replaces the dynamic cluster-wide broker configs.
	SetBrokerConfigs(ctx context.Context, configs map[string]string) error
	// AllocateProducerIDs reserves count consecutive producer ids, never
	// handed out before (across restarts), and returns the first.
	AllocateProducerIDs(ctx context.Context, count int64) (first int64, err error)
}

// Partitions are this broker's partitions, for the data-plane APIs.
type Partitions interface {
	// Partition is a partition this broker leads, by topic name, for
	// Produce, ListOffsets, OffsetForLeaderEpoch and DeleteRecords. Its
	// errors are replication's: ErrUnknownTopicOrPartition, ErrNotLeader,
	// ErrOffline. *replication.Manager implements it.
	Partition(topic string, index int32) (*replication.Partition, error)
	// PartitionByID is Partition by topic id (Produce v13+); an unknown id
	// is replication.ErrUnknownTopicID.
	PartitionByID(id controller.TopicID, index int32) (*replication.Partition, error)
	// Partitions lists the open partitions in topic and index order
	// (DescribeLogDirs).
	Partitions() []*replication.Partition
	// DataDir is the one log directory holding the partitions.
	DataDir() string
}

// Groups is the group coordinator, for the group APIs. It answers with
// Kafka error codes in the responses itself. *group.Coordinator implements
// it.
type Groups interface {
	// Coordinates reports whether this broker coordinates the group.
	Coordinates(group string) bool
	// JoinGroup joins the client to a group; clientID and clientHost
	// describe the connection. It waits for the rebalance and returns an
	// error only when ctx ends first.
	JoinGroup(ctx context.Context, clientID, clientHost string, req *kmsg.JoinGroupRequest) (*kmsg.JoinGroupResponse, error)
	// SyncGroup waits for the member's assignment and returns an error
	// only when ctx ends first.
	SyncGroup(ctx context.Context, req *kmsg.SyncGroupRequest) (*kmsg.SyncGroupResponse, error)
	Heartbeat(ctx context.Context, req *kmsg.HeartbeatRequest) *kmsg.HeartbeatResponse
	LeaveGroup(ctx context.Context, req *kmsg.LeaveGroupRequest) *kmsg.LeaveGroupResponse
	// OffsetCommit stores offsets; the handler has already answered
	// partitions of unknown topics.
	OffsetCommit(ctx context.Context, req *kmsg.OffsetCommitRequest) *kmsg.OffsetCommitResponse
	OffsetFetch(ctx context.Context, req *kmsg.OffsetFetchRequest) *kmsg.OffsetFetchResponse
	// DescribeGroups leaves AuthorizedOperations to the handler.
	DescribeGroups(ctx context.Context, req *kmsg.DescribeGroupsRequest) *kmsg.DescribeGroupsResponse
	ListGroups(ctx context.Context, req *kmsg.ListGroupsRequest) *kmsg.ListGroupsResponse
	DeleteGroups(ctx context.Context, req *kmsg.DeleteGroupsRequest) *kmsg.DeleteGroupsResponse
	OffsetDelete(ctx context.Context, req *kmsg.OffsetDeleteRequest) *kmsg.OffsetDeleteResponse
}
