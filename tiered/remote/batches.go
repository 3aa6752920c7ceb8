package remote

import "io"

// Batches are the whole record batches one read returned, in offset order,
// as runs of the decoded chunks that hold them: a read copies nothing. The
// runs share memory with the chunk cache and with other readers, so they
// are read-only.
type Batches [][]byte

// Len is the number of bytes in the runs.
func (b Batches) Len() int {
	n := 0
	for _, run := range b {
		n += len(run)
	}
	return n
}

// AppendTo appends the runs to dst.
func (b Batches) AppendTo(dst []byte) []byte {
	for _, run := range b {
		dst = append(dst, run...)
	}
	return dst
}

// WriteTo writes the runs to w, one Write each.
func (b Batches) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for _, run := range b {
		n, err := w.Write(run)
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}
