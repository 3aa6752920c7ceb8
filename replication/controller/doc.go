// Package controller is the cluster metadata state machine: brokers, topics,
// topic ids, partitions, replica assignment, leaders and leader epochs,
// configs and the next producer id. It runs on hashicorp/raft, with a single
// voter on a one-node cluster, so that adding brokers adds voters and never
// changes how metadata is stored.
//
// # Images
//
// The metadata is an [Image]: an immutable value that the controller
// replaces after every applied change. Readers take [Controller.Image]
// without locks and keep a consistent view for as long as they hold it;
// [Controller.Changed] is closed when the next image is published (take it
// before reading the image). Each image is built copy-on-write from the one
// before: a command copies the maps it writes and the topics it changes and
// shares everything else, so an old image never changes. Image.Offset is
// the raft index of the last change an image reflects; ControllerID is the
// raft leader as this node last saw it, the one field that is not
// replicated state (an image is republished when the leader changes).
//
// # Proposals
//
// Admin calls (CreateTopic, DeleteTopic, ...) run on the leader. The
// proposer checks the request against the current image, makes every
// choice that is not a function of the image (a random topic id, a random
// round-robin start for replica placement, the cluster id), and appends a
// command that carries those choices to the raft log. The state machine
// applies committed commands deterministically, with no clock and no
// randomness, and checks each one again against the image it meets, so a
// command that raced with another (a topic created twice) is refused; the
// refusal or the result reaches the proposer through raft's
// ApplyFuture.Response. A refused command changes nothing and publishes
// nothing. Calls on a node that is not the leader fail with
// ErrNotController, after Close with ErrClosed; a call whose context ends
// first returns the context's error, and its command may still apply.
//
// Validation follows Kafka, and the messages use Kafka's words: topic names
// of 1 to 249 characters of [a-zA-Z0-9._-], not "." or "..", and not equal
// to an existing name once '.' and '_' are read alike; at least one and at
// most MaxNewPartitions partitions per request; a replication factor from 1
// to the number of registered brokers; manual assignments that name
// registered brokers, none twice in a partition, all partitions with one
// replica count. Replicas are placed Kafka's rack-unaware way: partition p
// leads on broker (start+p) mod N of the sorted broker ids, and its
// followers follow at a distance that shifts every N partitions; partitions
// added later continue from partition 0's leader. A new partition's leader
// is its first replica, its ISR all its replicas, its epochs 0.
//
// The sentinels stand for these Kafka errors: ErrTopicExists
// TOPIC_ALREADY_EXISTS, ErrUnknownTopic UNKNOWN_TOPIC_OR_PARTITION,
// ErrInvalidTopic INVALID_TOPIC_EXCEPTION, ErrInvalidPartitions
// INVALID_PARTITIONS, ErrInvalidReplicationFactor INVALID_REPLICATION_FACTOR,
// ErrInvalidReplicaAssignment INVALID_REPLICA_ASSIGNMENT, ErrInvalidRequest
// INVALID_REQUEST, ErrNotController NOT_CONTROLLER, and ErrClosed
// NOT_CONTROLLER too (the broker is going away; the client retries
// elsewhere).
//
// # On disk
//
// Config.Dir holds raft's state:
//
//	raft.db                          bolt database: the raft log and raft's stable store (term, vote)
//	snapshots/<term>-<index>-<ms>/   raft file snapshots: meta.json (raft's) and state.bin (ours, below)
//
// A new directory is bootstrapped with a configuration of one voter, this
// node (server id = node id in decimal); an existing one is recovered from
// the latest snapshot and the log after it. Open waits until this node
// leads and a raft barrier has applied the whole log, and in a new cluster
// it then commits the cluster id. A second controller on the same
// directory fails to open (the database is locked).
//
// # Command log format
//
// Each raft log entry of type LogCommand is one JSON envelope:
//
//	{"type":"create_topic","v":1,"data":{...}}
//
// type names the command and v the version of its data; this code writes
// and applies version 1 only. Decoding is strict: an unknown type, version
// or field is refused, never half applied. A new shape gets a new version,
// and every voter must understand it before any proposes it. Topic ids are
// written as Kafka prints them, 22 characters of unpadded URL-safe base64.
// The commands and their data (testdata/commands_v1.golden pins them):
//
//	init_cluster           {"cluster_id":"MkU3OEVBNTcwNTJENDM2Qg"}                         fixes the cluster id, once
//	register_broker        {"id":1,"host":"b1","port":9092,"rack":"r1"}                      adds or replaces a broker; rack omitted when empty
//	create_topic           {"name":"t","id":"…","replicas":[[1,2],[2,1]],"configs":{…},"internal":true}
//	                                                                                          replicas per partition, leader first; configs and internal omitted when empty
//	delete_topic           {"name":"t","id":"…"}                                             deletes t if it still has that id
//	create_partitions      {"name":"t","id":"…","count":3,"replicas":[[1,2]]}               grows t to count; replicas of the new partitions only
//	set_topic_configs      {"name":"t","configs":{"retention.ms":"1000"}}                   replaces t's overrides
//	set_broker_configs     {"configs":{"log.retention.ms":"5"}}                              replaces the dynamic cluster-wide broker configs
//	allocate_producer_ids  {"count":1000}                                                    result: the first id of [first, first+count)
//
// # Snapshot format
//
// A snapshot's state.bin is the whole image as one JSON object followed by
// a newline (testdata/snapshot_v1.golden pins it). Brokers are sorted by id
// and topics by name, so equal images give equal bytes:
//
//	{"v":1,"offset":11,"cluster_id":"…",
//	 "brokers":[{"id":1,"host":"b1","port":9092,"rack":"r1"}],
//	 "topics":[{"name":"t","id":"…","configs":{},"internal":true,
//	            "partitions":[{"index":0,"replicas":[1],"isr":[1],"leader":1,"leader_epoch":0,"partition_epoch":0}]}],
//	 "broker_configs":{},"next_producer_id":1000}
//
// v is the format version (1). Restore refuses an unknown version or field,
// duplicate brokers, topics or topic ids, a topic with no id or no
// partitions, and partitions out of order (ErrCorruptSnapshot).
package controller
