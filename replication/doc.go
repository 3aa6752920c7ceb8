// Package replication owns this broker's partitions: which ones it opens,
// their logs, the produce path (validation, idempotent producers, append,
// durability), the high watermark, leader epochs and the producer state
// that survives restarts. Today a partition has one replica, its leader;
// followers, replica fetchers and the in-sync replica set (Kafka's
// replication, by followers fetching from the leader) build on the same
// Partition.
//
// A Manager applies each metadata image (controller.Image) to the data
// directory; a Partition is the leader's state of one partition. Request
// handlers find partitions through the Manager and call the Partition
// directly: Produce (or Append then Wait), Read, ListOffset,
// EndOffsetForEpoch, DeleteRecords.
//
// # Data directory
//
// The data directory (log.dirs) holds one directory per partition, named
// as Kafka names them:
//
//	<topic>-<partition>/                  a partition, e.g. orders-0/
//	<topic>-<partition>.<hex>-delete/     a partition being deleted
//
// Deleting a partition renames its directory to the -delete form, fsyncs
// the data directory, then removes it, so a crash part way leaves a
// directory the next Apply removes. Apply also removes partition
// directories (those holding a partition.metadata file) that no partition
// assigned to this broker accounts for; directories without one are left
// alone. Until the first Apply nothing is removed.
//
// A partition directory holds the log's files (package tiered/segment
// describes them) and these:
//
//	partition.metadata                    the topic id
//	leader-epoch-checkpoint               the leader epoch cache
//	<offset, 20 digits>.snapshot          producer state as of offset
//
// Every file here is replaced atomically: written to <name>.tmp, fsynced,
// renamed, and the directory fsynced. Leftover .tmp files are removed on
// open.
//
// # partition.metadata
//
// Kafka's text format, two lines:
//
//	version: 0
//	topic_id: <the 16-byte topic id, URL-safe base64 without padding>
//
// It is written before the log, so a directory holding a log always names
// its topic id. A directory whose topic id differs from the image's (the
// topic was deleted and recreated under the same name), or that has none,
// is deleted before the partition is created afresh: a new topic never
// sees an old topic's data.
//
// # leader-epoch-checkpoint
//
// Kafka's text format: a version line "0", a count line, then one
// "<epoch> <start offset>" line per entry, in increasing order of both:
//
//	0
//	2
//	0 0
//	3 1250
//
// Entry (e, s) says the first batch written under leader epoch e has
// offset s. A leader adds its epoch at the log end when it takes over (the
// image's LeaderEpoch grows), and the append of a batch under a newer
// epoch adds it too. Entries at or past the log end are dropped on open
// (a crash cut the log), and entries wholly below the log start offset are
// collapsed into one at the log start when DeleteRecords moves it. The
// cache answers OffsetForLeaderEpoch (see EndOffsetForEpoch) and the
// leader epochs of ListOffsets.
//
// # Producer snapshots
//
// An idempotent producer's state in a partition is its epoch, the time of
// its latest batch and its last five batches (first and last sequence,
// first and last offset, max timestamp), enough to recognise any retry of
// the requests a producer may have in flight. The state is snapshotted
// when an append rolls a segment (as of the new segment's base offset:
// before that append's batches) and at a clean close (as of the log end);
// the newest three snapshots are kept. On open the newest snapshot at or
// below the log end is loaded and the batch headers from its offset to the
// log end are replayed; snapshots above the log end are deleted, and with
// no usable snapshot the whole log is replayed. After a clean close
// nothing is replayed; after a crash at most the batches appended since
// the last roll.
//
// A snapshot is a binary file, all integers big-endian:
//
//	 0  4  magic           "STPS"
//	 4  2  version         1
//	 6  2  reserved        0
//	 8  8  offset          the log offset the state is as of (also the name)
//	16  4  producer count  n
//	20  -  n producers, in increasing id order, each:
//	         0  8  producer id
//	         8  2  producer epoch
//	        10  8  last timestamp  max timestamp of its latest batch (ms)
//	        18  1  batch count     k, 1 to 5
//	        19  -  k batches, oldest first, each 32 bytes:
//	                 0 4 first sequence   4 4 last sequence
//	                 8 8 first offset    16 8 last offset
//	                24 8 max timestamp
//	end-4  4  CRC-32C (Castagnoli) of every byte before it
//
// A snapshot that fails its CRC or framing is skipped and deleted.
//
// # Produce
//
// Produce validates every batch of a request as Kafka does for a client:
// magic 2 only (an old message format is INVALID_RECORD); at most
// max.message.bytes (else MESSAGE_TOO_LARGE); a good CRC (else
// CORRUPT_MESSAGE); base offset 0, dense, not a control batch, a sequence
// with every producer id (else INVALID_RECORD); not transactional (no
// transaction coordinator yet: INVALID_TXN_STATE). A compressed batch is
// decompressed and its records checked, with any codec, up to 64 MiB of
// records or 16 times max.message.bytes, whichever is more; a batch
// decompressing past that is refused as MESSAGE_TOO_LARGE.
//
// Idempotent batches are then checked against their producer's state, in
// request order, under the partition lock that also covers the append, so
// the check and the append are atomic. With the producer's current epoch,
// a batch equal to a remembered one (same first and last sequence) is a
// retry: the whole request is answered with the original's offset and
// nothing is appended; any other batch must continue the sequence (the
// last sequence plus one, wrapping from MaxInt32 to 0), else
// OUT_OF_ORDER_SEQUENCE_NUMBER. A newer epoch must start at sequence 0
// and replaces the producer's history; an older epoch is
// INVALID_PRODUCER_EPOCH. A producer with no state accepts any sequence,
// as retention or expiration may have removed it (KIP-360). State idle for
// producer.id.expiration.ms, by its batches' timestamps, is dropped.
//
// # High watermark and durability
//
// With a single replica, the high watermark follows the log end: an acks=0
// or acks=1 append is visible to consumers as soon as it is written. An
// acks=-1 (all) append is fsynced before it is acknowledged, and the high
// watermark stays below it until it is durable, so a consumer never sees
// an acks=all record that a crash could take back; appends after it wait
// behind it. The fsyncs run on a goroutine per partition that exists while
// there is work, shared by every acks=all append that asked before it
// started (group commit); the partition lock is not held during an fsync,
// and a produce request gives up waiting at its timeout while the fsync
// completes. Records written with acks 0 or 1 and not yet fsynced may be
// lost in a crash, as in Kafka with one replica.
//
// # Configuration changes
//
// A topic configuration change that touches the log (segment.bytes,
// segment.ms, flush.*, ...) closes the log and reopens it with the new
// configuration, between the OnClose and OnOpen hooks; appends wait and
// reads in flight fail with a retriable error meanwhile. Other changes
// (max.message.bytes, message.timestamp.type, min.insync.replicas) apply
// to the next produce.
//
// # Locks
//
// A partition's snapMu (producer snapshot writes) is taken before its mu
// (appends and the state they change), which is taken before the log's
// locks; the fsync goroutine's lock is taken alone. Manager.applyMu serialises Apply and
// Close; lookups read an immutable view and take no lock.
package replication
