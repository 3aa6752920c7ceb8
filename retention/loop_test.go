package retention

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestTriggerEnforcesInTheBackground(t *testing.T) {
	m, _ := newTestManager(t)
	early := newFakePartition(3, testStart, 10*time.Hour)
	late := newFakePartition(3, testStart, 10*time.Hour)
	m.Add("early", early, fixed(oneHour))
	m.Add("late", late, fixed(oneHour))
	m.Trigger("early") // before Start: served once the loop runs
	m.Trigger("unknown")

	if err := m.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	waitFor(t, "the early trigger", func() bool { return early.count() == 1 })
	m.Trigger("late")
	waitFor(t, "the late trigger", func() bool { return late.count() == 1 })
}

func TestPeriodicCheck(t *testing.T) {
	m, _ := newTestManager(t, func(c *Config) { c.CheckInterval = time.Millisecond })
	p := newFakePartition(3, testStart, 0)
	m.Add("t-0", p, fixed(keepAll))
	if err := m.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	waitFor(t, "two periodic enforcements", func() bool { return m.Stats().Runs >= 2 })
}

func TestCloseWaitsForTheLoop(t *testing.T) {
	m, _ := newTestManager(t)
	b := newBlockingPartition(newFakePartition(3, testStart, 10*time.Hour))
	m.Add("t-0", b, fixed(oneHour))
	if err := m.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	m.Trigger("t-0")
	if !returns(b.entered) {
		t.Fatal("the loop never reached the partition")
	}

	closed := make(chan struct{})
	go func() { _ = m.Close(); close(closed) }()
	close(b.release)
	if !returns(closed) {
		t.Fatal("Close did not return")
	}
	if !b.returned.Load() {
		t.Error("Close returned while the loop was still enforcing")
	}
}

func TestLifecycle(t *testing.T) {
	m, _ := newTestManager(t)
	ctx := context.Background()
	if err := m.Close(); err != nil { // before Start
		t.Fatalf("Close before Start: %v", err)
	}
	if err := m.Start(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Start after Close = %v, want ErrClosed", err)
	}
	if err := m.EnforceAll(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("EnforceAll after Close = %v, want ErrClosed", err)
	}
	if _, err := m.Enforce(ctx, "t-0"); !errors.Is(err, ErrClosed) {
		t.Errorf("Enforce after Close = %v, want ErrClosed", err)
	}

	m, _ = newTestManager(t)
	if err := m.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if err := m.Start(ctx); !errors.Is(err, ErrStarted) {
		t.Errorf("second Start = %v, want ErrStarted", err)
	}
	for i := range 2 {
		if err := m.Close(); err != nil {
			t.Errorf("Close #%d: %v", i+1, err)
		}
	}
	m.Trigger("t-0") // ignored after Close, must not block
}

func TestLoopStopsWithItsContext(t *testing.T) {
	m, _ := newTestManager(t)
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	cancel()
	if !returns(m.done) {
		t.Fatal("the loop did not stop when its context ended")
	}
	if err := m.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	base := runtime.NumGoroutine()
	m, _ := newTestManager(t, func(c *Config) { c.CheckInterval = time.Millisecond })
	p := newFakePartition(3, testStart, 10*time.Hour)
	m.Add("t-0", p, fixed(oneHour))
	if err := m.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	m.Trigger("t-0")
	waitFor(t, "an enforcement", func() bool { return m.Stats().Runs >= 1 })
	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	waitFor(t, "goroutines to return to their start count", func() bool {
		return runtime.NumGoroutine() <= base
	})
}

// Concurrent synchronous and background enforcement of the same partitions
// never deletes a segment twice or counts it twice.
func TestConcurrentEnforcement(t *testing.T) {
	m, _ := newTestManager(t, func(c *Config) { c.CheckInterval = time.Millisecond })
	const partitions, segments = 4, 50
	parts := make([]*fakePartition, partitions)
	names := []string{"a", "b", "c", "d"}
	for i := range parts {
		parts[i] = newFakePartition(segments, testStart, 0)
		m.Add(names[i], parts[i], fixed(Policy{RetentionMs: Unlimited, RetentionBytes: 100}))
	}
	if err := m.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	var wg sync.WaitGroup
	for _, name := range names {
		wg.Go(func() {
			for range 20 {
				m.Trigger(name)
				if _, err := m.Enforce(context.Background(), name); err != nil {
					t.Errorf("Enforce(%s): %v", name, err)
				}
			}
		})
	}
	wg.Wait()
	for i, p := range parts {
		if p.count() != 1 {
			t.Errorf("partition %s: %d segments left, want 1", names[i], p.count())
		}
	}
	want := int64(partitions * (segments - 1))
	if s := m.Stats(); s.SegmentsDeleted != want || s.BytesDeleted != 100*want || s.Errors != 0 {
		t.Errorf("Stats() = %+v, want %d segments and %d bytes deleted, no errors", s, want, 100*want)
	}
}
