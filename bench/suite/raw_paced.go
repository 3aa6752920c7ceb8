package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/strata-streaming/strata/internal/perf"
)

// rawPacedWrite is the baseline of the latency run: it appends batches of
// batch bytes to a new file in dir at bytesPerSecond for d, open loop, each
// written and fsynced, and removes the file. Each batch has an intended
// start on a fixed schedule and its latency counts from there, as the load
// generator counts a record's, so a disk that cannot keep up with the rate
// for the whole run shows in the baseline too, not only in the broker's
// figure.
func rawPacedWrite(ctx context.Context, dir string, bytesPerSecond float64, d time.Duration, batch int) (diskResult, error) {
	if bytesPerSecond <= 0 || d <= 0 || batch <= 0 {
		return diskResult{}, fmt.Errorf("%w: paced write of %v B/s for %v in batches of %d: want all positive",
			ErrBaseline, bytesPerSecond, d, batch)
	}
	pacer, err := perf.NewPacer(bytesPerSecond/float64(batch), nil)
	if err != nil {
		return diskResult{}, fmt.Errorf("%w: %w", ErrBaseline, err)
	}
	f, buf, err := createRawFile(dir, "raw-paced-*", batch)
	if err != nil {
		return diskResult{}, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	var lat perf.Histogram
	cpu0, start := selfCPU(), pacer.Start()
	for {
		at, err := pacer.Wait(ctx)
		if err != nil || at.Sub(start) >= d {
			break
		}
		if _, err := f.Write(buf); err != nil {
			return diskResult{}, fmt.Errorf("%w: write: %w", ErrBaseline, err)
		}
		if err := f.Sync(); err != nil {
			return diskResult{}, fmt.Errorf("%w: fsync: %w", ErrBaseline, err)
		}
		lat.Record(time.Since(at))
	}
	n := int64(lat.Count())
	return diskResult{
		Rate:    perf.Rate{Records: n, Bytes: n * int64(batch), Elapsed: time.Since(start)},
		Latency: lat.Summarize(),
		CPU:     selfCPU() - cpu0,
		Batch:   batch,
	}, nil
}
