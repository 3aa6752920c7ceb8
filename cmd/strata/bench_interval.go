package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/strata-streaming/strata/internal/perf"
)

// intervalStats is the part of a run acknowledged since the last interval
// report, as Kafka's perf tools print every few seconds: where in a run
// its slow records were, which the whole run's percentiles do not say.
// Its zero value is empty; the caller guards it.
type intervalStats struct {
	latency perf.Histogram
	bytes   int64
	start   time.Time
}

func (w *intervalStats) record(latency time.Duration, bytes int) {
	w.latency.Record(latency)
	w.bytes += int64(bytes)
}

// line formats the interval ending at now, seconds into the run.
func (w *intervalStats) line(now time.Time, sinceStart time.Duration) string {
	r := perf.Rate{Records: int64(w.latency.Count()), Bytes: w.bytes, Elapsed: now.Sub(w.start)}
	return fmt.Sprintf("%6.1fs: %d records, %.1f records/s (%.2f MB/s), latency avg %s, p99 %s, max %s",
		sinceStart.Seconds(), r.Records, r.RecordsPerSecond(), r.MBPerSecond(),
		msString(w.latency.Mean()), msString(w.latency.Percentile(0.99)), msString(w.latency.Max()))
}

func msString(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/1e6) }

// reportIntervals writes take's interval to w every period until the
// returned stop is called; stop waits for the reporting goroutine. A zero
// period reports nothing.
func reportIntervals(ctx context.Context, w io.Writer, period time.Duration, take func(now time.Time) string) (stop func()) {
	if period <= 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case now := <-t.C:
				fmt.Fprintln(w, take(now))
			case <-ctx.Done():
				return
			}
		}
	})
	return func() {
		cancel()
		wg.Wait()
	}
}
