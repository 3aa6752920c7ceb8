// Package segment is Strata's hot tier: the on-disk log of one partition,
// split into segments, with sparse offset and time indexes, a flush policy
// with group-committed fsync, and crash recovery.
//
// # Directory layout
//
// A partition directory holds, for each segment, three files named by the
// segment's base offset written as 20 zero-padded decimal digits, plus one
// checkpoint file:
//
//	00000000000000000000.log        record batches
//	00000000000000000000.index      offset index
//	00000000000000000000.timeindex  time index
//	00000000000000368769.log        the next segment, base offset 368769
//	...
//	checkpoint                      log start offset, recovery point, clean flag
//
// Files ending in .tmp are incomplete writes and are removed on open, as are
// index files whose .log is missing.
//
// # .log
//
// The concatenation of the segment's Kafka v2 record batches (package
// tiered/batch), stored byte for byte as the producer sent them except for
// the fields the broker owns: the base offset, which the log assigns, the
// partition leader epoch and, for LogAppendTime topics, the timestamp type
// and max timestamp. There is no other framing: a batch's own length field
// frames it. Offsets increase strictly from batch to batch; a batch may
// follow its predecessor with a gap (compaction leaves them) but never
// overlap it. The first batch's base offset is at least the segment's base.
//
// # .index
//
// A sparse map from offset to file position, one 8-byte entry per
// index.interval.bytes of log, in increasing order of both fields:
//
//	0  4  relative offset  batch base offset minus the segment base (uint32)
//	4  4  position         byte position of that batch in the .log (uint32)
//
// An entry is added for a batch when at least index.interval.bytes of log
// have been written since the previous entry, or since the start of the
// segment. To find an offset, take the last entry at or below it (or the
// start of the segment when there is none) and walk batch headers forward
// from its position.
//
// # .timeindex
//
// A sparse map from timestamp to offset, one 12-byte entry written beside
// each .index entry when the segment's largest timestamp has grown since the
// last entry, and one more when the segment is sealed:
//
//	0  8  timestamp        the largest batch max timestamp so far (int64 ms)
//	8  4  relative offset  base offset of the batch holding it, minus the
//	                       segment base (uint32)
//
// Timestamps in the time index never decrease. The last entry of a sealed
// segment holds the segment's largest timestamp.
//
// Index files are written whole when a segment is sealed and when the log is
// closed cleanly; the active segment's indexes live in memory in between.
// Sealed indexes are memory-mapped read-only on first use. Sealing trims an
// index to its entries and makes the segment immutable.
//
// # checkpoint
//
// A 36-byte file, replaced atomically (write checkpoint.tmp, fsync, rename,
// fsync the directory):
//
//	 0  4  magic            "STCK"
//	 4  2  version          1
//	 6  2  flags            bit 0: the log was closed cleanly
//	 8  8  log start offset the first offset readers may see
//	16  8  recovery point   every segment whose data ends at or below it is
//	                        sealed, fsynced and has complete index files
//	24  8  log end offset   at a clean close; -1 otherwise
//	32  4  CRC-32C          of bytes 0..32
//
// # Recovery
//
// Opening a log whose checkpoint has the clean flag trusts the index files
// after checking them in memory — whole entries, offsets and positions
// strictly increasing, positions inside the log, timestamps never
// decreasing — and against the log at a few points: the batch at the last
// offset entry and the one the last time entry names must be there, every
// batch after the last entry must frame, and the log must end where the
// checkpoint says. Any doubt rebuilds the segment's indexes by a scan. (A
// time index cut back to whole entries from outside Strata passes these
// checks; Strata itself only ever writes index files whole.) The flag is
// cleared, durably, before the log accepts an append.
//
// Any other open scans every segment from the one holding the recovery
// point: each batch is validated (framing, CRC-32C, record count, offsets
// increasing and within 2^31 of the segment's base, the range the log
// rolls before leaving), the indexes are rebuilt from the scan, the .log
// is truncated at the first torn or corrupt batch, and every later segment
// is deleted, since offsets after a hole cannot be trusted. Segments are
// sealed (fsynced with their indexes) before the recovery point moves past
// them, so the scan is bounded by the unsealed
// tail: at most one or two segments.
//
// # Durability
//
// Appends are written to the active .log with one write call and become
// visible to readers at once. Sync and SyncTo make them durable; concurrent
// callers share one fsync (group commit). The flush policy (flush.messages,
// flush.ms) syncs on its own. Rolling to a new segment seals the old one:
// its index files are written and it is fsynced on a goroutine the log
// owns, so the append that rolled returns without waiting (Close waits for
// it, Seal waits for the seals before it, and SyncTo covers a sealed
// segment not yet durable). SealedSegments lists a sealed segment once it
// is durable; Config.OnSealed is told then.
//
// # Locks
//
// When several are held they are taken in this order: Log.syncMu (fsync
// rounds, seals, truncation, close), Log.ckMu (checkpoint writes), Log.mu
// (the segment list and offsets). A segment's idxMu is taken alone, under
// a shared Log.mu, to load its indexes.
//
// # Metrics
//
// Config.Metrics (NewMetrics, one per broker, shared by its logs; nil
// records nothing) receives, without allocating:
//
//	strata.segment.append.duration  s       histogram  one Append, validation to write (no fsync)
//	strata.segment.appended         By      counter    bytes appended
//	strata.segment.sync.duration    s       histogram  one SyncTo fsync round (group commit)
//	strata.segment.rolls            {roll}  counter    segments rolled
//
// It is not part of the log's configuration: logs whose Configs differ
// only in Metrics are configured alike.
package segment
