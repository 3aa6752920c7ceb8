package retention

import (
	"context"
	"time"
)

// Start starts the background loop, which enforces retention on every
// partition each Config.CheckInterval and on triggered partitions soon after
// Trigger. It runs until ctx ends or Close. Start returns ErrStarted if the
// loop was already started and ErrClosed after Close.
func (m *Manager) Start(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if m.done != nil {
		return ErrStarted
	}
	ctx, cancel := context.WithCancel(ctx)
	m.cancel = cancel
	m.done = make(chan struct{})
	go m.run(ctx, m.done)
	return nil
}

// Close stops the background loop and waits for it to exit, letting an
// enforcement in progress finish. Later calls to Trigger are ignored, and
// Start, Enforce and EnforceAll return ErrClosed. Close is idempotent and
// always returns nil.
func (m *Manager) Close() error {
	m.mu.Lock()
	m.closed = true
	cancel, done := m.cancel, m.done
	m.mu.Unlock()
	if done == nil {
		return nil
	}
	cancel()
	<-done
	return nil
}

// run is the background loop. Failures are logged and counted per partition
// by enforce, so the loop has nothing more to do with them.
func (m *Manager) run(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	ticker := time.NewTicker(m.interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			_ = m.enforceEach(ctx, m.entries())
		case <-m.wake:
			_ = m.enforceEach(ctx, m.takePending())
		}
	}
}
