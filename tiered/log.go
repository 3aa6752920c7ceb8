package tiered

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/strata-streaming/strata/tiered/batch"
	"github.com/strata-streaming/strata/tiered/segment"
)

// Errors returned by the log, beside those of tiered/segment and
// tiered/batch, which pass through wrapped.
var (
	// ErrOffsetOutOfRange is returned for reads outside [start, end].
	ErrOffsetOutOfRange = segment.ErrOffsetOutOfRange
	// ErrClosed is returned by every call on a closed log.
	ErrClosed = segment.ErrClosed
)

// AppendOptions, AppendResult and Info are the hot tier's.
type (
	AppendOptions = segment.AppendOptions
	AppendResult  = segment.AppendResult
	Info          = segment.Info
)

// NoMaxOffset reads to the log end.
const NoMaxOffset = segment.NoMaxOffset

// Config configures a partition log.
type Config struct {
	// Segment is the hot tier's configuration.
	Segment segment.Config
	// MaxDecompressedBytes bounds the decompression of one batch when a
	// timestamp lookup must find a record inside a compressed batch.
	MaxDecompressedBytes int
	// Remote is the partition's remote tier when the log opens, or nil for
	// a log that is local only (see SetRemote). Offsets below the hot
	// tier's start are read from it.
	Remote RemoteReader
}

// DefaultConfig returns Kafka's defaults.
func DefaultConfig() Config {
	return Config{Segment: segment.DefaultConfig(), MaxDecompressedBytes: 64 << 20}
}

// Validate reports the first invalid setting.
func (c *Config) Validate() error {
	if c.MaxDecompressedBytes < 1 {
		return fmt.Errorf("%w: max decompressed bytes %d must be positive", segment.ErrConfig, c.MaxDecompressedBytes)
	}
	return c.Segment.Validate()
}

// Log is one partition's log. It is safe for concurrent use.
type Log struct {
	cfg Config
	hot *segment.Log
	// floor is the highest start offset set with SetStartOffset since Open:
	// no tier serves offsets below it.
	floor atomic.Int64
	// remote is the remote tier, nil when there is none.
	remote atomic.Pointer[RemoteReader]
}

// Open opens (or creates) the partition log whose hot tier lives in dir.
func Open(dir string, cfg Config) (*Log, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	hot, err := segment.Open(dir, cfg.Segment)
	if err != nil {
		return nil, err
	}
	l := &Log{cfg: cfg, hot: hot}
	l.SetRemote(cfg.Remote)
	return l, nil
}

// Append validates and appends one or more batches (see segment.Log.Append).
func (l *Log) Append(buf []byte, opts AppendOptions) (AppendResult, error) {
	return l.hot.Append(buf, opts)
}

// Sync makes every appended batch durable.
func (l *Log) Sync() error { return l.hot.Sync() }

// SyncTo makes every batch below offset durable; concurrent callers share
// one fsync.
func (l *Log) SyncTo(offset int64) error { return l.hot.SyncTo(offset) }

// StartOffset is the log start offset across tiers: the remote tier's
// when it holds offsets below the hot tier's.
func (l *Log) StartOffset() int64 {
	start := l.hot.StartOffset()
	if from, ok := l.remoteStart(start); ok {
		start = from
	}
	return max(start, l.floor.Load())
}

// LocalStartOffset is the hot tier's start offset (ListOffsets
// EARLIEST_LOCAL): where the local copy begins.
func (l *Log) LocalStartOffset() int64 { return max(l.hot.StartOffset(), l.floor.Load()) }

// TieredEndOffset is the offset after the last batch uploaded to the
// remote tier, or -1 when it holds none (ListOffsets LATEST_TIERED
// answers one below it).
func (l *Log) TieredEndOffset() int64 {
	r := l.Remote()
	if r == nil || r.EndOffset() <= r.StartOffset() {
		return -1
	}
	return r.EndOffset()
}

// EndOffset is the log end offset.
func (l *Log) EndOffset() int64 { return l.hot.EndOffset() }

// DurableOffset is the offset below which every batch is fsynced.
func (l *Log) DurableOffset() int64 { return l.hot.DurableOffset() }

// Size is the bytes the partition holds locally.
func (l *Log) Size() int64 { return l.hot.Size() }

// Segments describes the local segments, oldest first.
func (l *Log) Segments() []Info { return l.hot.Segments() }

// Seal rolls the active segment so everything appended is in a sealed,
// immutable segment.
func (l *Log) Seal() error { return l.hot.Seal() }

// Truncate removes every batch holding an offset at or above offset.
// Truncating at or below the log start offset restarts the log at offset.
func (l *Log) Truncate(offset int64) error {
	if err := l.hot.Truncate(offset); err != nil {
		return err
	}
	l.lowerFloor(l.hot.StartOffset())
	return nil
}

// Restart deletes the hot tier's segments and starts it empty at offset
// (see segment.Log.Restart).
func (l *Log) Restart(offset int64) error { return l.hot.Restart(offset) }

// SetStartOffset raises the log start offset (DeleteRecords), durably in
// both tiers: the remote tier's first, so that a crash between the two
// never resurrects remote records. An offset at or below the remote
// tier's start leaves the remote tier alone.
func (l *Log) SetStartOffset(ctx context.Context, offset int64) error {
	if r := l.Remote(); r != nil && offset > r.StartOffset() {
		if err := r.SetStartOffset(ctx, offset); err != nil {
			return fmt.Errorf("set remote start offset: %w", err)
		}
	}
	if err := l.hot.SetStartOffset(offset); err != nil {
		return err
	}
	l.raiseFloor(offset)
	return nil
}

// DeleteSegmentsBefore deletes local segments wholly below offset.
func (l *Log) DeleteSegmentsBefore(offset int64) (int, error) {
	return l.hot.DeleteSegmentsBefore(offset)
}

// FlushIfDue applies the time-based flush policy.
func (l *Log) FlushIfDue() error { return l.hot.FlushIfDue() }

// Close closes the log cleanly.
func (l *Log) Close() error { return l.hot.Close() }

// Read returns whole batches from the one holding offset on, at most
// maxBytes of them but at least one, each with its last offset below
// maxOffset. The caller must Close the records.
func (l *Log) Read(ctx context.Context, offset int64, maxBytes int, maxOffset int64) (Records, error) {
	if err := ctx.Err(); err != nil {
		return Records{}, err
	}
	if l.belowHot(offset) {
		return l.readRemote(ctx, offset, maxBytes, maxOffset)
	}
	r, err := l.hot.Read(offset, maxBytes, maxOffset)
	if errors.Is(err, ErrOffsetOutOfRange) && l.belowHot(offset) {
		// Retention moved the hot tier's start past offset meanwhile.
		return l.readRemote(ctx, offset, maxBytes, maxOffset)
	}
	if err != nil {
		return Records{}, err
	}
	return Records{file: r, BaseOffset: r.BaseOffset, NextOffset: r.NextOffset}, nil
}

// OffsetLookup is the answer to a ListOffsets-style lookup.
type OffsetLookup struct {
	Offset    int64 // the record's offset
	Timestamp int64 // the record's timestamp
	Found     bool  // false when no record qualifies
}

// ReadByTime finds the first record whose timestamp is at or after ts,
// in the remote tier first, then in the hot tier.
func (l *Log) ReadByTime(ctx context.Context, ts int64) (OffsetLookup, error) {
	if err := ctx.Err(); err != nil {
		return OffsetLookup{}, err
	}
	if r := l.Remote(); r != nil && l.StartOffset() < l.hot.StartOffset() {
		found, err := l.remoteByTime(ctx, r, ts)
		if err != nil || found.Found {
			return found, err
		}
	}
	found, err := l.hot.ReadByTime(ts)
	if err != nil || !found.Found {
		return OffsetLookup{}, err
	}
	defer found.Batch.Close()
	b, err := found.Batch.AppendTo(nil)
	if err != nil {
		return OffsetLookup{}, err
	}
	return l.recordAtTime(b, ts)
}

// MaxTimestamp finds the record with the largest timestamp (ListOffsets
// MAX_TIMESTAMP) in either tier; the first such record when several share
// it.
func (l *Log) MaxTimestamp(ctx context.Context) (OffsetLookup, error) {
	ts, _ := l.hot.MaxTimestamp()
	if r := l.Remote(); r != nil && l.StartOffset() < l.hot.StartOffset() {
		ts = max(ts, r.MaxTimestamp())
	}
	if ts < 0 {
		return OffsetLookup{}, ctx.Err()
	}
	return l.ReadByTime(ctx, ts)
}

// recordAtTime finds the first record at or after ts inside one batch.
func (l *Log) recordAtTime(b []byte, ts int64) (OffsetLookup, error) {
	off, recTs, ok, err := batch.OffsetForTimestamp(b, ts, l.cfg.MaxDecompressedBytes)
	if err != nil {
		return OffsetLookup{}, fmt.Errorf("find timestamp %d: %w", ts, err)
	}
	if !ok {
		return OffsetLookup{}, errors.New("tiered: time index pointed at a batch without the timestamp")
	}
	return OffsetLookup{Offset: off, Timestamp: recTs, Found: true}, nil
}
