package tiered

import (
	"io"

	"github.com/strata-streaming/strata/tiered/remote"
	"github.com/strata-streaming/strata/tiered/segment"
)

// Records are whole record batches returned by Read, from whichever tier
// holds them: a range of a local segment file, which WriteTo sends to a
// socket with sendfile, or batches read from the remote tier (runs of
// its cached chunks, read-only). Records are
// used by one goroutine and closed once.
type Records struct {
	file       segment.FileRange
	remote     remote.Batches // the batches when they came from the remote tier
	BaseOffset int64          // base offset of the first batch; the offset asked for when empty
	NextOffset int64          // offset after the last batch; the offset asked for when empty
}

// Len is the size of the records in bytes.
func (r *Records) Len() int64 {
	if r.remote != nil {
		return int64(r.remote.Len())
	}
	return r.file.Len
}

// Empty reports whether there are no records.
func (r *Records) Empty() bool { return r.Len() == 0 }

// WriteTo writes the records to w, without a copy through user space when
// w is a socket and the records are local.
func (r *Records) WriteTo(w io.Writer) (int64, error) {
	if r.remote != nil {
		return r.remote.WriteTo(w)
	}
	return r.file.WriteTo(w)
}

// AppendTo appends the records' bytes to dst.
func (r *Records) AppendTo(dst []byte) ([]byte, error) {
	if r.remote != nil {
		return r.remote.AppendTo(dst), nil
	}
	return r.file.AppendTo(dst)
}

// Close releases what the records hold.
func (r *Records) Close() {
	r.file.Close()
	r.remote = nil
}
