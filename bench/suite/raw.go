package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/strata-streaming/strata/internal/perf"
)

// ErrBaseline is the class of failed baseline measurements.
var ErrBaseline = errors.New("suite: baseline")

// diskResult is the raw write+fsync baseline.
type diskResult struct {
	Rate perf.Rate
	// Latency is of one batch's write and fsync.
	Latency perf.Summary
	// CPU is this process's CPU time during the run.
	CPU time.Duration
	// Batch is the bytes of each write.
	Batch int
}

// plus adds up two runs' bytes, batches, time and CPU, for figures per
// byte over both; latency and batch size are not summed.
func (d diskResult) plus(o diskResult) diskResult {
	return diskResult{
		Rate: perf.Rate{Records: d.Rate.Records + o.Rate.Records, Bytes: d.Rate.Bytes + o.Rate.Bytes, Elapsed: d.Rate.Elapsed + o.Rate.Elapsed},
		CPU:  d.CPU + o.CPU,
	}
}

// rawDiskWrite appends total bytes to a new file in dir in writes of batch
// bytes, each followed by fsync, as a broker that syncs every produced
// batch would, and removes the file.
func rawDiskWrite(dir string, total int64, batch int) (diskResult, error) {
	if total <= 0 || batch <= 0 {
		return diskResult{}, fmt.Errorf("%w: write %d bytes in batches of %d: want both positive", ErrBaseline, total, batch)
	}
	f, buf, err := createRawFile(dir, "raw-write-*", batch)
	if err != nil {
		return diskResult{}, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	var lat perf.Histogram
	cpu0 := selfCPU()
	start := time.Now()
	for written := int64(0); written < total; {
		n := int(min(int64(batch), total-written))
		t0 := time.Now()
		if _, err := f.Write(buf[:n]); err != nil {
			return diskResult{}, fmt.Errorf("%w: write: %w", ErrBaseline, err)
		}
		if err := f.Sync(); err != nil {
			return diskResult{}, fmt.Errorf("%w: fsync: %w", ErrBaseline, err)
		}
		lat.Record(time.Since(t0))
		written += int64(n)
	}
	return diskResult{
		Rate:    perf.Rate{Records: int64(lat.Count()), Bytes: total, Elapsed: time.Since(start)},
		Latency: lat.Summarize(),
		CPU:     selfCPU() - cpu0,
		Batch:   batch,
	}, nil
}

// warmChunk is the write size of warmPageCache.
const warmChunk = 1 << 20

// warmPageCache writes bytes to a scratch file in dir in 1 MiB writes,
// without fsync, then closes and removes it. A virtual machine's guest
// writes into memory pages it has never touched several times slower than
// into pages it has used and freed, so a measured writer that follows a
// deleted file would be favoured over one that does not; warming before
// every measured write lets both sides of a comparison write into pages
// the guest has touched before. The removal frees the pages before the
// kernel writes much of them back.
func warmPageCache(dir string, bytes int64) (err error) {
	if bytes <= 0 {
		return nil
	}
	f, err := os.CreateTemp(dir, "warm-*")
	if err != nil {
		return fmt.Errorf("%w: create warm-up file: %w", ErrBaseline, err)
	}
	defer func() {
		if rerr := os.Remove(f.Name()); rerr != nil && err == nil {
			err = fmt.Errorf("%w: remove warm-up file: %w", ErrBaseline, rerr)
		}
	}()
	buf := make([]byte, warmChunk)
	for written := int64(0); written < bytes; {
		n := int(min(warmChunk, bytes-written))
		if _, err := f.Write(buf[:n]); err != nil {
			f.Close()
			return fmt.Errorf("%w: write warm-up file: %w", ErrBaseline, err)
		}
		written += int64(n)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%w: close warm-up file: %w", ErrBaseline, err)
	}
	return nil
}

// createRawFile creates a raw baseline's file in dir and the random batch
// it writes; the caller closes and removes the file.
func createRawFile(dir, pattern string, batch int) (*os.File, []byte, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: create file: %w", ErrBaseline, err)
	}
	buf := make([]byte, batch)
	_, _ = rand.Read(buf)
	return f, buf, nil
}

// selfCPU is the user and system CPU time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rawTCPCopy sends total bytes over a loopback TCP connection in writes of
// chunk bytes, from one buffer, to a reader that discards them, and returns
// the rate from the dial to the reader's last byte: both buffers stay in
// the CPU's caches, so it is the machine's ceiling rather than a copy any
// consumer could make.
func rawTCPCopy(ctx context.Context, total int64, chunk int) (perf.Rate, error) {
	if total <= 0 || chunk <= 0 {
		return perf.Rate{}, fmt.Errorf("%w: copy %d bytes in chunks of %d: want both positive", ErrBaseline, total, chunk)
	}
	return loopbackCopy(ctx, total,
		func(conn net.Conn) error { return sendBytes(conn, total, chunk) },
		func(conn net.Conn) (int64, error) { return io.Copy(io.Discard, conn) })
}

// sendBytes writes total bytes to conn in chunks.
func sendBytes(conn net.Conn, total int64, chunk int) error {
	buf := make([]byte, chunk)
	_, _ = rand.Read(buf)
	for sent := int64(0); sent < total; {
		n := int(min(int64(chunk), total-sent))
		if _, err := conn.Write(buf[:n]); err != nil {
			return fmt.Errorf("%w: write: %w", ErrBaseline, err)
		}
		sent += int64(n)
	}
	return nil
}
