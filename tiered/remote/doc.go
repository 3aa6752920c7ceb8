// Package remote owns the remote tier's in-bucket format: the segment
// object (a sealed segment's record batches in independently readable
// chunks, with a footer that indexes them), the topic and partition
// manifests that make a bucket self-describing, the object keys, and a
// reader of one segment object over an objstore.Bucket. The uploader, the
// chunk cache and prefetch build on this package.
//
// All integers in binary structures are big-endian. CRC-32C is the
// Castagnoli CRC, as in Kafka's record batches. Offsets are Kafka offsets;
// timestamps are Kafka timestamps (milliseconds since the Unix epoch, -1
// when a producer set none).
//
// # Segment object
//
// One object per uploaded segment:
//
//	chunk 0 | chunk 1 | ... | chunk N-1 | footer | trailer (16 bytes)
//
// Chunks are laid end to end from byte 0. A chunk holds whole batches (the
// bytes of the segment's .log, see tiered/segment), cut only at batch
// boundaries: a chunk takes batches until the next would take its raw
// length past WriterConfig.ChunkBytes (default 4 MiB); a batch larger than
// that is a chunk of its own. A chunk is stored either as its batches
// (codec none) or as one LZ4 frame of them (codec lz4), so a ranged GET of
// one chunk serves a read without the rest of the object.
//
// An lz4 chunk is a standard LZ4 frame (magic 0x184D2204) that any LZ4
// frame decoder reads (e.g. `lz4 -d`). Strata writes it with independent
// blocks, the smallest block size among 64 KiB, 256 KiB, 1 MiB and 4 MiB
// that holds the chunk (4 MiB for larger chunks), no block or content
// checksum (the chunk's CRC-32C covers it) and no content size. Readers
// accept any valid frame.
//
// # Trailer
//
// The last 16 bytes of the object:
//
//	0  4  magic          "STSG"
//	4  2  version        1
//	6  2  flags          0
//	8  4  footer length  bytes of the footer, which ends where the trailer starts
//	12 4  footer CRC     CRC-32C of the footer
//
// A reader fetches the object's last ReaderConfig.TailBytes (64 KiB by
// default) in one ranged GET: the trailer and, for any segment of up to
// about 1,300 chunks, the whole footer. A larger footer costs a second GET
// of the bytes before the tail. The footer length must be between 137 (one
// chunk, one epoch) and MaxFooterBytes (64 MiB) and leave at least one
// byte of chunks in the object.
//
// # Footer
//
// The segment's metadata, then N chunk entries, then E leader epoch
// entries:
//
//	0  8  base offset         the segment's base offset (its hot-tier name),
//	                          at or below the first batch's base offset
//	8  8  last offset         last offset of the last batch
//	16 8  next offset         last offset + 1
//	24 8  min timestamp       smallest first timestamp of a batch: its base
//	                          timestamp, or its max timestamp when the batch
//	                          has LogAppendTime
//	32 8  max timestamp       largest batch max timestamp
//	40 8  max timestamp offset base offset of the first batch holding it
//	48 8  batch bytes         bytes of all batches (the segment's .log size)
//	56 8  record count        sum of the batches' record counts
//	64 4  batch count
//	68 4  chunk count N       at least 1
//	72 4  epoch count E       at least 1
//	76    N chunk entries of 49 bytes, then E epoch entries of 12 bytes
//
// A chunk entry:
//
//	0  8  first offset    base offset of the chunk's first batch
//	8  8  last offset     last offset of the chunk's last batch
//	16 8  max timestamp   largest batch max timestamp in the chunk
//	24 8  position        byte position of the stored chunk in the object
//	32 4  stored length   bytes of the stored chunk
//	36 4  raw length      bytes of the chunk's batches once decoded
//	40 4  batch count
//	44 4  CRC-32C         of the stored chunk bytes
//	48 1  codec           0 none, 1 lz4
//
// A leader epoch entry, one per epoch present in the segment, in offset
// order (Kafka's leader epoch cache, restricted to the segment):
//
//	0  4  leader epoch
//	4  8  start offset    base offset of the first batch with that epoch
//
// The footer carries no producer state.
//
// A footer is valid when, beyond its length and CRC: chunk i starts where
// chunk i-1 ends (chunk 0 at 0) and the last ends where the footer starts,
// so chunks + footer + trailer is the object's size; first offsets are
// strictly above the previous chunk's last offset and at most the chunk's
// last offset; every chunk holds at least one batch, no more batches than
// offsets and at least 61 raw bytes per batch; a codec none chunk has
// stored length = raw length, an lz4 chunk a raw length at most 256 times
// its stored length (LZ4 cannot expand further) and a stored length at
// most raw + raw/255 + 64; the metadata sums up the chunks (last offset,
// batch count, batch bytes, max timestamp), its max timestamp offset lies
// within the segment and its record count is at most the number of
// offsets the segment spans; the first epoch entry starts at the first
// batch, and epochs and start offsets increase strictly. A decoded chunk
// must be exactly raw length bytes of batch count batches from first
// offset to last offset with that max timestamp. Any violation is
// ErrCorrupt; a version other than 1 is ErrUnsupportedVersion. A decoder
// allocates no more than the object's tail, the footer, and for a chunk
// its stored and raw lengths (plus a pooled LZ4 block buffer of at most 4
// MiB); a raw length above ReaderConfig.MaxChunkBytes is refused
// (ErrChunkTooLarge) before the chunk is fetched.
//
// # Chunk compression
//
// CompressAuto, the default rule, decides per chunk: lz4 is tried only
// when at least a quarter of the chunk's bytes are in batches the producer
// left uncompressed, and the frame is kept only when it is at least 1/8
// (12.5%) smaller than the batches; otherwise the chunk is stored as it is.
// BenchmarkChunkCodec measured it on 4 MiB chunks of JSON click events
// (100 records per batch; 2 cores shared with other work, so read the
// columns against each other, not as absolutes):
//
//	batches           lz4 saves   lz4 compress   store (CRC only)   lz4 decode   store decode
//	uncompressed        75.4%      390 MB/s        17 GB/s           3.7 GB/s      17 GB/s
//	producer zstd        0.0%      730 MB/s        18 GB/s           3.8 GB/s      14 GB/s
//	producer gzip        0.0%      870 MB/s        19 GB/s           3.6 GB/s      12 GB/s
//	producer lz4        10.9%      140 MB/s        19 GB/s           2.2 GB/s      15 GB/s
//	producer snappy      9.0%      140 MB/s        17 GB/s           2.2 GB/s      14 GB/s
//	zstd + none         62.8%      360 MB/s        17 GB/s           3.9 GB/s      17 GB/s
//
// ("zstd + none" alternates the two.) Compressing uncompressed batches
// saves three quarters of the bytes stored and fetched, at a cost the
// upload path affords. Batches a producer compressed with zstd or gzip do
// not shrink at all, and trying costs about 5 ms of CPU per 4 MiB chunk:
// hence the look at the batches' codecs before trying. Producer lz4 and
// snappy batches shrink by about 10%, but at 140 MB/s (one core per 140
// MB/s of ingest), and they would decode 7 times slower than stored ones:
// not worth it, so they are stored as they are. The 1/8 threshold throws
// away frames of uncompressed but incompressible data (encrypted or
// already-compressed payloads sent with codec none); before compressing a
// large chunk whole, three 32 KiB samples of it are compressed, and a chunk
// whose samples save less than 1/16 is stored as it is, so such data costs
// a sample's compression rather than the chunk's. BenchmarkSegmentWriter
// measures whole objects: 270 MB/s for uncompressed batches (bound by
// lz4), 1.1 GB/s for producer-compressed ones (bound by CRCs and copies),
// against 12-16 GB/s for a plain copy; both are above the PUT rate of an
// object store (0.3-0.5 GB/s on MinIO).
//
// # Manifests
//
// Manifests are JSON objects, an envelope holding the manifest, followed
// by a newline:
//
//	{"format":"strata-partition-manifest","format_version":1,"crc32c":"98fde10a","manifest":{...}}
//
// format is "strata-topic-manifest" or "strata-partition-manifest";
// format_version is 1 (others are ErrUnsupportedVersion); crc32c is the
// CRC-32C, as 8 lower-case hex digits, of the exact bytes of the manifest
// member's value as they appear in the file. Decoders refuse unknown
// fields, anything but white space after the envelope, and manifests that
// fail validation (ErrInvalidManifest). Wall-clock times are RFC 3339
// strings in UTC; topic ids are Kafka's text form, 22 characters of
// unpadded base64url.
//
// A topic manifest: topic (a legal Kafka topic name), topic_id (not
// zero), partitions (at least 1), configs (the topic's config overrides,
// name to value, Kafka's names) and created.
//
// A partition manifest: topic, topic_id, partition; version, which grows
// by one with every change; log_start_offset, the partition's log start
// offset across both tiers (nothing below it may be read, even where a
// segment still holds it); and segments, in offset order, each with
// base_offset, last_offset, next_offset (= last_offset + 1),
// first_leader_epoch and last_leader_epoch, min_timestamp and
// max_timestamp (as in the footer), batch_bytes, object_size,
// object_crc32c (CRC-32C of the whole object, 8 hex digits; S3 can check
// it natively), key and upload_time. Segments do not overlap (base_offset
// at or above the previous next_offset), their leader epochs never go
// back, and each key is a well-formed segment key of this partition with
// the entry's base offset. Gaps between segments are allowed in a manifest
// but AddSegment creates one only through AddSegmentAfterGap.
//
// # Keys
//
//	<h(id/p)>/<topic>-<id>/<p>/<base offset>-<epoch>-<upload id>.seg   segment object
//	<h(id/p)>/<topic>-<id>/<p>/manifest.json                           partition manifest
//	<h(id)>/<topic>-<id>/topic.json                                    topic manifest
//	topics/<topic>/<id>                                                 topic index entry (empty)
//
// id is the topic id's text, p the partition in decimal, base offset 20
// zero-padded decimal digits (so keys sort by offset), epoch the uploading
// leader's epoch in decimal, upload id 16 lower-case hex digits chosen at
// random for each upload attempt. h(s) is the first 4 bytes of SHA-256(s)
// in lower-case hex (`printf %s "$id/$p" | sha256sum | cut -c1-8`): it
// opens every key so that partitions spread over the object store's index
// partitions. PartitionPrefix (up to and including "<p>/") lists exactly
// one partition's objects. A topic's partitions live under different
// hashes, so restoring a topic from a bucket finds it through the topic
// index: one empty object per topic under the unhashed prefix "topics/",
// written after the topic manifest (PublishTopic), so that listing
// "topics/<topic>/" finds every topic of that name (FindTopics) and the
// topic manifest then gives the partition count. The index is small and
// written once per topic, so it needs no hash prefix.
//
// # Write order and orphans
//
// A segment object is written first and the manifest that names it last:
// build the object (BuildSegmentFile, a temporary file: Put needs the size
// before it starts, a retry needs the bytes again, and a file keeps memory
// flat however large the segment), Put it under a key with a fresh upload
// id, then AddSegment and Put the manifest. Removal runs the other way:
// RemoveSegmentsBefore, Put the manifest, then Delete the objects it
// dropped. Deleting a topic deletes its partition manifests first, then
// every object under each PartitionPrefix, then the topic manifest; a topic
// manifest is written before any of its partition manifests.
//
// So a crash leaves, at worst, objects that no manifest names: orphans.
// Readers only open objects a manifest names, and a reader that finds a
// named object missing (objstore.ErrNotFound) re-reads the manifest, since
// removal may have run after it read it. A sweeper lists a partition's
// prefix and deletes every segment object that the current manifest does
// not name and that is older than a grace period longer than any upload
// (object Put to manifest Put, retries included). Because every upload
// attempt has its own upload id, no attempt ever overwrites an object an
// earlier attempt wrote, which a manifest might already name.
//
// Only a partition's leader writes its manifest, one change at a time;
// versions let a reader refuse to go back to an older manifest. The
// Bucket interface has no conditional put, so the uploader must make sure
// it is still the leader before each manifest write.
//
// # Uploading
//
// An Uploader copies one partition's sealed segments, which a SealedSource
// (the hot tier) lists and opens, oldest first: UploadNext builds the
// next object into UploaderConfig.SpoolDir, Puts it under a fresh upload
// id (paced by MaxBytesPerSecond), verifies it, and only then adds it to
// the manifest through a ManifestStore. Every Put carries a checksum of
// its bytes that the store checks before it keeps the object (CRC-32C
// from minio-go, CRC-32 from the AWS SDK), so verification compares the
// stored size (Attributes) with what was built. With ReadBack it also
// reads the whole object back through its CRC-32C, for stores that do not
// check checksums: OpenSegment checks only the trailer and footer, so a
// byte flipped inside a chunk would otherwise go unseen until a consumer
// fetched it, once local retention has removed the hot copy. A
// verification failure deletes the object and is retried under a new
// upload id. Run loops UploadNext with exponential backoff; the
// caller of Run owns its goroutine. DeleteSegmentsBefore edits the
// manifest, then deletes the objects it dropped. A Sweeper deletes
// segment objects that the manifest does not name once they are older than
// its grace period (DefaultSweepGrace, an hour).
//
// A ManifestStore refuses to store a manifest whose version is not above
// the last one it loaded or stored, and to load one older than that: with
// no conditional put in the Bucket interface, this guards a single writer
// against its own stale copies; the leader check before each manifest
// write (SealedSource.LeaderEpoch) guards against a second writer.
//
// # A partition's tier
//
// A Tier bundles one partition's remote tier on the broker that leads it:
// its ManifestStore, Uploader (whose Run loop, after publishing the topic
// manifest, the Tier owns), PartitionReader and Sweeper (run every
// SweepInterval). The store keeps a local copy of the partition manifest
// (KeepLocalCopy: the same encoding, written to a temporary file, fsynced
// and renamed after every manifest the store loads or stores), which seeds
// what readers see (ManifestStore.Latest) after a restart until the
// bucket's manifest is read; changes always start from the bucket's copy.
// DeletePartition and DeleteTopic remove a partition's or a topic's
// objects: the index entry first, segment objects, partition manifests,
// the topic manifest last, so an interrupted deletion can run again.
//
// # Reading
//
// A PartitionReader serves consumers from the remote tier: Read(ctx,
// offset, maxBytes) returns whole batches from the one holding offset,
// across chunks and segments, up to maxBytes but at least one batch. It
// reads the manifest a func gives it at every call. An offset outside
// [log start offset, end offset) is ErrOffsetOutOfRange; a segment object
// gone is objstore.ErrNotFound (refresh the manifest and read again); an
// outage stays objstore.IsRetriable; a chunk failing its checks is
// ErrCorrupt. No batch is returned that was not checked.
//
// Chunks come through a ChunkCache, one per bucket: decoded chunks in
// files under a directory, one per object key and chunk index (a hash of
// the key, then the index), written to a temporary name and renamed, at
// most CacheConfig.MaxBytes of them, least recently used evicted first;
// by default a chunk is written there on its second fetch
// (AdmitSecondFetch), so a one-off replay leaves the directory alone;
// footers in memory, at most MaxFooters. Opening the cache empties its
// directory: entries do not survive a restart. Concurrent reads of a chunk,
// or opens of a footer, share one GET, and at most MaxConcurrentFetches
// GETs run at once. Chunks are served as read-only bytes, the ones fetched
// last from memory and others read back from their file, and a read
// returns its batches as runs of them (Batches), copying nothing; an
// evicted file needs no reference count.
//
// After serving chunk i, a PartitionReader fetches chunks i+1 to
// i+PrefetchChunks (4 by default) plus what the read's size will need in
// the background with PrefetchWorkers workers, continuing into the
// manifest's next segment, so that a sequential consumer finds each chunk
// cached. Consecutive chunks are fetched with one ranged GET of up to
// 16 MiB: a store spends a fixed cost on every request. A read-ahead that does not
// fit in its queue is dropped; Close cancels the fetches in flight and
// waits for the workers.
package remote
