package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestValueString(t *testing.T) {
	cases := []struct {
		v    Value
		want string
	}{
		{Value{1234.6, "MB/s"}, "1235 MB/s"},
		{Value{0.004321, "ms"}, "0.00432 ms"},
		{Value{12.345, "ms"}, "12.3 ms"},
		{Value{0.8621, "ms"}, "0.86 ms"},
		{Value{}, "—"},
	}
	for _, c := range cases {
		if got := c.v.String(); got != c.want {
			t.Errorf("%+v = %q, want %q", c.v, got, c.want)
		}
	}
}

func TestRowRatioAndTarget(t *testing.T) {
	r := Row{Figure: Value{70, "MB/s"}, Baseline: Value{100, "MB/s"}, Target: Target{Bound: 0.7}}
	if v, ok := r.Ratio(); !ok || v != 0.7 {
		t.Fatalf("ratio %v %v, want 0.7", v, ok)
	}
	if !r.Target.met(r) {
		t.Fatal("ratio 0.70 should meet ≥ 0.70")
	}
	lat := Row{Figure: Value{12, "ms"}, Baseline: Value{1, "ms"}, Target: Target{OnFigure: true, AtMost: true, Bound: 10}}
	if lat.Target.met(lat) {
		t.Fatal("12 ms should miss ≤ 10 ms")
	}
	if _, ok := (Row{Figure: Value{1, "MB"}}).Ratio(); ok {
		t.Fatal("a row without a baseline has no ratio")
	}
	if _, ok := failedRow("x", errors.New("boom")).Ratio(); ok {
		t.Fatal("a failed row has no ratio")
	}
}

func TestMarkdownRows(t *testing.T) {
	rows := []Row{
		{Scenario: "produce", Figure: Value{70, "MB/s"}, Baseline: Value{100, "MB/s"}, BaselineName: "raw write+fsync",
			Target: Target{Bound: 0.7}, Note: "a | pipe"},
		{Scenario: "latency p99", Figure: Value{12, "ms"}, Baseline: Value{2, "ms"}, BaselineName: "raw",
			Target: Target{OnFigure: true, AtMost: true, Bound: 10}},
		{Scenario: "memory", Figure: Value{64.7, "MB"}},
		failedRow("cold replay", errors.New("no --object-store\nflag")),
	}
	var b strings.Builder
	m := Meta{Started: time.Date(2026, 11, 28, 5, 0, 0, 0, time.UTC), Host: "h", CPUs: 2, Go: "go1.26", Strata: "strata dev"}
	if err := writeMarkdown(&b, m, rows); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{
		"# Strata benchmark, 2026-11-28 05:00 UTC",
		"| produce | 70.0 MB/s | 100 MB/s raw write+fsync | 0.70 | ratio ≥ 0.70 (met) | a \\| pipe |",
		"| latency p99 | 12.0 ms | 2.00 ms raw | 6.00 | ≤ 10 ms (**missed**) |  |",
		"| memory | 64.7 MB | — | — |  |  |",
		"| cold replay | — | — | — |  | **failed**: no --object-store flag |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "\n| "); n != len(rows)+1 {
		t.Errorf("report has %d table lines, want header + %d rows", n, len(rows))
	}
}

func TestSaveReport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "results")
	m := Meta{Started: time.Date(2026, 11, 28, 5, 6, 7, 0, time.UTC)}
	path, err := saveReport(dir, m, []Row{{Scenario: "s", Figure: Value{1, "MB/s"}}})
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != "2026-11-28.md" {
		t.Fatalf("dated report at %s", path)
	}
	dated, _ := os.ReadFile(path)
	latest, err := os.ReadFile(filepath.Join(dir, "latest.md"))
	if err != nil || string(dated) != string(latest) || len(latest) == 0 {
		t.Fatalf("latest.md (%v) differs from the dated report", err)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := DefaultConfig()
	if err := ok.Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	if got := ok.records(256); got != 262144 {
		t.Fatalf("256 MiB of 1 KiB records = %d, want 262144", got)
	}
	// 16 MiB cold segments, 1 MiB local retention and a 256 MiB cold topic:
	// at most 33 MiB may stay local, so most offsets are only in MinIO.
	if ok.SegmentBytes != 16<<20 || ok.LocalRetention != 1<<20 || ok.ColdMiB != 256 || ok.maxLocalBytes() != 33<<20 {
		t.Fatalf("cold defaults %d/%d/%d MiB, may keep %d: want 16 MiB segments, 1 MiB retention, 256 MiB, 33 MiB",
			ok.SegmentBytes, ok.LocalRetention, ok.ColdMiB, ok.maxLocalBytes())
	}
	if ok.RangeBytes != 4<<20 || ok.GetParallel != 4 {
		t.Fatalf("raw GETs of %d bytes, %d at a time: want 4 MiB, 4", ok.RangeBytes, ok.GetParallel)
	}
	bad := []func(*Config){
		func(c *Config) { c.Strata = "" },
		func(c *Config) { c.RecordSize = 0 },
		func(c *Config) { c.ProduceMiB = -1 },
		func(c *Config) { c.LatencyDuration = 0 },
		func(c *Config) { c.SegmentBytes = 100 },
		func(c *Config) { c.GetParallel = 0 },
		func(c *Config) { c.ColdMiB = 33 }, // all of it may stay local
	}
	for i, mutate := range bad {
		c := DefaultConfig()
		mutate(&c)
		if err := c.Validate(); !errors.Is(err, ErrConfig) {
			t.Errorf("case %d: Validate = %v, want ErrConfig", i, err)
		}
	}
}
