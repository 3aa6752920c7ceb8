package handler

import (
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/strata-streaming/strata/broker/config"
	"github.com/strata-streaming/strata/broker/wire"
	"github.com/strata-streaming/strata/replication"
	"github.com/strata-streaming/strata/replication/controller"
	"github.com/strata-streaming/strata/tiered/batch"
	"github.com/strata-streaming/strata/tiered/objstore"
	"github.com/strata-streaming/strata/tiered/remote"
	"github.com/strata-streaming/strata/tiered/segment"
)

// errorMapping pairs a Strata sentinel with the Kafka error it becomes.
type errorMapping struct {
	err  error
	code *kerr.Error
}

// errorTable is the one place where Strata's errors become Kafka error
// codes: every sentinel that can reach a client is listed here, the more
// specific before the more general. Errors that already wrap a *kerr.Error,
// and context errors, are mapped by wire.ErrorCode.
var errorTable = []errorMapping{
	// The log: tiered, tiered/segment, tiered/batch.
	{segment.ErrOffsetOutOfRange, kerr.OffsetOutOfRange},
	{segment.ErrBatchTooLarge, kerr.RecordListTooLarge},
	{segment.ErrEmptyAppend, kerr.InvalidRecord},
	{segment.ErrClosed, kerr.NotLeaderForPartition},
	{segment.ErrFailed, kerr.KafkaStorageError},
	{segment.ErrCorrupt, kerr.KafkaStorageError},
	{batch.ErrTooLarge, kerr.MessageTooLarge},
	{batch.ErrCorrupt, kerr.CorruptMessage},

	// The remote tier: tiered/remote, tiered/objstore. An outage, a
	// missing or damaged object are all retriable storage errors: the
	// client retries, and never gets wrong data or resets its offset.
	{remote.ErrReaderClosed, kerr.NotLeaderForPartition},
	{remote.ErrCorrupt, kerr.KafkaStorageError},
	{objstore.ErrNotFound, kerr.KafkaStorageError},
	{objstore.ErrUnavailable, kerr.KafkaStorageError},

	// Partitions: replication.
	{replication.ErrUnknownTopicOrPartition, kerr.UnknownTopicOrPartition},
	{replication.ErrUnknownTopicID, kerr.UnknownTopicID},
	{replication.ErrNotLeader, kerr.NotLeaderForPartition},
	{replication.ErrOffline, kerr.KafkaStorageError},
	{replication.ErrMessageTooLarge, kerr.MessageTooLarge},
	{replication.ErrInvalidRecord, kerr.InvalidRecord},
	{replication.ErrOutOfOrderSequence, kerr.OutOfOrderSequenceNumber},
	{replication.ErrInvalidProducerEpoch, kerr.InvalidProducerEpoch},
	{replication.ErrTransactionsUnsupported, kerr.InvalidTxnState},
	{replication.ErrInvalidRequiredAcks, kerr.InvalidRequiredAcks},
	{replication.ErrNotEnoughReplicas, kerr.NotEnoughReplicas},
	{replication.ErrFencedLeaderEpoch, kerr.FencedLeaderEpoch},
	{replication.ErrUnknownLeaderEpoch, kerr.UnknownLeaderEpoch},
	{replication.ErrCorrupt, kerr.KafkaStorageError},

	// Cluster metadata: replication/controller, broker/config.
	{controller.ErrTopicExists, kerr.TopicAlreadyExists},
	{controller.ErrUnknownTopic, kerr.UnknownTopicOrPartition},
	{controller.ErrInvalidTopic, kerr.InvalidTopicException},
	{controller.ErrInvalidPartitions, kerr.InvalidPartitions},
	{controller.ErrInvalidReplicationFactor, kerr.InvalidReplicationFactor},
	{controller.ErrInvalidReplicaAssignment, kerr.InvalidReplicaAssignment},
	{controller.ErrInvalidRequest, kerr.InvalidRequest},
	{controller.ErrNotController, kerr.NotController},
	{controller.ErrClosed, kerr.NotController},
	{config.ErrUnknownConfig, kerr.InvalidConfig},
	{config.ErrInvalidConfig, kerr.InvalidConfig},
	{config.ErrReadOnly, kerr.InvalidConfig},

	// Groups: broker/group.
}

// errorCode maps err to a Kafka error code: 0 for nil.
func errorCode(err error) int16 {
	if err == nil {
		return 0
	}
	for _, m := range errorTable {
		if errors.Is(err, m.err) {
			return m.code.Code
		}
	}
	return wire.ErrorCode(err)
}
