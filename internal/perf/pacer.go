package perf

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrRate is the class of invalid pacer rates.
var ErrRate = errors.New("perf: invalid rate")

// Clock is the time a Pacer schedules by.
type Clock interface {
	Now() time.Time
	// Sleep waits for d, or until ctx ends, when it returns ctx's error.
	Sleep(ctx context.Context, d time.Duration) error
}

// Pacer schedules sends at a fixed rate, open loop: the n-th send (from 0)
// is intended at start + n/rate whatever happened to the sends before it,
// so latency measured from Wait's returned time includes any delay the
// sender suffered. A Pacer is used by one goroutine.
type Pacer struct {
	clock    Clock
	interval float64 // nanoseconds between sends; 0 means unpaced
	start    time.Time
	started  bool
	next     int64
}

// NewPacer returns a pacer of rate sends per second; rate 0 means as fast
// as possible (Wait returns the current time at once). A nil clock is the
// system clock.
func NewPacer(rate float64, clock Clock) (*Pacer, error) {
	if math.IsNaN(rate) || math.IsInf(rate, 0) || rate < 0 {
		return nil, fmt.Errorf("%w: %v sends per second: want a finite number >= 0", ErrRate, rate)
	}
	if clock == nil {
		clock = &wallClock{}
	}
	p := &Pacer{clock: clock}
	if rate > 0 {
		p.interval = 1e9 / rate
	}
	return p, nil
}

// Start fixes the schedule's origin at the current time; Wait calls it
// when it has not been called. It returns the origin.
func (p *Pacer) Start() time.Time {
	if !p.started {
		p.start, p.started = p.clock.Now(), true
	}
	return p.start
}

// Intended is the scheduled time of send n (from 0).
func (p *Pacer) Intended(n int64) time.Time {
	return p.start.Add(time.Duration(math.Round(float64(n) * p.interval)))
}

// Wait blocks until the next send is due and returns its intended time.
// Behind schedule it returns at once, with the intended time in the past.
// Unpaced, it returns the current time.
func (p *Pacer) Wait(ctx context.Context) (time.Time, error) {
	p.Start()
	if p.interval == 0 {
		p.next++
		return p.clock.Now(), ctx.Err()
	}
	at := p.Intended(p.next)
	p.next++
	if d := at.Sub(p.clock.Now()); d > 0 {
		if err := p.clock.Sleep(ctx, d); err != nil {
			return at, err
		}
	}
	return at, nil
}

// Sent is the number of sends Wait has scheduled.
func (p *Pacer) Sent() int64 { return p.next }

// wallClock is the system clock, with one timer reused for every sleep.
type wallClock struct {
	timer *time.Timer
}

func (*wallClock) Now() time.Time { return time.Now() }

func (c *wallClock) Sleep(ctx context.Context, d time.Duration) error {
	if c.timer == nil {
		c.timer = time.NewTimer(d)
	} else {
		c.timer.Reset(d)
	}
	select {
	case <-c.timer.C:
		return nil
	case <-ctx.Done():
		c.timer.Stop()
		return ctx.Err()
	}
}
