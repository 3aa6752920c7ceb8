package segment

import (
	"errors"
	"testing"
	"time"

	"github.com/strata-streaming/strata/tiered/batch"
	"github.com/strata-streaming/strata/tiered/batch/batchtest"
)

// fakeClock is a settable clock for Config.Now.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newClock() *fakeClock { return &fakeClock{t: time.UnixMilli(1_700_000_000_000)} }

// testConfig is a small-segment configuration on a fake clock.
func testConfig(clk *fakeClock) Config {
	cfg := DefaultConfig()
	cfg.SegmentBytes = 4096
	cfg.IndexIntervalBytes = 256
	cfg.Now = clk.now
	return cfg
}

func openLog(t *testing.T, dir string, cfg Config) *Log {
	t.Helper()
	l, err := Open(dir, cfg)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return l
}

// values builds a batch of n records of size bytes with timestamps from ts.
func values(n, size int, ts int64) []byte {
	return batchtest.Values(n, size, batchtest.Options{BaseTimestamp: ts})
}

func mustAppend(t *testing.T, l *Log, b []byte) AppendResult {
	t.Helper()
	res, err := l.Append(b, AppendOptions{LeaderEpoch: -1})
	if err != nil {
		t.Fatalf("append: %v", err)
	}
	return res
}

// readAll reads the whole log from its start, checking every batch.
func readAll(t *testing.T, l *Log, maxBytes int) []batch.Header {
	t.Helper()
	var out []batch.Header
	off := l.StartOffset()
	for off < l.EndOffset() {
		r, err := l.Read(off, maxBytes, NoMaxOffset)
		if err != nil {
			t.Fatalf("read %d: %v", off, err)
		}
		buf, err := r.AppendTo(nil)
		r.Close()
		if err != nil {
			t.Fatalf("read %d: %v", off, err)
		}
		if len(buf) == 0 {
			t.Fatalf("read %d: empty before the log end %d", off, l.EndOffset())
		}
		it := batch.NewIter(buf)
		for h, b, ok := it.Next(); ok; h, b, ok = it.Next() {
			if _, err := batch.Validate(b); err != nil {
				t.Fatalf("batch at %d: %v", h.BaseOffset, err)
			}
			out = append(out, h)
		}
		if it.Err() != nil || it.Partial() {
			t.Fatalf("read %d: batches do not frame: %v", off, it.Err())
		}
		off = r.NextOffset
	}
	return out
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want %v", err, target)
	}
}
