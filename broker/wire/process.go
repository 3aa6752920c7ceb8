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

// processLoop serves queued requests in order until the queue closes, the
// connection closes or a request fails. Responses to the requests before a
// failed one are still sent. Once the client has gone, the requests it
// sent are all served, whatever fails.
func (c *conn) processLoop() {
	for c.ctx.Err() == nil || c.gone.Load() {
		req := c.next()
		if req == nil {
			return
		}
		if c.gone.Load() && !changesState(req) {
			c.budget.release(req.Size) // nobody to answer, nothing to do
			continue
		}
		err := c.process(req)
		c.budget.release(req.Size)
		if err != nil && !c.gone.Load() {
			if c.ctx.Err() == nil {
				c.log.Debug("wire: closing connection", "err", err)
				c.flush() // the responses before the failed request are owed
			}
			return
		}
	}
}

// next returns the next request, or nil when there are no more. Buffered
// responses are flushed before it waits, and before a request that may
// wait itself, so responses to pipelined requests go out together and
// nothing waits in the buffer while the client or the broker does.
func (c *conn) next() *Request {
	if c.gone.Load() {
		return <-c.reqs // nil once the reader has closed the queue
	}
	select {
	case req, ok := <-c.reqs:
		if ok && !mayWait(req) {
			return req
		}
		if ok {
			if !c.flushed() {
				return nil
			}
			return req
		}
	default:
	}
	if !c.flushed() {
		return nil
	}
	select {
	case req := <-c.reqs:
		return req
	case <-c.ctx.Done():
		return nil
	}
}

// flushed flushes the buffered responses and reports whether that worked;
// a failure ends the connection.
func (c *conn) flushed() bool {
	if err := c.flush(); err != nil {
		if c.ctx.Err() == nil {
			c.log.Debug("wire: closing connection", "err", err)
		}
		return false
	}
	return true
}

// changesState reports whether serving req changes the broker's state, so
// that it is still served after its client has gone: everything but the
// fetches, which only wait and read.
func changesState(req *Request) bool {
	_, fetch := req.Msg.(*kmsg.FetchRequest)
	return !fetch
}

// mayWait reports whether serving req can take long: a fetch that waits
// for data, a group join or sync that waits for the other members, a
// produce that waits for its records to be durable.
func mayWait(req *Request) bool {
	switch m := req.Msg.(type) {
	case *kmsg.FetchRequest:
		return m.MaxWaitMillis > 0 && m.MinBytes > 0
	case *kmsg.JoinGroupRequest, *kmsg.SyncGroupRequest:
		return true
	case *kmsg.ProduceRequest:
		return m.Acks == -1
	}
	return false
}

// process serves one request and writes its response, if it has one.
func (c *conn) process(req *Request) error {
	resp, err := c.respond(req)
	if err != nil {
		c.srv.metrics.failed(c.ctx, req, failHandler)
		return err
	}
	if closer, ok := resp.(io.Closer); ok {
		defer closer.Close() // written or not, the response is done with
	}
	if resp == nil || c.gone.Load() {
		c.touch()
		c.srv.metrics.served(c.ctx, req, 0)
		return nil
	}
	c.armWrite()
	var n int
	if bw, ok := resp.(BodyWriter); ok {
		n, err = c.writeBody(req.CorrelationID, bw)
	} else {
		n, err = c.writeEncoded(req.CorrelationID, resp)
	}
	if err != nil {
		c.srv.metrics.failed(c.ctx, req, failWrite)
		return fmt.Errorf("write %s response: %w", kmsg.NameForKey(req.Key), err)
	}
	c.touch()
	c.srv.metrics.served(c.ctx, req, n)
	return nil
}

// respond returns the response to req: the Handler's, set to the request's
// version, or the table for an ApiVersions request at a version Strata does
// not serve.
func (c *conn) respond(req *Request) (kmsg.Response, error) {
	if req.unsupportedVersions {
		return unsupportedVersionsResponse(c.cfg.Versions), nil
	}
	ctx := c.ctx
	if c.gone.Load() {
		ctx = c.srv.ctx // the client has gone; what it sent is still done
	}
	ctx, span := c.srv.startSpan(ctx, req)
	resp, err := c.srv.handler.Serve(ctx, req)
	endSpan(span, err)
	if err != nil {
		return nil, fmt.Errorf("serve %s v%d: %w", kmsg.NameForKey(req.Key), req.Version, err)
	}
	if resp == nil {
		return nil, nil
	}
	if resp.Key() != req.Key {
		c.log.Error("wire: handler answered with the wrong response type",
			"request", kmsg.NameForKey(req.Key), "response", kmsg.NameForKey(resp.Key()))
		return nil, fmt.Errorf("wire: %s answered with %s", kmsg.NameForKey(req.Key), kmsg.NameForKey(resp.Key()))
	}
	resp.SetVersion(req.Version)
	return resp, nil
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
