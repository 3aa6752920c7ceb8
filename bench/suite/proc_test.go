package main

import (
	"errors"
	"os"
	"testing"
	"time"
)

func TestParseStatus(t *testing.T) {
	status := "Name:\tstrata\nVmPeak:\t  900 kB\nVmHWM:\t   65536 kB\nVmRSS:\t   40960 kB\nThreads:\t9\n"
	ps, err := parseStatus([]byte(status))
	if err != nil {
		t.Fatal(err)
	}
	if ps.PeakRSS != 64<<20 || ps.RSS != 40<<20 {
		t.Fatalf("parsed %+v, want 64 MiB peak, 40 MiB resident", ps)
	}
	if _, err := parseStatus([]byte("Name:\tx\n")); !errors.Is(err, errProcFormat) {
		t.Fatalf("status without memory lines: %v, want errProcFormat", err)
	}
}

func TestParseStatCPU(t *testing.T) {
	// A command name with a space and a parenthesis; utime 250, stime 50.
	stat := "4242 (str ata)) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 9 0 100 0 0"
	cpu, err := parseStatCPU([]byte(stat))
	if err != nil {
		t.Fatal(err)
	}
	if cpu != 3*time.Second {
		t.Fatalf("cpu = %v, want 3s (300 ticks)", cpu)
	}
	if _, err := parseStatCPU([]byte("4242 (x) S 1")); !errors.Is(err, errProcFormat) {
		t.Fatalf("short stat: %v, want errProcFormat", err)
	}
}

func TestReadProcStatsOfSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc here")
	}
	ps, err := readProcStats(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if ps.PeakRSS < ps.RSS || ps.RSS <= 0 {
		t.Fatalf("own stats %+v: want 0 < RSS <= peak", ps)
	}
}
