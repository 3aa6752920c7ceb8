package segment

import (
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/strata-streaming/strata/internal/sendfile"
)

// FileRange is a run of whole batches in one segment file, as returned by
// Read: the bytes [Pos, Pos+Len) of the file. It holds a reference on the
// segment so the file stays open, even if retention deletes the segment,
// until Close. A FileRange is used by one goroutine and closed once.
type FileRange struct {
	seg        *segment
	Pos, Len   int64
	BaseOffset int64 // base offset of the first batch; the offset asked for when empty
	NextOffset int64 // the offset to read next: after the last batch (or the next batch's base, across a gap); the offset asked for when empty
}

// Empty reports whether the range holds no batch.
func (r *FileRange) Empty() bool { return r.Len == 0 }

// File is the segment file the range lies in; nil when empty. It must not
// be read through its own offset (Read, Seek): use ReadAt, or WriteTo.
func (r *FileRange) File() *os.File {
	if r.seg == nil {
		return nil
	}
	return r.seg.file
}

// Close releases the segment.
func (r *FileRange) Close() {
	if r.seg != nil {
		r.seg.release()
		r.seg = nil
	}
}

// AppendTo appends the range's bytes to dst.
func (r *FileRange) AppendTo(dst []byte) ([]byte, error) {
	if r.Len == 0 {
		return dst, nil
	}
	n := len(dst)
	dst = append(dst, make([]byte, r.Len)...)
	if _, err := r.seg.file.ReadAt(dst[n:], r.Pos); err != nil {
		return dst[:n], fmt.Errorf("read segment %d: %w", r.seg.base, err)
	}
	return dst, nil
}

// WriteTo writes the range to w. When w is a socket (a *net.TCPConn or
// *net.UnixConn) the bytes go from the page cache to the socket with
// sendfile and never pass through user space; otherwise they are copied.
func (r *FileRange) WriteTo(w io.Writer) (int64, error) {
	if r.Len == 0 {
		return 0, nil
	}
	if sc, ok := w.(syscall.Conn); ok {
		if n, handled, err := sendfile.File(sc, r.seg.file, r.Pos, r.Len); handled {
			return n, err
		}
	}
	return io.Copy(w, io.NewSectionReader(r.seg.file, r.Pos, r.Len))
}
