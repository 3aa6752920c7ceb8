package perf

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

func TestHistogramEmpty(t *testing.T) {
	var h Histogram
	s := h.Summarize()
	if s != (Summary{}) {
		t.Fatalf("empty summary = %+v, want zero", s)
	}
}

func TestHistogramExactBelowSubBuckets(t *testing.T) {
	var h Histogram
	for v := range 100 { // 0..99 ns, each once
		h.Record(time.Duration(v))
	}
	cases := []struct {
		q    float64
		want time.Duration
	}{
		{0, 0}, {0.01, 0}, {0.5, 49}, {0.99, 98}, {0.999, 99}, {1, 99},
	}
	for _, c := range cases {
		if got := h.Percentile(c.q); got != c.want {
			t.Errorf("Percentile(%v) = %d, want %d", c.q, got, c.want)
		}
	}
	if h.Min() != 0 || h.Max() != 99 || h.Count() != 100 {
		t.Fatalf("min %d max %d count %d, want 0 99 100", h.Min(), h.Max(), h.Count())
	}
	if h.Mean() != 50 { // 49.5 rounds to 50
		t.Fatalf("mean = %d, want 50", h.Mean())
	}
}

// TestHistogramUniform checks percentiles of 1..N µs against the exact
// order statistics, within the documented relative error.
func TestHistogramUniform(t *testing.T) {
	const n = 100_000
	var h Histogram
	for v := 1; v <= n; v++ {
		h.Record(time.Duration(v) * time.Microsecond)
	}
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		want := time.Duration(math.Ceil(q*n)) * time.Microsecond
		assertClose(t, q, h.Percentile(q), want)
	}
	if h.Max() != n*time.Microsecond {
		t.Fatalf("max = %v, want exactly %v", h.Max(), n*time.Microsecond)
	}
}

// TestHistogramRandom compares with sorting on a heavy-tailed sample.
func TestHistogramRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	vals := make([]int64, 50_000)
	var h Histogram
	for i := range vals {
		vals[i] = int64(rng.ExpFloat64() * 2e6) // mean 2 ms
		h.Record(time.Duration(vals[i]))
	}
	sort.Slice(vals, func(i, j int) bool { return vals[i] < vals[j] })
	for _, q := range []float64{0.5, 0.99, 0.999} {
		want := time.Duration(vals[int(math.Ceil(q*float64(len(vals))))-1])
		assertClose(t, q, h.Percentile(q), want)
	}
}

func assertClose(t *testing.T, q float64, got, want time.Duration) {
	t.Helper()
	if rel := math.Abs(float64(got-want)) / float64(want); rel > 0.01 {
		t.Errorf("Percentile(%v) = %v, want %v within 1%% (off by %.3f%%)", q, got, want, rel*100)
	}
}

func TestHistogramBucketsCoverRange(t *testing.T) {
	for _, v := range []int64{0, 1, 127, 128, 129, 255, 256, 1e9, math.MaxInt64} {
		i := bucketOf(v)
		if i < 0 || i >= numBuckets {
			t.Fatalf("bucketOf(%d) = %d, outside [0,%d)", v, i, numBuckets)
		}
		lo, width := bucketBounds(i)
		if v < lo || v-lo >= width {
			t.Fatalf("value %d in bucket %d = [%d, %d+%d)", v, i, lo, lo, width)
		}
		if v >= subBuckets && float64(width)/float64(lo) > 1.0/subBuckets {
			t.Fatalf("bucket %d: width %d over lower bound %d exceeds 1/%d", i, width, lo, subBuckets)
		}
	}
}

func TestHistogramNegativeIsZero(t *testing.T) {
	var h Histogram
	h.Record(-time.Second)
	if h.Max() != 0 || h.Percentile(1) != 0 || h.Count() != 1 {
		t.Fatalf("negative recorded as max %v p100 %v count %d", h.Max(), h.Percentile(1), h.Count())
	}
}

func TestHistogramMerge(t *testing.T) {
	var a, b, all Histogram
	for v := 1; v <= 1000; v++ {
		d := time.Duration(v) * time.Millisecond
		all.Record(d)
		if v%2 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	var empty Histogram
	a.Merge(&empty)
	empty.Merge(&a)
	empty.Merge(&b)
	if got, want := empty.Summarize(), all.Summarize(); got != want {
		t.Fatalf("merged summary %+v, want %+v", got, want)
	}
	if empty.counts != all.counts {
		t.Fatal("merged counts differ from recording everything in one")
	}
}

func TestHistogramRecordDoesNotAllocate(t *testing.T) {
	h := new(Histogram)
	allocs := testing.AllocsPerRun(1000, func() { h.Record(1234567 * time.Nanosecond) })
	if allocs != 0 {
		t.Fatalf("Record allocates %v times per call", allocs)
	}
}

func TestHistogramReset(t *testing.T) {
	var h Histogram
	h.Record(time.Second)
	h.Reset()
	if h.Count() != 0 || h.Max() != 0 {
		t.Fatalf("after Reset: count %d max %v", h.Count(), h.Max())
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	var h Histogram
	for i := 0; b.Loop(); i++ {
		h.Record(time.Duration(i))
	}
}
