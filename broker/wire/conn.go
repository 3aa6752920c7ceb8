package wire

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Buffer sizes per connection.
const (
	readBufferSize  = 32 << 10
	writeBufferSize = 32 << 10
)

// conn is one client connection. Its reader goroutine reads and decodes
// frames into reqs; its processor, the goroutine that runs run, serves them
// one at a time, in order, and hands the answers to its writer goroutine,
// which completes any Deferred response and writes them in request order.
type conn struct {
	srv    *Server
	cfg    *Config
	id     uint64
	nc     net.Conn
	log    *slog.Logger
	ctx    context.Context // cancelled when the connection or Server closes
	cancel context.CancelFunc

	br      *bufio.Reader
	bw      *bufio.Writer
	out     []byte        // response encoding buffer, reused
	reqs    chan *Request // read, not yet served; closed by the reader
	answers chan answer   // served, not yet written; closed by the processor
	budget  *budget

	lastActive atomic.Int64 // UnixNano of the last frame read or response sent

	// gone is set when the client closed or the connection broke. The
	// requests already read are still served, with the Server's context,
	// and their responses dropped, as Kafka does: a producer that closes
	// right after sending with acks=0 loses nothing.
	gone atomic.Bool
}

func newConn(s *Server, nc net.Conn, id uint64) *conn {
	c := &conn{
		srv:     s,
		cfg:     &s.cfg,
		id:      id,
		nc:      nc,
		log:     s.log.With("conn", id, "remote", nc.RemoteAddr().String()),
		br:      bufio.NewReaderSize(nc, readBufferSize),
		bw:      bufio.NewWriterSize(nc, writeBufferSize),
		reqs:    make(chan *Request, s.cfg.MaxQueuedRequests),
		answers: make(chan answer, s.cfg.MaxQueuedRequests),
		budget:  newBudget(s.cfg.MaxQueuedBytes),
	}
	c.ctx, c.cancel = context.WithCancel(s.ctx)
	c.touch()
	return c
}

// run serves the connection until it closes: it starts the reader and the
// writer, processes requests, waits for the writer to write or drop every
// answer, then closes the socket and waits for the reader to return.
func (c *conn) run() {
	readerDone, writerDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(readerDone)
		c.readLoop()
	}()
	go func() {
		defer close(writerDone)
		c.writeLoop()
	}()
	c.processLoop()
	<-writerDone
	c.close()
	<-readerDone
}

// close cancels the connection's context and closes its socket, which
// unblocks both goroutines. It may be called more than once.
func (c *conn) close() {
	c.cancel()
	c.nc.Close()
}

func (c *conn) touch() { c.lastActive.Store(time.Now().UnixNano()) }

// readLoop reads requests into reqs until the connection fails or sends
// something it cannot serve.
func (c *conn) readLoop() {
	defer close(c.reqs)
	for {
		req, err := c.readRequest()
		if err != nil {
			c.readFailed(err)
			return
		}
		select {
		case c.reqs <- req:
		case <-c.ctx.Done():
			return
		}
	}
}

// readFailed ends reading. Input the connection cannot serve stops the
// reader only: the processor answers what was queued before it, in order,
// then closes. After a read error (the client closed, the connection broke
// or idled out) there is no one to answer: the request being served has its
// context cancelled, so that a wait in it ends, and the processor serves
// the requests already read without answering them.
func (c *conn) readFailed(err error) {
	switch {
	case c.ctx.Err() != nil:
		// Closed from elsewhere; the read failed because of it.
	case errors.Is(err, ErrMalformed), errors.Is(err, ErrFrameTooLarge), errors.Is(err, ErrUnsupported):
		c.log.Debug("wire: refusing request; closing connection", "err", err)
		c.srv.metrics.refused(c.ctx, refusal(err))
	default:
		c.log.Debug("wire: connection closed", "err", err)
		c.gone.Store(true)
		c.close()
	}
}

// readRequest reads and decodes the next frame. It takes the frame's size
// from the budget before allocating it, waiting while the budget is full.
func (c *conn) readRequest() (*Request, error) {
	size, err := c.readSize()
	if err != nil {
		return nil, err
	}
	if err := c.budget.acquire(c.ctx, size); err != nil {
		return nil, err
	}
	req, err := c.readFrame(size)
	if err != nil {
		c.budget.release(size)
		return nil, err
	}
	return req, nil
}

// readSize waits for the next frame's size prefix and checks it. The wait is
// bounded by the idle timeout, counted from the connection's last activity
// and suspended while it has requests to answer.
func (c *conn) readSize() (int, error) {
	for {
		c.nc.SetReadDeadline(c.idleDeadline())
		prefix, err := c.br.Peek(frameSizeLen)
		if err == nil {
			size, err := frameSize(prefix, c.cfg.MaxRequestSize)
			c.br.Discard(frameSizeLen)
			return size, err
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, err
		}
		if !c.active() {
			return 0, fmt.Errorf("idle for %v: %w", c.cfg.IdleTimeout, err)
		}
	}
}

// idleDeadline is when the connection becomes idle if nothing happens, or
// the zero time when there is no idle timeout.
func (c *conn) idleDeadline() time.Time {
	if c.cfg.IdleTimeout == 0 {
		return time.Time{}
	}
	return time.Unix(0, c.lastActive.Load()).Add(c.cfg.IdleTimeout)
}

// active reports whether the connection is still in use after its read
// deadline passed: it has requests to answer, or answered one since the
// deadline was set.
func (c *conn) active() bool {
	if c.budget.inUse() > 0 {
		c.touch()
		return true
	}
	return time.Now().Before(c.idleDeadline())
}

// readFrame reads a frame body of size bytes and decodes it, enforcing the
// versions table. An ApiVersions request at a version outside the table is
// passed on undecoded, to be answered with the table.
func (c *conn) readFrame(size int) (*Request, error) {
	frame, pooled, err := c.readPooled(size)
	if err != nil {
		return nil, err
	}
	c.touch()
	req, body, err := parseHeader(frame)
	if err != nil {
		c.recycle(frame, pooled)
		return nil, err
	}
	if pooled && req.Key == produceKey {
		req.frame = frame
	}
	req.ConnID, req.RemoteAddr, req.received = c.id, c.nc.RemoteAddr(), time.Now()
	if !c.cfg.Versions.Supports(req.Key, req.Version) {
		if req.Key != apiVersionsKey {
			return nil, fmt.Errorf("%w: %s v%d", ErrUnsupported, kmsg.NameForKey(req.Key), req.Version)
		}
		req.unsupportedVersions = true
		return req, nil
	}
	if err := req.decode(body); err != nil {
		return nil, err
	}
	return req, nil
}

// readPooled reads a frame body of size bytes into a buffer from the
// Server's pool when frames of that size are pooled, and as readBody does
// otherwise.
func (c *conn) readPooled(size int) (frame []byte, pooled bool, err error) {
	frame = c.srv.frames.get(size)
	if frame == nil {
		frame, err = readBody(progressReader{c}, size)
		return frame, false, err
	}
	if _, err := io.ReadFull(progressReader{c}, frame); err != nil {
		c.srv.frames.put(frame)
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, false, fmt.Errorf("read frame body: %w", err)
	}
	return frame, true, nil
}

// recycle returns a pooled frame that nothing refers to.
func (c *conn) recycle(frame []byte, pooled bool) {
	if pooled {
		c.srv.frames.put(frame)
	}
}

// progressReader reads the connection with the idle deadline renewed before
// every read, so a frame may take any time as long as its bytes keep coming.
type progressReader struct{ c *conn }

func (r progressReader) Read(p []byte) (int, error) {
	if t := r.c.cfg.IdleTimeout; t > 0 {
		r.c.nc.SetReadDeadline(time.Now().Add(t))
	}
	return r.c.br.Read(p)
}
