package perf

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"time"
)

// fakeClock advances only when slept on or moved by the test.
type fakeClock struct {
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func TestPacerSchedule(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1000, 0)}
	p, err := NewPacer(1000, clock)
	if err != nil {
		t.Fatal(err)
	}
	start := clock.now
	for n := range 5 {
		at, err := p.Wait(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if want := start.Add(time.Duration(n) * time.Millisecond); !at.Equal(want) {
			t.Fatalf("send %d intended at %v, want %v", n, at.Sub(start), want.Sub(start))
		}
	}
	// The first send is due at once; each later one a millisecond after.
	if want := []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond, time.Millisecond}; !slices.Equal(clock.sleeps, want) {
		t.Fatalf("sleeps %v, want %v", clock.sleeps, want)
	}
}

// TestPacerKeepsScheduleThroughStall is the open-loop property: a stall
// does not shift later sends' intended times, so their latency includes it.
func TestPacerKeepsScheduleThroughStall(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	p, _ := NewPacer(100, clock) // every 10 ms
	start := p.Start()
	for range 3 {
		if _, err := p.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	clock.sleeps = nil
	clock.now = clock.now.Add(95 * time.Millisecond) // the system stalls
	for n := int64(3); n < 13; n++ {
		at, _ := p.Wait(t.Context())
		if want := start.Add(time.Duration(n) * 10 * time.Millisecond); !at.Equal(want) {
			t.Fatalf("send %d intended at %v, want %v", n, at.Sub(start), want.Sub(start))
		}
	}
	// Sends 3..11 were overdue (now = 115 ms) and went at once; send 12
	// (120 ms) waited 5 ms.
	if want := []time.Duration{5 * time.Millisecond}; !slices.Equal(clock.sleeps, want) {
		t.Fatalf("sleeps after the stall %v, want %v", clock.sleeps, want)
	}
	if p.Sent() != 13 {
		t.Fatalf("Sent = %d, want 13", p.Sent())
	}
}

func TestPacerFractionalRate(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	p, _ := NewPacer(3, clock)
	p.Start()
	if got, want := p.Intended(1).Sub(clock.now), 333333333*time.Nanosecond; got != want {
		t.Fatalf("Intended(1) = %v, want %v", got, want)
	}
	if got := p.Intended(3).Sub(clock.now); got != time.Second {
		t.Fatalf("Intended(3) = %v, want 1s", got)
	}
}

func TestPacerUnpaced(t *testing.T) {
	clock := &fakeClock{now: time.Unix(5, 0)}
	p, _ := NewPacer(0, clock)
	for range 3 {
		at, err := p.Wait(t.Context())
		if err != nil || !at.Equal(clock.now) {
			t.Fatalf("unpaced Wait = %v, %v; want now, nil", at, err)
		}
	}
	if len(clock.sleeps) != 0 {
		t.Fatalf("unpaced pacer slept %v", clock.sleeps)
	}
}

func TestPacerCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	p, _ := NewPacer(10, &fakeClock{})
	p.Wait(ctx) // the first send is due at once
	if _, err := p.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait on a cancelled context = %v, want context.Canceled", err)
	}
}

func TestPacerWallClock(t *testing.T) {
	p, _ := NewPacer(1e6, nil)
	var last time.Time
	for range 50 {
		at, err := p.Wait(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if at.Before(last) {
			t.Fatalf("intended times go backwards: %v after %v", at, last)
		}
		last = at
	}
}

func TestNewPacerRejectsBadRates(t *testing.T) {
	for _, r := range []float64{-1, math.NaN(), math.Inf(1)} {
		if _, err := NewPacer(r, nil); !errors.Is(err, ErrRate) {
			t.Errorf("NewPacer(%v) = %v, want ErrRate", r, err)
		}
	}
}
