package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/strata-streaming/strata/internal/perf"
)

func TestRawDiskWrite(t *testing.T) {
	dir := t.TempDir()
	res, err := rawDiskWrite(dir, 10_000, 4096)
	if err != nil {
		t.Fatal(err)
	}
	// 4096 + 4096 + 1808: three batches, three fsyncs.
	if res.Rate.Bytes != 10_000 || res.Rate.Records != 3 || res.Latency.Count != 3 || res.Rate.Elapsed <= 0 {
		t.Fatalf("result %+v: want 10000 bytes in 3 batches", res)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("raw write left %d files behind", len(left))
	}
	if _, err := rawDiskWrite(dir, 0, 1); !errors.Is(err, ErrBaseline) {
		t.Fatalf("zero bytes: %v, want ErrBaseline", err)
	}
}

func TestWarmPageCache(t *testing.T) {
	dir := t.TempDir()
	if err := warmPageCache(dir, 3<<20+5); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("warm-up left %d files behind", len(left))
	}
	if err := warmPageCache(dir, 0); err != nil {
		t.Fatalf("nothing to warm: %v", err)
	}
	missing := filepath.Join(dir, "absent")
	if err := warmPageCache(missing, 1<<20); !errors.Is(err, ErrBaseline) {
		t.Fatalf("missing directory: %v, want ErrBaseline", err)
	}
}

func TestDiskResultPlus(t *testing.T) {
	a := diskResult{Rate: perf.Rate{Records: 2, Bytes: 100, Elapsed: time.Second}, CPU: time.Second, Batch: 50}
	b := diskResult{Rate: perf.Rate{Records: 4, Bytes: 300, Elapsed: time.Second}, CPU: 3 * time.Second, Batch: 75}
	sum := a.plus(b)
	if sum.Rate.Records != 6 || sum.Rate.Bytes != 400 || sum.Rate.Elapsed != 2*time.Second || sum.CPU != 4*time.Second {
		t.Fatalf("sum %+v: want 6 batches, 400 bytes, 2 s, 4 CPU s", sum)
	}
}

func TestRawTCPCopy(t *testing.T) {
	r, err := rawTCPCopy(t.Context(), 1<<20+7, 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	if r.Bytes != 1<<20+7 || r.Elapsed <= 0 || r.MBPerSecond() <= 0 {
		t.Fatalf("copy %+v: want every byte over a positive time", r)
	}
	if _, err := rawTCPCopy(t.Context(), 10, 0); !errors.Is(err, ErrBaseline) {
		t.Fatalf("zero chunk: %v, want ErrBaseline", err)
	}
}

func TestRangesOf(t *testing.T) {
	jobs := rangesOf([]object{{"a", 10}, {"b", 4}, {"c", 0}}, 4)
	want := []rangeJob{{"a", 0, 3}, {"a", 4, 7}, {"a", 8, 9}, {"b", 0, 3}}
	if len(jobs) != len(want) {
		t.Fatalf("ranges %v, want %v", jobs, want)
	}
	for i := range want {
		if jobs[i] != want[i] {
			t.Fatalf("ranges %v, want %v", jobs, want)
		}
	}
}

func TestByteSize(t *testing.T) {
	for n, want := range map[int]string{512: "512 B", 919 << 10: "919 KiB", 3 << 19: "1.5 MiB"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestRawPacedWrite(t *testing.T) {
	dir := t.TempDir()
	d, err := rawPacedWrite(t.Context(), dir, 1<<20, 50*time.Millisecond, 16<<10)
	if err != nil {
		t.Fatal(err)
	}
	if d.Rate.Records < 1 || d.Rate.Bytes != d.Rate.Records*(16<<10) || d.Batch != 16<<10 || d.Latency.Count != uint64(d.Rate.Records) {
		t.Fatalf("paced write %+v: want whole batches, each with a latency", d)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Fatalf("paced write left %d files (%v)", len(entries), err)
	}
	if _, err := rawPacedWrite(t.Context(), dir, 0, time.Second, 1); !errors.Is(err, ErrBaseline) {
		t.Fatalf("zero rate: %v, want ErrBaseline", err)
	}
}

func TestCPUMeter(t *testing.T) {
	m := startCPU(os.Getpid(), -1)
	for deadline := time.Now().Add(10 * time.Second); selfCPU() == m.self && time.Now().Before(deadline); {
	}
	spent := m.stop()
	if len(spent.procs) != 2 || spent.procs[1] != 0 || spent.self < 0 || spent.procs[0] < 0 {
		t.Fatalf("spent %+v: want this process measured and the missing one at 0", spent)
	}
}

func TestRawFileCopy(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for i, size := range []int{3000, 5000} {
		name := filepath.Join(dir, fmt.Sprintf("%020d.log", i))
		if err := os.WriteFile(name, make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}
	r, err := rawFileCopy(t.Context(), files, 7000, 1024)
	if err != nil || r.Bytes != 7000 {
		t.Fatalf("copy of 7000 of 8000 bytes: %+v, %v", r, err)
	}
	if _, err := rawFileCopy(t.Context(), files, 9000, 1024); !errors.Is(err, ErrBaseline) {
		t.Fatalf("copy of more than the files hold: %v, want ErrBaseline", err)
	}
	got, err := segmentFiles(dir+"/..", filepath.Base(dir), 0)
	if err == nil || !errors.Is(err, ErrBaseline) {
		t.Fatalf("segmentFiles of a missing partition = %v, %v; want ErrBaseline", got, err)
	}
	part := filepath.Join(dir, "topic-0")
	os.Mkdir(part, 0o755)
	for _, n := range []string{"00000000000000000200.log", "00000000000000000000.log", "00000000000000000000.index"} {
		os.WriteFile(filepath.Join(part, n), nil, 0o644)
	}
	if got, err := segmentFiles(dir, "topic", 0); err != nil || len(got) != 2 || filepath.Base(got[0]) != "00000000000000000000.log" {
		t.Fatalf("segmentFiles = %v, %v; want the two .log files in offset order", got, err)
	}
}
