package remote

import "errors"

// Errors of the remote format. Errors from the bucket (objstore.ErrNotFound,
// objstore.ErrUnavailable, ...) are returned in the chain beside these, so
// objstore.IsRetriable keeps working on them.
var (
	// ErrCorrupt is the class of every object that fails its checks: bad
	// magic, a CRC mismatch, a truncated object, a footer or chunk that
	// contradicts itself or the object. Test with errors.Is.
	ErrCorrupt = errors.New("remote: corrupt object")
	// ErrUnsupportedVersion is a segment object or manifest written in a
	// format version this build does not read (a newer one, or a damaged
	// version field).
	ErrUnsupportedVersion = errors.New("remote: unsupported format version")
	// ErrChunkTooLarge is a chunk whose uncompressed length exceeds the
	// reader's MaxChunkBytes, or a batch larger than the writer's
	// MaxBatchBytes.
	ErrChunkTooLarge = errors.New("remote: chunk larger than the configured limit")
	// ErrEmptySegment is a segment object with no batches: Finish refuses
	// to write one.
	ErrEmptySegment = errors.New("remote: segment has no batches")
	// ErrBatchOrder is a batch handed to a SegmentWriter whose offsets do
	// not follow the previous batch's, that starts below the segment's base
	// offset, or whose leader epoch is lower than the previous batch's.
	ErrBatchOrder = errors.New("remote: batch out of order")
	// ErrWriterDone is returned by a SegmentWriter after Finish or after a
	// write to its destination failed.
	ErrWriterDone = errors.New("remote: segment writer finished or failed")
	// ErrInvalidManifest is the class of manifests that fail validation:
	// malformed JSON, a checksum mismatch, unknown fields, segments out of
	// order or overlapping, malformed keys.
	ErrInvalidManifest = errors.New("remote: invalid manifest")
	// ErrSegmentOverlap is a segment added to a partition manifest that
	// starts below the manifest's end offset.
	ErrSegmentOverlap = errors.New("remote: segment overlaps the manifest")
	// ErrSegmentGap is a segment added to a partition manifest that starts
	// above the manifest's end offset, when a gap was not allowed.
	ErrSegmentGap = errors.New("remote: segment leaves a gap after the manifest")
	// ErrInvalidKey is an object key that does not follow the key scheme,
	// or a topic, topic id or partition that cannot be named by one.
	ErrInvalidKey = errors.New("remote: invalid object key")
	// ErrInvalidConfig is a WriterConfig or ReaderConfig that fails
	// Validate.
	ErrInvalidConfig = errors.New("remote: invalid config")
)
