package remote

import "fmt"

// Defaults and bounds of the writer and reader configs.
const (
	// DefaultChunkBytes is the default uncompressed size of a chunk: large
	// enough that lz4 finds its matches and a ranged GET amortizes its
	// latency, small enough that a fetch of a few records reads little.
	DefaultChunkBytes = 4 << 20
	// DefaultTailBytes is how much of an object's end OpenSegment fetches
	// with its first GET: the trailer and, for any segment of up to about
	// 1,300 chunks (5 GiB of 4 MiB chunks), the whole footer.
	DefaultTailBytes = 64 << 10

	minChunkBytes = 1 << 10
	maxChunkBytes = 64 << 20
	maxBatchBytes = 1 << 30
)

// WriterConfig configures a SegmentWriter. The zero value is the default.
type WriterConfig struct {
	// ChunkBytes is the uncompressed size at which a chunk is cut, always
	// at a batch boundary: a chunk holds batches until the next would take
	// it past ChunkBytes. A batch larger than ChunkBytes is a chunk of its
	// own. 0 means DefaultChunkBytes.
	ChunkBytes int
	// MaxBatchBytes is the largest batch accepted, so that every chunk
	// written decodes within a reader's MaxChunkBytes. 0 means
	// DefaultMaxChunkBytes.
	MaxBatchBytes int
	// Compression chooses how each chunk is stored; the zero value is
	// CompressAuto.
	Compression Compression
}

func (c WriterConfig) withDefaults() WriterConfig {
	if c.ChunkBytes == 0 {
		c.ChunkBytes = DefaultChunkBytes
	}
	if c.MaxBatchBytes == 0 {
		c.MaxBatchBytes = DefaultMaxChunkBytes
	}
	return c
}

// Validate checks the config after defaults are applied.
func (c WriterConfig) Validate() error {
	c = c.withDefaults()
	switch {
	case c.ChunkBytes < minChunkBytes || c.ChunkBytes > maxChunkBytes:
		return fmt.Errorf("%w: ChunkBytes %d outside [%d, %d]", ErrInvalidConfig, c.ChunkBytes, minChunkBytes, maxChunkBytes)
	case c.MaxBatchBytes < 1 || c.MaxBatchBytes > maxBatchBytes:
		return fmt.Errorf("%w: MaxBatchBytes %d outside [1, %d]", ErrInvalidConfig, c.MaxBatchBytes, maxBatchBytes)
	case c.Compression < CompressAuto || c.Compression > CompressNever:
		return fmt.Errorf("%w: unknown Compression %d", ErrInvalidConfig, c.Compression)
	}
	return nil
}

// ReaderConfig configures OpenSegment. The zero value is the default.
type ReaderConfig struct {
	// MaxChunkBytes is the largest decoded chunk the reader accepts; an
	// index entry claiming more fails with ErrChunkTooLarge before any
	// allocation. It must be at least the writers' MaxBatchBytes and
	// ChunkBytes. 0 means DefaultMaxChunkBytes.
	MaxChunkBytes int
	// TailBytes is how many bytes of the object's end the first GET
	// fetches; a footer that does not fit costs a second GET. 0 means
	// DefaultTailBytes.
	TailBytes int
}

func (c ReaderConfig) withDefaults() ReaderConfig {
	if c.MaxChunkBytes == 0 {
		c.MaxChunkBytes = DefaultMaxChunkBytes
	}
	if c.TailBytes == 0 {
		c.TailBytes = DefaultTailBytes
	}
	return c
}

// Validate checks the config after defaults are applied.
func (c ReaderConfig) Validate() error {
	c = c.withDefaults()
	switch {
	case c.MaxChunkBytes < 1:
		return fmt.Errorf("%w: MaxChunkBytes %d", ErrInvalidConfig, c.MaxChunkBytes)
	case c.TailBytes < TrailerSize || c.TailBytes > MaxFooterBytes+TrailerSize:
		return fmt.Errorf("%w: TailBytes %d outside [%d, %d]", ErrInvalidConfig, c.TailBytes, TrailerSize, MaxFooterBytes+TrailerSize)
	}
	return nil
}
