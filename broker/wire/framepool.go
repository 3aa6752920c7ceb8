package wire

import (
	"math/bits"
	"sync"
)

// Produce frames are the broker's largest and most frequent allocations: a
// producer sends up to a megabyte per partition per request, thousands of
// times a second. Allocating each one zeroes it and drives the collector,
// which then scans the whole heap for what is mostly byte slices already
// written to disk. framePool recycles them: a Produce handler is done with
// its records once they are appended (the log copies them to its file),
// so a Produce frame goes back to the pool once its response is written.
// Other requests' frames are left to the collector: their decoded fields
// (group member metadata, for one) may outlive the response.

// Frames from minPooledFrame to maxPooledFrame bytes are pooled, in size
// classes of powers of two. A smaller frame costs little to allocate; a
// larger one is read as it arrives (readBody), so a client cannot make the
// broker allocate more than the pool's largest class before sending it.
const (
	minPooledFrameShift = 16 // 64 KiB
	minPooledFrame      = 1 << minPooledFrameShift
	maxPooledFrame      = 8 << 20
	frameClasses        = 8 // 64 KiB to 8 MiB
)

// framePool is a Server's pool of frame buffers, one sync.Pool per class.
type framePool struct {
	classes [frameClasses]sync.Pool
}

// frameClass returns the class of a frame of size bytes; ok is false when
// such frames are not pooled.
func frameClass(size int) (class int, ok bool) {
	if size < minPooledFrame || size > maxPooledFrame {
		return 0, false
	}
	return bits.Len(uint(size-1)) - minPooledFrameShift, true
}

// get returns a buffer of len size, or nil when frames of that size are
// not pooled.
func (p *framePool) get(size int) []byte {
	class, ok := frameClass(size)
	if !ok {
		return nil
	}
	if b, _ := p.classes[class].Get().(*[]byte); b != nil {
		return (*b)[:size]
	}
	return make([]byte, size, minPooledFrame<<class)
}

// put returns a buffer that get returned. Nothing may use it afterwards.
func (p *framePool) put(frame []byte) {
	class, ok := frameClass(cap(frame))
	if !ok || cap(frame) != minPooledFrame<<class {
		return
	}
	frame = frame[:0]
	p.classes[class].Put(&frame)
}
