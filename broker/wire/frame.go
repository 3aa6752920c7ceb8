package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// frameSizeLen is the length of the big-endian int32 that prefixes a frame.
const frameSizeLen = 4

// initialBodyAlloc is how much of a frame's declared size is allocated before
// any of its bytes arrive. Larger frames grow as their bytes are read, so a
// client that declares a large frame and then stalls costs at most this much.
const initialBodyAlloc = 1 << 20

// ReadFrame reads one frame from r and returns its body: a 4-byte big-endian
// size, then that many bytes. The size is checked against limit before anything
// is allocated; a negative size is ErrMalformed and one above limit is
// ErrFrameTooLarge. ReadFrame returns io.EOF if r ends before the frame
// starts and io.ErrUnexpectedEOF if it ends inside it.
func ReadFrame(r io.Reader, limit int) ([]byte, error) {
	var prefix [frameSizeLen]byte
	if _, err := io.ReadFull(r, prefix[:]); err != nil {
		return nil, err
	}
	size, err := frameSize(prefix[:], limit)
	if err != nil {
		return nil, err
	}
	return readBody(r, size)
}

// frameSize decodes a size prefix and checks it against limit.
func frameSize(prefix []byte, limit int) (int, error) {
	n := int32(binary.BigEndian.Uint32(prefix))
	switch {
	case n < 0:
		return 0, fmt.Errorf("%w: negative frame size %d", ErrMalformed, n)
	case int64(n) > int64(limit):
		return 0, fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, n, limit)
	}
	return int(n), nil
}

// readBody reads exactly size bytes from r. It allocates at most
// initialBodyAlloc up front and doubles the buffer as bytes arrive, so memory
// follows what the peer has sent rather than what it declared.
func readBody(r io.Reader, size int) ([]byte, error) {
	buf := make([]byte, 0, min(size, initialBodyAlloc))
	for len(buf) < size {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(size, 2*cap(buf)))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil && len(buf) < size {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("read frame body: %w", err)
		}
	}
	return buf, nil
}

// appendFrameSize reserves a size prefix at the end of dst, to be filled in
// with setFrameSize once the frame's size is known.
func appendFrameSize(dst []byte) []byte { return append(dst, 0, 0, 0, 0) }

// setFrameSize writes n, the size of the frame that follows, into prefix.
func setFrameSize(prefix []byte, n int) error {
	if n < 0 || n > math.MaxInt32 {
		return fmt.Errorf("wire: frame of %d bytes outside 0-%d", n, math.MaxInt32)
	}
	binary.BigEndian.PutUint32(prefix, uint32(n))
	return nil
}
