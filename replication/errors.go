package replication

import (
	"errors"

	"github.com/strata-streaming/strata/tiered"
)

// Errors returned by the manager and its partitions. Returned errors wrap
// one of these with the detail; test with errors.Is. Errors of the log
// (tiered, tiered/segment, tiered/batch) pass through wrapped.
var (
	// ErrUnknownTopicOrPartition is a partition the metadata does not know.
	ErrUnknownTopicOrPartition = errors.New("replication: unknown topic or partition")
	// ErrUnknownTopicID is a topic id the metadata does not know.
	ErrUnknownTopicID = errors.New("replication: unknown topic id")
	// ErrNotLeader is a partition this broker does not lead.
	ErrNotLeader = errors.New("replication: not the leader for the partition")
	// ErrOffline is a partition this broker hosts but could not open.
	ErrOffline = errors.New("replication: partition offline")
	// ErrMessageTooLarge is a batch larger than max.message.bytes.
	ErrMessageTooLarge = errors.New("replication: batch larger than max.message.bytes")
	// ErrInvalidRecord is a batch the broker refuses as a producer sent it:
	// an old message format, a sparse batch, a control batch, a producer id
	// without a sequence.
	ErrInvalidRecord = errors.New("replication: invalid record batch")
	// ErrOutOfOrderSequence is an idempotent batch whose first sequence
	// does not follow the producer's last one.
	ErrOutOfOrderSequence = errors.New("replication: out of order sequence number")
	// ErrInvalidProducerEpoch is an idempotent batch from a fenced, older
	// producer epoch.
	ErrInvalidProducerEpoch = errors.New("replication: producer epoch is older than the current one")
	// ErrTransactionsUnsupported is a transactional batch; Strata has no
	// transaction coordinator yet.
	ErrTransactionsUnsupported = errors.New("replication: transactional produce is not supported")
	// ErrInvalidRequiredAcks is an acks value other than -1, 0 or 1.
	ErrInvalidRequiredAcks = errors.New("replication: acks must be -1, 0 or 1")
	// ErrNotEnoughReplicas is an acks=all produce to a partition whose
	// in-sync replicas are fewer than min.insync.replicas.
	ErrNotEnoughReplicas = errors.New("replication: fewer in-sync replicas than min.insync.replicas")
	// ErrFencedLeaderEpoch is a request carrying a leader epoch older than
	// the partition's.
	ErrFencedLeaderEpoch = errors.New("replication: fenced leader epoch")
	// ErrUnknownLeaderEpoch is a request carrying a leader epoch newer than
	// the partition's.
	ErrUnknownLeaderEpoch = errors.New("replication: unknown leader epoch")
	// ErrOffsetOutOfRange is an offset outside the partition's range.
	ErrOffsetOutOfRange = tiered.ErrOffsetOutOfRange
	// ErrClosed is returned by a closed manager or partition.
	ErrClosed = tiered.ErrClosed
	// ErrConfig is an invalid configuration.
	ErrConfig = errors.New("replication: invalid config")
	// ErrCorrupt is a damaged state file (producer snapshot, leader epoch
	// checkpoint, partition metadata) that could not be used.
	ErrCorrupt = errors.New("replication: corrupt state file")
	// ErrLogNotEmpty is a restart of a partition log that holds records.
	ErrLogNotEmpty = errors.New("replication: partition log not empty")
)
