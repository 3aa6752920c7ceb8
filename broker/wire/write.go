package wire

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/internal/sendfile"
)

// maxRetainedOut is the largest response encoding buffer a connection keeps
// for the next response; a larger one is left to the collector.
const maxRetainedOut = 1 << 20

// writeLoop writes the processor's answers in request order until the
// processor closes answers. It flushes whenever it would otherwise wait —
// when no answer is queued, and before completing a Deferred — so that
// responses to pipelined requests go out together and none waits in the
// buffer while the client or the broker does. After a failed write, a
// failed request or the client's leaving, it drops what is left.
func (c *conn) writeLoop() {
	failed := false
	for {
		a, ok := c.nextAnswer(failed)
		if !ok {
			if !failed && !c.gone.Load() {
				c.flushOrClose()
			}
			return
		}
		if failed || c.gone.Load() {
			c.drop(a)
			continue
		}
		if err := c.deliver(a); err != nil {
			failed = true
			if c.ctx.Err() == nil {
				c.log.Debug("wire: closing connection", "err", err)
			}
			c.close()
		}
	}
}

// nextAnswer returns the next answer, flushing the buffered responses
// first if it has to wait for one; ok is false once answers is closed.
func (c *conn) nextAnswer(failed bool) (a answer, ok bool) {
	select {
	case a, ok = <-c.answers:
		return a, ok
	default:
	}
	if !failed && !c.gone.Load() {
		c.flushOrClose()
	}
	a, ok = <-c.answers
	return a, ok
}

// flushOrClose flushes the buffered responses; a failure closes the
// connection, and the answers after it are dropped.
func (c *conn) flushOrClose() {
	if err := c.flush(); err != nil {
		if c.ctx.Err() == nil {
			c.log.Debug("wire: closing connection", "err", err)
		}
		c.close()
	}
}

// deliver completes and writes one answer. An error ends the connection;
// for a failed request, after the responses before it are flushed.
func (c *conn) deliver(a answer) error {
	defer c.finish(a.req)
	if a.err != nil {
		endSpan(a.span, a.err)
		c.srv.metrics.failed(c.ctx, a.req, failHandler)
		if err := c.flush(); err != nil {
			return fmt.Errorf("%w (after %w)", a.err, err)
		}
		return a.err
	}
	if closer, ok := a.resp.(io.Closer); ok {
		defer closer.Close() // written or not, the response is done with
	}
	if d, ok := a.resp.(Deferred); ok {
		if err := c.flush(); err != nil {
			endSpan(a.span, err)
			return err
		}
		d.Await(c.ctx)
	}
	n, err := c.writeResponse(a)
	endSpan(a.span, err)
	if err != nil {
		c.srv.metrics.failed(c.ctx, a.req, failWrite)
		return fmt.Errorf("write %s response: %w", kmsg.NameForKey(a.req.Key), err)
	}
	c.touch()
	c.srv.metrics.served(c.ctx, a.req, n)
	return nil
}

// drop finishes an answer that will not be written: the client has gone or
// the connection failed.
func (c *conn) drop(a answer) {
	defer c.finish(a.req)
	if d, ok := a.resp.(Deferred); ok {
		d.Await(c.ctx) // done already: it only lets go of what it holds
	}
	if closer, ok := a.resp.(io.Closer); ok {
		closer.Close()
	}
	endSpan(a.span, a.err)
	if a.err != nil {
		c.srv.metrics.failed(c.ctx, a.req, failHandler)
		return
	}
	c.touch()
	c.srv.metrics.served(c.ctx, a.req, 0)
}

// finish lets go of an answered request: its bytes leave the budget and
// a pooled frame goes back to the pool.
func (c *conn) finish(req *Request) {
	c.budget.release(req.Size)
	if req.frame != nil {
		c.srv.frames.put(req.frame)
		req.frame, req.Msg = nil, nil
	}
}

// writeResponse writes a's response into the buffer, or nothing for a
// request that gets none. It returns the frame's size.
func (c *conn) writeResponse(a answer) (int, error) {
	if a.resp == nil {
		return 0, nil
	}
	c.armWrite()
	if bw, ok := a.resp.(BodyWriter); ok {
		return c.writeBody(a.req.CorrelationID, bw)
	}
	return c.writeEncoded(a.req.CorrelationID, a.resp)
}

// writeEncoded encodes resp with kmsg into the reused buffer and writes it.
// It returns the frame's size, prefix included.
func (c *conn) writeEncoded(correlationID int32, resp kmsg.Response) (int, error) {
	out, err := appendResponse(c.out[:0], correlationID, resp)
	if err != nil {
		return 0, err
	}
	_, err = c.bw.Write(out)
	c.out = out
	if cap(out) > maxRetainedOut {
		c.out = nil
	}
	return len(out), err
}

// writeBody writes the size prefix and header of a BodyWriter response, then
// lets it write its body. It returns the frame's size, prefix included.
func (c *conn) writeBody(correlationID int32, resp BodyWriter) (int, error) {
	head := appendResponseHeader(appendFrameSize(c.out[:0]), correlationID, resp)
	c.out = head
	declared := resp.BodySize()
	if declared < 0 {
		return 0, fmt.Errorf("wire: negative body size %d", declared)
	}
	if err := setFrameSize(head, len(head)-frameSizeLen+declared); err != nil {
		return 0, err
	}
	if _, err := c.bw.Write(head); err != nil {
		return 0, err
	}
	w := &countingWriter{w: c.bw, nc: c.nc}
	if err := resp.WriteBody(w); err != nil {
		return 0, err
	}
	if w.n != int64(declared) {
		return 0, fmt.Errorf("wire: body of %d bytes, declared %d", w.n, declared)
	}
	return len(head) + declared, nil
}

// armWrite sets the write deadline for the next write or flush.
func (c *conn) armWrite() {
	if c.cfg.WriteTimeout > 0 {
		c.nc.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout))
	}
}

// flush writes buffered responses to the socket.
func (c *conn) flush() error {
	if c.bw.Buffered() == 0 {
		return nil
	}
	c.armWrite()
	if err := c.bw.Flush(); err != nil {
		return fmt.Errorf("flush responses: %w", err)
	}
	return nil
}

// sendfileMin is the smallest file section countingWriter sends with
// sendfile(2); a smaller one costs less copied through the buffer than a
// flush and a system call of its own.
const sendfileMin = 32 << 10

// countingWriter counts what a BodyWriter writes. Writes go through the
// connection's buffer; a section of a file (an *io.SectionReader over an
// *os.File, as tiered/segment's FileRange.WriteTo copies from) of at least
// sendfileMin bytes goes from the page cache to the socket with sendfile(2)
// once the buffer is flushed.
type countingWriter struct {
	w  *bufio.Writer
	nc net.Conn
	n  int64
}

func (w *countingWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.n += int64(n)
	return n, err
}

func (w *countingWriter) ReadFrom(r io.Reader) (int64, error) {
	n, handled, err := w.sendSection(r)
	if !handled {
		n, err = w.w.ReadFrom(r)
	}
	w.n += n
	return n, err
}

// sendSection sends r with sendfile(2) if it is a large enough file section
// and the connection a socket; handled is false when nothing was sent.
func (w *countingWriter) sendSection(r io.Reader) (n int64, handled bool, err error) {
	sr, ok := r.(*io.SectionReader)
	if !ok {
		return 0, false, nil
	}
	at, base, size := sr.Outer()
	f, isFile := at.(*os.File)
	sc, isSocket := w.nc.(syscall.Conn)
	pos, err := sr.Seek(0, io.SeekCurrent)
	if !isFile || !isSocket || err != nil || size-pos < sendfileMin {
		return 0, false, nil
	}
	if err := w.w.Flush(); err != nil {
		return 0, true, err
	}
	n, handled, err = sendfile.File(sc, f, base+pos, size-pos)
	if handled {
		sr.Seek(n, io.SeekCurrent)
	}
	return n, handled, err
}
