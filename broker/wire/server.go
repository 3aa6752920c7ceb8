package wire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Accept retries back off from minAcceptBackoff, doubling to maxAcceptBackoff.
const (
	minAcceptBackoff = 5 * time.Millisecond
	maxAcceptBackoff = time.Second
)

// Server accepts Kafka connections and serves their requests with a Handler.
// Serve may be called for several listeners; Close stops them all.
type Server struct {
	cfg     Config
	handler Handler
	log     *slog.Logger
	metrics *metrics
	slots   chan struct{} // connection slots; nil when MaxConnections is 0
	nextID  atomic.Uint64
	frames  framePool

	ctx    context.Context // cancelled by Close; parent of every connection's
	cancel context.CancelFunc
	wg     sync.WaitGroup // Serve calls and connections

	mu        sync.Mutex
	closed    bool
	listeners []net.Listener
	conns     map[*conn]struct{}
}

// NewServer returns a Server that serves requests with h. It validates cfg.
func NewServer(cfg Config, h Handler) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, fmt.Errorf("%w: nil Handler", ErrConfig)
	}
	m, err := newMetrics(cfg.Meter)
	if err != nil {
		return nil, fmt.Errorf("wire: create instruments: %w", err)
	}
	s := &Server{
		cfg:     cfg,
		handler: h,
		log:     cfg.logger(),
		metrics: m,
		conns:   make(map[*conn]struct{}),
	}
	if cfg.MaxConnections > 0 {
		s.slots = make(chan struct{}, cfg.MaxConnections)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// Serve accepts connections on ln until Close is called, then returns
// ErrServerClosed. It returns another error only if ln fails for good; it
// closes ln in either case.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.track(ln); err != nil {
		ln.Close()
		return err
	}
	defer s.wg.Done()
	defer ln.Close()
	var backoff time.Duration
	for {
		if err := s.acquireSlot(); err != nil {
			return err
		}
		nc, err := ln.Accept()
		if err != nil {
			s.releaseSlot()
			if backoff, err = s.acceptFailed(err, backoff); err != nil {
				return err
			}
			continue
		}
		backoff = 0
		s.start(nc)
	}
}

// track registers ln so that Close can stop it, and counts the Serve call.
func (s *Server) track(ln net.Listener) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrServerClosed
	}
	s.listeners = append(s.listeners, ln)
	s.wg.Add(1)
	return nil
}

// acceptFailed decides what an Accept error means: the end of Serve if the
// Server or listener is closed, otherwise a pause before the next attempt
// (the process may be out of file descriptors).
func (s *Server) acceptFailed(err error, backoff time.Duration) (time.Duration, error) {
	if s.ctx.Err() != nil {
		return 0, ErrServerClosed
	}
	if errors.Is(err, net.ErrClosed) {
		return 0, fmt.Errorf("wire: accept: %w", err)
	}
	backoff = min(max(2*backoff, minAcceptBackoff), maxAcceptBackoff)
	s.log.Warn("wire: accept failed; retrying", "err", err, "backoff", backoff)
	t := time.NewTimer(backoff)
	defer t.Stop()
	select {
	case <-t.C:
		return backoff, nil
	case <-s.ctx.Done():
		return 0, ErrServerClosed
	}
}

// acquireSlot waits for a connection slot when MaxConnections is set.
func (s *Server) acquireSlot() error {
	if s.slots == nil {
		return nil
	}
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-s.ctx.Done():
		return ErrServerClosed
	}
}

func (s *Server) releaseSlot() {
	if s.slots != nil {
		<-s.slots
	}
}

// start registers a new connection and runs it, unless the Server closed
// while it was being accepted.
func (s *Server) start(nc net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		nc.Close()
		s.releaseSlot()
		return
	}
	c := newConn(s, nc, s.nextID.Add(1))
	s.conns[c] = struct{}{}
	s.metrics.connOpened(s.ctx)
	s.wg.Go(func() {
		c.run()
		s.forget(c)
	})
}

// forget removes a finished connection and frees its slot.
func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.metrics.connClosed(s.ctx)
	s.releaseSlot()
}

// Addr is the address of the first listener passed to Serve, or nil before
// Serve is called.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.listeners) == 0 {
		return nil
	}
	return s.listeners[0].Addr()
}

// Close stops accepting, closes every connection, cancelling the contexts of
// the requests in progress, and waits for every goroutine the Server started
// and every Serve call to return. It is idempotent; a second call waits in
// the same way and returns nil.
func (s *Server) Close() error {
	s.mu.Lock()
	var err error
	if !s.closed {
		s.closed = true
		s.cancel()
		for _, ln := range s.listeners {
			if cerr := ln.Close(); cerr != nil && !errors.Is(cerr, net.ErrClosed) && err == nil {
				err = fmt.Errorf("wire: close listener: %w", cerr)
			}
		}
		for c := range s.conns {
			c.close()
		}
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}
