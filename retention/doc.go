// Package retention decides which segments of a partition log may go and
// removes them, following Kafka's topic retention configuration.
//
// It owns two things:
//
//   - Planning, as pure functions: given a policy, the current time and a
//     partition's segments, PlanLocal says which of the oldest segments
//     time-based (retention.ms) and size-based (retention.bytes) retention
//     delete from the local (hot) tier, and why. Plans do no I/O and are
//     tested exhaustively on their own.
//   - Enforcement, per partition: the Manager applies plans to the partitions
//     registered with it, every log.retention.check.interval.ms in one
//     background goroutine and on demand (Trigger, when a log rolls a
//     segment; Enforce and EnforceAll, for tests and admin tools).
//
// The manager sees a partition only through the small Partition interface
// defined here, so this package depends on no log implementation; the log
// package adapts its segments to Segment.
//
// As the tiered storage grows, this package also takes on uploading sealed
// segments to the remote tier, trimming local copies once they are uploaded
// (local.retention.ms, local.retention.bytes), trimming the remote tier, and
// scheduling compaction. Each becomes a further step of a Plan, computed by a
// pure planner and carried out by the same Manager.
package retention
