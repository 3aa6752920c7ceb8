package main

import (
	"strings"
	"sync"
	"testing"
	"time"
)

func TestIntervalLine(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := intervalStats{start: start}
	for i := range 100 {
		w.record(time.Duration(i+1)*time.Millisecond, 1000)
	}
	got := w.line(start.Add(2*time.Second), 7*time.Second)
	for _, want := range []string{"7.0s:", "100 records", "50.0 records/s", "0.05 MB/s", "max 100.0 ms"} {
		if !strings.Contains(got, want) {
			t.Fatalf("line %q: want %q", got, want)
		}
	}
}

func TestReportIntervals(t *testing.T) {
	var out syncBuffer
	var mu sync.Mutex
	calls := 0
	stop := reportIntervals(t.Context(), &out, time.Millisecond, func(time.Time) string {
		mu.Lock()
		defer mu.Unlock()
		calls++
		return "interval"
	})
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Millisecond) {
		mu.Lock()
		n := calls
		mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
	}
	stop()
	mu.Lock()
	n := calls
	mu.Unlock()
	if n < 2 || strings.Count(out.String(), "interval\n") != n {
		t.Fatalf("%d calls, output %q: want at least 2 lines, one per call", n, out.String())
	}
	stop = reportIntervals(t.Context(), &out, 0, func(time.Time) string { t.Fatal("a zero period reported"); return "" })
	stop()
}
