package remote

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/strata-streaming/strata/tiered/objstore"
)

// Wake tells Run that a segment was sealed, so that it uploads it without
// waiting for TaskInterval. It never blocks.
func (u *Uploader) Wake() {
	select {
	case u.wake <- struct{}{}:
	default:
	}
}

// Run uploads sealed segments one after another until ctx ends, then
// returns nil. When none is left it waits for Wake or TaskInterval. A
// failed upload is retried after a backoff that doubles from
// RetryBackoffMin to RetryBackoffMax while the failures are retriable
// (objstore.IsRetriable, ErrVerify), and is RetryBackoffMax at once for
// any other failure (not the leader, a local read error), which time
// alone rarely cures; Stats counts them. A success resets the backoff.
func (u *Uploader) Run(ctx context.Context) error {
	var backoff time.Duration
	for ctx.Err() == nil {
		uploaded, err := u.UploadNext(ctx)
		var wait time.Duration
		switch {
		case err != nil && ctx.Err() != nil:
			return nil
		case err != nil:
			backoff = u.nextBackoff(backoff, err)
			wait = backoff
			if u.cfg.Logger != nil {
				u.cfg.Logger.Warn("upload failed", "err", err, "retry_in", wait)
			}
		case uploaded:
			backoff = 0
			continue
		default:
			backoff = 0
			wait = u.cfg.TaskInterval
		}
		if !u.sleep(ctx, wait, err == nil) {
			return nil
		}
	}
	return nil
}

// nextBackoff returns the wait after a failure, given the previous wait.
func (u *Uploader) nextBackoff(prev time.Duration, err error) time.Duration {
	if !retriable(err) {
		return u.cfg.RetryBackoffMax
	}
	if prev == 0 {
		return u.cfg.RetryBackoffMin
	}
	return min(2*prev, u.cfg.RetryBackoffMax)
}

// retriable reports whether an upload failure may pass by itself.
func retriable(err error) bool {
	return objstore.IsRetriable(err) || errors.Is(err, ErrVerify)
}

// sleep waits for d, or for a Wake when wakeable, and reports false if
// ctx ended first.
func (u *Uploader) sleep(ctx context.Context, d time.Duration, wakeable bool) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	var wake <-chan struct{}
	if wakeable {
		wake = u.wake
	}
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	case <-wake:
	}
	return true
}

// pacedReader limits the rate at which r is read to rate bytes per
// second, measured from its first read.
type pacedReader struct {
	ctx   context.Context
	r     io.Reader
	rate  int64
	start time.Time
	n     int64
}

func newPacedReader(ctx context.Context, r io.Reader, rate int64) *pacedReader {
	return &pacedReader{ctx: ctx, r: r, rate: rate}
}

func (p *pacedReader) Read(b []byte) (int, error) {
	if p.start.IsZero() {
		p.start = time.Now()
	}
	// Read at most a tenth of a second's worth at a time, so that pauses
	// stay short and the rate even.
	if limit := max(p.rate/10, 1); int64(len(b)) > limit {
		b = b[:limit]
	}
	n, err := p.r.Read(b)
	p.n += int64(n)
	due := p.start.Add(time.Duration(float64(p.n) / float64(p.rate) * float64(time.Second)))
	if d := time.Until(due); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-p.ctx.Done():
			return n, p.ctx.Err()
		case <-t.C:
		}
	}
	return n, err
}
