package replication

import (
	"context"
	"errors"
	"sync"
)

// syncRound is one fsync of a partition log on behalf of every acks=all
// append that asked before it started.
type syncRound struct {
	done chan struct{}
	err  error // set before done is closed
}

// syncer runs the fsyncs acks=all appends wait for, on a goroutine it
// starts when there is work and that exits when there is none, so that
// waiting appends can give up at their deadline while the fsync goes on.
// Appends that ask while a round runs share the next one (group commit).
type syncer struct {
	mu      sync.Mutex
	next    *syncRound // the round not yet started, if anyone asked
	running bool
	closed  bool
	wg      sync.WaitGroup
}

// request returns a round that starts after the call, starting the
// goroutine if none runs; on a closed syncer, a finished round failing
// with ErrClosed.
func (p *Partition) requestSync() *syncRound {
	s := &p.syncer
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		r := &syncRound{done: make(chan struct{}), err: p.errClosed()}
		close(r.done)
		return r
	}
	if s.next == nil {
		s.next = &syncRound{done: make(chan struct{})}
	}
	r := s.next
	if !s.running {
		s.running = true
		s.wg.Add(1)
		go p.syncLoop()
	}
	return r
}

// syncLoop runs rounds until none is waiting.
func (p *Partition) syncLoop() {
	s := &p.syncer
	defer s.wg.Done()
	for {
		s.mu.Lock()
		r := s.next
		s.next = nil
		if r == nil {
			s.running = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		r.err = p.syncLog()
		if r.err == nil {
			p.advance()
		}
		close(r.done)
	}
}

// syncLog fsyncs the log to its end. A log that a reconfiguration closed
// meanwhile was made durable by its close; the one that replaced it is
// synced instead. The reconfiguration holds mu until the new log is in
// place.
func (p *Partition) syncLog() error {
	for {
		l := p.Log()
		err := l.Sync()
		if err == nil || !errors.Is(err, ErrClosed) {
			return err
		}
		p.mu.Lock()
		replaced := !p.mu.closed && p.Log() != l
		p.mu.Unlock()
		if !replaced {
			return err
		}
	}
}

// close stops new rounds and waits for the running one.
func (s *syncer) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.wg.Wait()
}

// awaitDurable waits until the log is durable up to end, asking for more
// rounds when one falls short (a replaced log), or until ctx is done.
func (p *Partition) awaitDurable(ctx context.Context, end int64, r *syncRound) error {
	for p.Log().DurableOffset() < end {
		if r == nil {
			r = p.requestSync()
		}
		select {
		case <-r.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if r.err != nil {
			return r.err
		}
		r = nil
	}
	p.advance()
	return nil
}
