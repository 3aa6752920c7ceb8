// Package replication owns a partition's replicated state: leader and follower
// roles, replica fetchers, the in-sync replica set, the high watermark, leader
// epochs and truncation by OffsetForLeaderEpoch. Followers copy the leader's
// log as Kafka's do, by fetching from it.
package replication
