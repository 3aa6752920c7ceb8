package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// putReader is the reader every backend's Put consumes: it enforces the
// size contract, fails once ctx is done, and remembers the first error so
// Put can report the cause even when a client library rewrites it.
type putReader struct {
	ctx       context.Context
	r         io.Reader
	remaining int64
	err       error
}

func newPutReader(ctx context.Context, r io.Reader, size int64) *putReader {
	return &putReader{ctx: ctx, r: r, remaining: size}
}

func (p *putReader) Read(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	if err := p.ctx.Err(); err != nil {
		return 0, p.fail(err)
	}
	if p.remaining == 0 {
		return 0, p.checkEOF()
	}
	if int64(len(b)) > p.remaining {
		b = b[:p.remaining]
	}
	n, err := p.r.Read(b)
	p.remaining -= int64(n)
	switch {
	case err == io.EOF && p.remaining > 0:
		return n, p.fail(fmt.Errorf("%w: ended %d bytes early", ErrSizeMismatch, p.remaining))
	case err != nil && err != io.EOF:
		return n, p.fail(fmt.Errorf("read object data: %w", err))
	case p.remaining == 0:
		// Look for surplus bytes now, before the consumer may stop reading.
		if err := p.checkEOF(); err != io.EOF {
			return n, err
		}
	}
	return n, nil
}

// checkEOF confirms the underlying reader is exhausted once size bytes have
// been read.
func (p *putReader) checkEOF() error {
	var one [1]byte
	n, err := io.ReadAtLeast(p.r, one[:], 1)
	switch {
	case n > 0:
		return p.fail(fmt.Errorf("%w: more bytes than size", ErrSizeMismatch))
	case err == io.EOF:
		return io.EOF
	default:
		return p.fail(fmt.Errorf("read object data: %w", err))
	}
}

func (p *putReader) fail(err error) error {
	p.err = err
	return err
}

// cause returns the error that made Put fail: the reader's own failure when
// there was one (it explains the store's error), else ctx's, else err.
func (p *putReader) cause(err error) error {
	switch {
	case p.err != nil:
		return p.err
	case p.ctx.Err() != nil && !errors.Is(err, p.ctx.Err()):
		return fmt.Errorf("%w: %w", p.ctx.Err(), err)
	}
	return err
}

// checkSize validates Put's size argument.
func checkSize(size int64) error {
	if size < 0 {
		return fmt.Errorf("%w: negative size %d", ErrSizeMismatch, size)
	}
	return nil
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

// ctxReadCloser fails reads once ctx is done, as an HTTP body does.
type ctxReadCloser struct {
	ctx context.Context
	io.Reader
	io.Closer
}

func (c ctxReadCloser) Read(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.Reader.Read(b)
}

// checkRange validates GetRange's arguments before the object is known.
func checkRange(off, length int64) error {
	if off < 0 || length == 0 || length < -1 {
		return fmt.Errorf("%w: offset %d length %d", ErrInvalidRange, off, length)
	}
	if length > 0 && off > (1<<63-1)-length {
		return fmt.Errorf("%w: offset %d length %d overflows", ErrInvalidRange, off, length)
	}
	return nil
}

// rangeIn resolves a checked range against an object of size bytes and
// returns the number of bytes to read.
func rangeIn(off, length, size int64) (int64, error) {
	if length == -1 {
		if off >= size {
			return 0, fmt.Errorf("%w: offset %d at or past the end of %d bytes", ErrInvalidRange, off, size)
		}
		return size - off, nil
	}
	if off+length > size {
		return 0, fmt.Errorf("%w: bytes %d-%d past the end of %d bytes", ErrInvalidRange, off, off+length-1, size)
	}
	return length, nil
}

// rangeHeader is the HTTP Range header value for a checked range.
func rangeHeader(off, length int64) string {
	if length == -1 {
		return fmt.Sprintf("bytes=%d-", off)
	}
	return fmt.Sprintf("bytes=%d-%d", off, off+length-1)
}

// checkContentRange verifies that a 206 answer's Content-Range ("bytes
// first-last/total") covers exactly the requested range: S3 silently
// shortens a range that runs past the end, which the contract makes an
// error.
func checkContentRange(contentRange string, off, length int64) error {
	first, last, total, ok := parseContentRange(contentRange)
	if !ok {
		return fmt.Errorf("%w: unexpected Content-Range %q", ErrInvalidRange, contentRange)
	}
	want := off + length - 1
	if length == -1 {
		want = total - 1
	}
	if first != off || last != want {
		return fmt.Errorf("%w: bytes %d-%d asked, %d-%d of %d available",
			ErrInvalidRange, off, want, first, last, total)
	}
	return nil
}

func parseContentRange(s string) (first, last, total int64, ok bool) {
	rest, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, 0, false
	}
	span, size, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, 0, false
	}
	a, b, found := strings.Cut(span, "-")
	if !found {
		return 0, 0, 0, false
	}
	var err1, err2, err3 error
	first, err1 = strconv.ParseInt(a, 10, 64)
	last, err2 = strconv.ParseInt(b, 10, 64)
	total, err3 = strconv.ParseInt(size, 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || first > last || last >= total {
		return 0, 0, 0, false
	}
	return first, last, total, true
}
