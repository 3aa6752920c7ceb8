package remote

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/strata-streaming/strata/tiered/objstore"
)

// ChunkSource yields the decoded chunks of one segment object. A
// SegmentReader reads every chunk from the bucket; a cache or a prefetcher
// wraps a ChunkSource and is one itself, so the fetch path does not know
// which it has.
type ChunkSource interface {
	// Footer is the object's footer: its metadata and chunk index.
	Footer() *Footer
	// ReadChunk returns the batches of chunk i, checked against the
	// chunk index. The caller must not modify them.
	ReadChunk(ctx context.Context, i int) ([]byte, error)
}

// SegmentReader reads one segment object from a bucket, a ranged GET per
// call. It is safe for concurrent use.
type SegmentReader struct {
	bucket objstore.Bucket
	key    string
	size   int64
	cfg    ReaderConfig
	footer *Footer
}

var _ ChunkSource = (*SegmentReader)(nil)

// OpenSegment reads and checks the footer of the object at key, whose
// size the manifest gives (or -1 to ask the bucket). It costs one ranged
// GET of the object's last cfg.TailBytes, and a second when the footer is
// larger. Errors from the bucket keep their class (objstore.ErrNotFound,
// objstore.IsRetriable); an object that is shorter than size, or whose
// trailer or footer fails its checks, is ErrCorrupt.
func OpenSegment(ctx context.Context, bucket objstore.Bucket, key string, size int64, cfg ReaderConfig) (*SegmentReader, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r := &SegmentReader{bucket: bucket, key: key, size: size, cfg: cfg}
	if size < 0 {
		attrs, err := bucket.Attributes(ctx, key)
		if err != nil {
			return nil, fmt.Errorf("open segment %q: %w", key, err)
		}
		r.size = attrs.Size
	}
	f, err := r.readFooter(ctx)
	if err != nil {
		return nil, fmt.Errorf("open segment %q: %w", key, err)
	}
	r.footer = f
	return r, nil
}

// readFooter fetches, parses and checks the trailer and the footer.
func (r *SegmentReader) readFooter(ctx context.Context) (*Footer, error) {
	if r.size < minObjectSize {
		return nil, fmt.Errorf("%w: %d bytes, the smallest object is %d", ErrCorrupt, r.size, minObjectSize)
	}
	tailLen := min(r.size, int64(r.cfg.TailBytes))
	tail := make([]byte, tailLen)
	if err := r.readAt(ctx, r.size-tailLen, tail); err != nil {
		return nil, err
	}
	t, err := ParseTrailer(tail)
	if err != nil {
		return nil, err
	}
	need := int64(t.FooterLength) + TrailerSize
	if need >= r.size {
		return nil, fmt.Errorf("%w: a %d-byte footer does not fit in %d bytes", ErrCorrupt, t.FooterLength, r.size)
	}
	footer := tail[max(0, tailLen-need) : tailLen-TrailerSize]
	if need > tailLen {
		// The tail holds the footer's end: fetch the rest in front of it.
		footer = make([]byte, t.FooterLength)
		missing := need - tailLen
		copy(footer[missing:], tail[:tailLen-TrailerSize])
		if err := r.readAt(ctx, r.size-need, footer[:missing]); err != nil {
			return nil, err
		}
	}
	f, err := ParseFooter(footer, t)
	if err != nil {
		return nil, err
	}
	if f.ObjectSize() != r.size {
		return nil, fmt.Errorf("%w: the footer describes %d bytes, the object has %d", ErrCorrupt, f.ObjectSize(), r.size)
	}
	return f, nil
}

// Key is the object's key.
func (r *SegmentReader) Key() string { return r.key }

// Size is the object's size in bytes.
func (r *SegmentReader) Size() int64 { return r.size }

// Footer implements ChunkSource.
func (r *SegmentReader) Footer() *Footer { return r.footer }

// FetchChunk returns chunk i as stored, unchecked: for a cache that keeps
// stored chunks and decodes them with DecodeChunk. It refuses a chunk
// whose decoded length exceeds MaxChunkBytes before fetching it.
func (r *SegmentReader) FetchChunk(ctx context.Context, i int) ([]byte, error) {
	stored, err := r.FetchChunks(ctx, i, i)
	if err != nil {
		return nil, err
	}
	return stored[0], nil
}

// FetchChunks returns chunks first to last as stored, unchecked, with one
// ranged GET: the chunks lie end to end in the object. Each returned slice
// shares one buffer. It refuses the run if a chunk decodes past
// MaxChunkBytes.
func (r *SegmentReader) FetchChunks(ctx context.Context, first, last int) ([][]byte, error) {
	if first < 0 || last < first || last >= len(r.footer.Chunks) {
		return nil, fmt.Errorf("remote: read %q: no chunks %d-%d in %d", r.key, first, last, len(r.footer.Chunks))
	}
	run := r.footer.Chunks[first : last+1]
	for i := range run {
		if run[i].RawLength > r.cfg.MaxChunkBytes {
			return nil, fmt.Errorf("read %q chunk %d: %w: %d bytes, the limit is %d",
				r.key, first+i, ErrChunkTooLarge, run[i].RawLength, r.cfg.MaxChunkBytes)
		}
	}
	start := run[0].Position
	buf := make([]byte, run[len(run)-1].End()-start)
	if err := r.readAt(ctx, start, buf); err != nil {
		return nil, fmt.Errorf("read %q chunks %d-%d: %w", r.key, first, last, err)
	}
	stored := make([][]byte, len(run))
	for i := range run {
		from := run[i].Position - start
		stored[i] = buf[from : from+int64(run[i].StoredLength) : from+int64(run[i].StoredLength)]
	}
	return stored, nil
}

// ReadChunk implements ChunkSource: one ranged GET of the stored chunk,
// then DecodeChunk.
func (r *SegmentReader) ReadChunk(ctx context.Context, i int) ([]byte, error) {
	stored, err := r.FetchChunk(ctx, i)
	if err != nil {
		return nil, err
	}
	raw, err := DecodeChunk(stored, r.footer.Chunks[i], nil, r.cfg.MaxChunkBytes)
	if err != nil {
		return nil, fmt.Errorf("read %q chunk %d: %w", r.key, i, err)
	}
	return raw, nil
}

// readAt fills buf with the object's bytes from off, with one ranged GET.
// A range the bucket finds outside the object means the object is shorter
// than its manifest entry says: ErrCorrupt.
func (r *SegmentReader) readAt(ctx context.Context, off int64, buf []byte) error {
	rc, err := r.bucket.GetRange(ctx, r.key, off, int64(len(buf)))
	if errors.Is(err, objstore.ErrInvalidRange) {
		return fmt.Errorf("%w: object shorter than %d bytes: %w", ErrCorrupt, r.size, err)
	}
	if err != nil {
		return err
	}
	defer rc.Close()
	if _, err := io.ReadFull(rc, buf); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: bytes %d-%d cut short", ErrCorrupt, off, off+int64(len(buf))-1)
		}
		return err
	}
	return nil
}
