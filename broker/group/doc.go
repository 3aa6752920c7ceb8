// Package group is the consumer group coordinator: Kafka's classic group
// protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, static membership
// after KIP-345), its rebalance and session timers, committed offsets and
// their expiration, and the group admin APIs (DescribeGroups, ListGroups,
// DeleteGroups, OffsetDelete). On a single node one Coordinator serves
// every group.
//
// # Lifecycle
//
// New validates the Config and starts the timer loop; until Load has
// replayed the store, every group request is answered with
// COORDINATOR_LOAD_IN_PROGRESS. Load rebuilds groups and offsets from all
// partitions of the store. Close stops the timer loop, waits for it, and
// answers every parked JoinGroup and SyncGroup with NOT_COORDINATOR.
//
// # State machine
//
// A group is Empty, PreparingRebalance, CompletingRebalance, Stable or
// Dead, with Kafka's transitions. A JoinGroup without a member id gets
// MEMBER_ID_REQUIRED and an id ("clientID-uuid", "instanceID-uuid" for a
// static member) from v4; the join phase then waits for every member and
// pending id, at most the longest rebalance timeout, after which dynamic
// members that did not rejoin are removed. The first rebalance of an
// empty group waits group.initial.rebalance.delay.ms, extended while new
// members arrive, up to the rebalance timeout. The leader's JoinGroup
// response lists the members; its SyncGroup stores the assignment, which
// is then handed to the members parked in SyncGroup, and the group is
// Stable. Members that do not send SyncGroup within the rebalance timeout
// are removed. A member whose session timeout passes without a heartbeat
// (or a parked JoinGroup or SyncGroup) is removed and the group
// rebalances. A static member rejoining a stable group with an unchanged
// subscription and selected protocol takes over its instance without a
// rebalance; the old member id is fenced (FENCED_INSTANCE_ID).
//
// Every state change is made under the group's lock; JoinGroup and
// SyncGroup park on a buffered channel outside it. Deadlines are checked
// by the timer loop every Config.TimerTick against Config.Now.
//
// # Storage
//
// Every state change that must survive a restart is appended to
// __consumer_offsets through Store, and acknowledged only once the append
// returns (acks=all). A group lives in partition
// abs(javaStringHashCode(groupID)) % partitions (PartitionFor). The records
// are Kafka's own, so Kafka's tools read them:
//
//	offset commit   key   OffsetCommitKey v1:   int16 version=1, string group,
//	                                            string topic, int32 partition
//	                value OffsetCommitValue v3: int16 version=3, int64 offset,
//	                                            int32 leaderEpoch, string metadata,
//	                                            int64 commitTimestamp
//	                      or v1 when the commit set a retention (OffsetCommit v2-v4):
//	                                            int16 version=1, int64 offset,
//	                                            string metadata, int64 commitTimestamp,
//	                                            int64 expireTimestamp
//	group metadata  key   GroupMetadataKey v2:  int16 version=2, string group
//	                value GroupMetadataValue v3: int16 version=3, string protocolType,
//	                                            int32 generation, nullable string
//	                                            protocol, nullable string leader,
//	                                            int64 currentStateTimestamp,
//	                                            [member: string memberId,
//	                                             nullable string instanceId,
//	                                             string clientId, string clientHost,
//	                                             int32 rebalanceTimeout,
//	                                             int32 sessionTimeout,
//	                                             bytes subscription, bytes assignment]
//
// Strings are int16-length prefixed (-1 for null), bytes int32-length
// prefixed, all big-endian: the non-flexible encodings of kmsg's
// OffsetCommitKey, OffsetCommitValue, GroupMetadataKey and
// GroupMetadataValue. A member's subscription is its metadata for the
// selected protocol. A null value is a tombstone: for an offset when it is
// deleted or expires, for a group when it is deleted or expires (empty,
// without offsets).
//
// Offset commits are written when committed; group metadata when the
// leader's SyncGroup completes a rebalance, when a rebalance leaves the
// group empty, and when a static member takes over its instance without a
// rebalance. Replay reads every version Kafka has written (offset keys v0
// and v1, values v0-v4; group values v0-v4) and skips, with a warning,
// keys of other versions and records that do not decode. Restored groups
// with members are Stable and their members' sessions start at load.
//
// # Metrics
//
// From Config.Meter (nil: no-op instruments); the gauges are observed at
// collection time, each group locked only to copy what is reported:
//
//	strata.group.rebalances  {rebalance}  counter  rebalances started (entering PreparingRebalance)
//	strata.group.groups      {group}      gauge    groups by state (attribute state)
//	strata.group.members     {member}     gauge    members of all groups
//	strata.group.lag         {record}     gauge    high watermark minus committed offset
//	                                               (attributes group, topic, partition), for
//	                                               the partitions Config.HighWatermark knows
package group
