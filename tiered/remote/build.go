package remote

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/strata-streaming/strata/tiered/batch"
)

// ReadFrom adds every batch that r yields, concatenated as in a segment's
// .log file, until r ends. A batch cut short by the end of r fails with
// batch.ErrShort. It implements io.ReaderFrom; n counts the bytes of the
// batches added.
func (w *SegmentWriter) ReadFrom(r io.Reader) (n int64, err error) {
	var buf []byte
	for {
		if buf, err = readBatch(r, buf, w.cfg.MaxBatchBytes); err != nil {
			if err == io.EOF {
				return n, nil
			}
			return n, err
		}
		if err := w.Add(buf); err != nil {
			return n, err
		}
		n += int64(len(buf))
	}
}

// readBatch reads the next batch from r into dst's storage. It returns
// io.EOF when r ends before the batch's first byte.
func readBatch(r io.Reader, dst []byte, maxBytes int) ([]byte, error) {
	var head [batch.LengthFieldEnd]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		if err == io.EOF {
			return dst, io.EOF
		}
		return dst, readError(err)
	}
	length := int64(binary.BigEndian.Uint32(head[8:]))
	size := batch.LengthFieldEnd + length
	switch {
	case length < batch.HeaderSize-batch.LengthFieldEnd || length > 1<<31-1:
		return dst, fmt.Errorf("read batches: %w: length %d", batch.ErrLength, length)
	case size > int64(maxBytes):
		return dst, fmt.Errorf("%w: batch of %d bytes, the limit is %d", ErrChunkTooLarge, size, maxBytes)
	}
	dst = slices.Grow(dst[:0], int(size))[:size]
	copy(dst, head[:])
	if _, err := io.ReadFull(r, dst[batch.LengthFieldEnd:]); err != nil {
		return dst, readError(err)
	}
	return dst, nil
}

func readError(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("read batches: %w: the source ends inside a batch", batch.ErrShort)
	}
	return fmt.Errorf("read batches: %w", err)
}

// BuildSegment builds the object for the concatenated batches in memory.
// It suits tests and small segments; the uploader builds into a file with
// BuildSegmentFile, whose memory does not grow with the segment.
func BuildSegment(batches []byte, base int64, cfg WriterConfig) ([]byte, ObjectInfo, error) {
	var buf bytes.Buffer
	buf.Grow(len(batches) + len(batches)/64 + 1024)
	w, err := NewSegmentWriter(&buf, base, cfg)
	if err != nil {
		return nil, ObjectInfo{}, err
	}
	if _, err := w.ReadFrom(bytes.NewReader(batches)); err != nil {
		return nil, ObjectInfo{}, err
	}
	info, err := w.Finish()
	if err != nil {
		return nil, ObjectInfo{}, err
	}
	return buf.Bytes(), info, nil
}

// SegmentFile is a segment object built into a temporary file, ready to be
// uploaded with Bucket.Put(ctx, key, f.NewReader(), f.Info.Size) as many
// times as retries need. Close removes the file.
type SegmentFile struct {
	Info ObjectInfo
	f    *os.File
}

// BuildSegmentFile builds the object for the batches src yields (a sealed
// segment's .log file) into a new file "segment-*.tmp" in dir. Memory stays
// at about two chunks whatever the segment's size. The file is not synced:
// it is scratch, and a process that dies leaves it for the uploader to
// remove from dir on its next start.
func BuildSegmentFile(dir string, src io.Reader, base int64, cfg WriterConfig) (*SegmentFile, error) {
	f, err := os.CreateTemp(dir, "segment-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("create segment file: %w", err)
	}
	info, err := writeSegmentFile(f, src, base, cfg)
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &SegmentFile{Info: info, f: f}, nil
}

func writeSegmentFile(f *os.File, src io.Reader, base int64, cfg WriterConfig) (ObjectInfo, error) {
	w, err := NewSegmentWriter(f, base, cfg)
	if err != nil {
		return ObjectInfo{}, err
	}
	if _, err := w.ReadFrom(src); err != nil {
		return ObjectInfo{}, err
	}
	return w.Finish()
}

// Name is the file's path.
func (s *SegmentFile) Name() string { return s.f.Name() }

// NewReader returns a reader of the whole object from its first byte; each
// call starts afresh, so a failed Put can be retried with a new one.
func (s *SegmentFile) NewReader() *io.SectionReader {
	return io.NewSectionReader(s.f, 0, s.Info.Size)
}

// Close closes and removes the file.
func (s *SegmentFile) Close() error {
	err := s.f.Close()
	if rerr := os.Remove(s.f.Name()); err == nil {
		err = rerr
	}
	return err
}
