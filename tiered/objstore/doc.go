// Package objstore owns Bucket, the small object-store interface the remote
// tier stores segments and manifests through, and its four implementations:
// Mem (in memory), FS (a local directory, the embedded default), S3
// (aws-sdk-go-v2) and MinIO (minio-go). All four pass one acceptance suite,
// objstoretest.AcceptanceTest; S3 and MinIO run it against a real MinIO
// server started by package miniotest.
//
// It is a leaf: it imports no other Strata package.
//
// # Contract
//
// The Bucket interface comment is the contract: keys are '/'-separated
// names checked by ValidateKey; Put replaces an object whole and
// idempotently, from a reader of exactly the declared size, and a failed Put
// leaves the previous object (or none) visible; Get and GetRange read a
// whole object or an exact byte range; Delete of a missing key succeeds;
// List walks every key under a string prefix in byte-wise order across
// pages; Attributes gives size, modification time and an opaque ETag.
//
// # Errors
//
// Errors are classes tested with errors.Is: ErrNotFound (a missing object),
// ErrUnavailable (transient: network failures, throttling, 5xx answers, a
// server that is down; IsRetriable reports it), ErrInvalidKey,
// ErrInvalidRange, ErrSizeMismatch and ErrConfig. The S3 and MinIO
// backends map the store's answer to a class (NoSuchKey and NotFound to
// ErrNotFound, InvalidRange or 416 to ErrInvalidRange, 5xx, 429 and the
// throttling codes to ErrUnavailable) and keep the client library's error
// in the chain too. A canceled or expired context is never ErrUnavailable.
// Nothing in this package logs; credentials are Secret values, which
// format and log as "[redacted]".
//
// # Remote backends
//
// S3Config and MinIOConfig name the bucket, an optional Prefix (a folder
// prepended to every key and stripped from listed keys), the endpoint,
// static credentials or the default chain, the multipart part size and the
// attempts per request; S3Config adds path-style addressing and server-side
// encryption (SSE-S3 "AES256", or SSE-KMS "aws:kms" with an optional key
// id). Objects up to the part size go up in one PUT; larger ones in a
// multipart upload that is aborted when any part or the reader fails. A
// process that dies mid-upload leaves an incomplete multipart upload, which
// is invisible to readers and which a bucket lifecycle rule
// (AbortIncompleteMultipartUpload) should reap.
//
// # Filesystem layout
//
// NewFS(dir) keeps two directories:
//
//	dir/objects/<key>  one regular file per object, at the path its key
//	                   names ('/' separates directories)
//	dir/tmp/put-*      puts being written; NewFS removes any left over
//
// Put writes dir/tmp/put-* (starting each 8 MiB's writeback as it goes,
// so that the fsync never flushes a whole segment at once), fsyncs it,
// creates the key's directories (fsyncing each new one's parent), renames
// the file over the key's path and fsyncs its directory, so a crash leaves the old object or the new one,
// never a part. Delete removes the file, fsyncs its directory and removes
// the directories that become empty. Because '/' maps to directories, a key
// cannot also be the directory of another ("a/b" beside "a/b/c"): such a
// Put fails with ErrInvalidKey. List reads only the directories that can
// hold matching keys, each sorted as its keys sort (a directory "a" as
// "a/"). The ETag is derived from the file's inode number, modification
// time and size; every Put renames a new file into place.
package objstore
