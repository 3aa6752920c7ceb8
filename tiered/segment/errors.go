package segment

import "errors"

// Errors returned by the log. Corruption found in a batch is reported with
// the tiered/batch sentinels, which match batch.ErrCorrupt.
var (
	// ErrCorrupt is the class of damaged files the log could not repair.
	ErrCorrupt = errors.New("segment: corrupt file")
	// ErrOffsetOutOfRange is returned for a read below the log start offset
	// or above the log end offset.
	ErrOffsetOutOfRange = errors.New("segment: offset out of range")
	// ErrBatchTooLarge is returned for an append larger than segment.bytes.
	ErrBatchTooLarge = errors.New("segment: batch larger than segment.bytes")
	// ErrEmptyAppend is returned for an append with no batches.
	ErrEmptyAppend = errors.New("segment: append holds no batches")
	// ErrClosed is returned by every call on a closed log.
	ErrClosed = errors.New("segment: log closed")
	// ErrFailed is returned by every write after an I/O error left the log
	// in an unknown state; reopening the log recovers it.
	ErrFailed = errors.New("segment: log failed after an I/O error")
)
