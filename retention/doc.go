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
// A partition registered with AddTiered also has a remote tier (the Remote
// interface): each enforcement plans both tiers with PlanTiered, deletes
// remote segments first (their manifest first, which moves the log start
// offset) and then the local segments the plan frees, and records the
// upload backlog (BacklogBytes). Nothing is deleted while the remote tier's
// state is unknown (its manifest not yet read from the object store).
// Uploads themselves run in each partition's remote tier (tiered/remote's
// Tier), woken on every segment roll; the manager is triggered after each
// upload. Compaction will join as a further step.
//
// For a topic with remote storage, PlanTiered plans both tiers at once. Total
// retention (retention.ms, retention.bytes) judges the remote segments
// followed by the local segments not yet uploaded as one log and deletes
// from whichever tier holds what it removes, moving the log start offset;
// local retention (local.retention.ms, local.retention.bytes) trims only
// local segments already uploaded and never moves the log start offset.
// While remote storage is enabled, a local segment not yet uploaded is never
// deleted by either rule, so an upload outage grows the local tier (the
// plan's upload backlog) rather than losing data; with it disabled, the plan
// is PlanLocal's.
package retention
