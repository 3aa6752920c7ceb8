package perf

import (
	"math"
	"math/bits"
	"time"
)

const (
	// SubBucketBits sets the histogram's precision: each power of two is
	// split into 2^SubBucketBits buckets.
	SubBucketBits = 7
	subBuckets    = 1 << SubBucketBits
	// numBuckets covers every non-negative int64: subBuckets exact values,
	// then subBuckets per power of two from 2^SubBucketBits to 2^62.
	numBuckets = (63 - SubBucketBits + 1) * subBuckets
)

// Histogram counts durations in log-linear buckets (see the package
// documentation). Its zero value is empty and ready to use. It is not safe
// for concurrent use: give each recording goroutine its own, or guard one
// with a mutex, and Merge them.
type Histogram struct {
	counts [numBuckets]uint64
	total  uint64
	sum    float64 // nanoseconds, for the mean
	min    int64
	max    int64
}

// Record counts one duration; a negative duration counts as zero. It never
// allocates.
func (h *Histogram) Record(d time.Duration) {
	v := max(int64(d), 0)
	h.counts[bucketOf(v)]++
	if h.total == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.total++
	h.sum += float64(v)
}

// Merge adds o's counts to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.total == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.total == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.total += o.total
	h.sum += o.sum
}

// Reset empties h.
func (h *Histogram) Reset() { *h = Histogram{} }

// Count is the number of recorded durations.
func (h *Histogram) Count() uint64 { return h.total }

// Min is the smallest recorded duration, exactly; zero when empty.
func (h *Histogram) Min() time.Duration { return time.Duration(h.min) }

// Max is the largest recorded duration, exactly; zero when empty.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

// Mean is the average recorded duration; zero when empty.
func (h *Histogram) Mean() time.Duration {
	if h.total == 0 {
		return 0
	}
	return time.Duration(math.Round(h.sum / float64(h.total)))
}

// Percentile returns the duration at or below which a fraction q (0 to 1)
// of the recorded durations fall: the value of rank ceil(q*count). It is
// exact below 2^SubBucketBits ns and within 0.4% above; zero when empty.
func (h *Histogram) Percentile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := rankOf(q, h.total)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			mid := midpoint(i)
			return time.Duration(min(max(mid, h.min), h.max))
		}
	}
	return time.Duration(h.max)
}

// rankOf is the 1-based rank of quantile q among n values.
func rankOf(q float64, n uint64) uint64 {
	if math.IsNaN(q) || q <= 0 {
		return 1
	}
	if q >= 1 {
		return n
	}
	r := uint64(math.Ceil(q * float64(n)))
	return min(max(r, 1), n)
}

// bucketOf maps a non-negative value to its bucket index.
func bucketOf(v int64) int {
	if v < subBuckets {
		return int(v)
	}
	shift := bits.Len64(uint64(v)) - 1 - SubBucketBits
	sub := int(v >> shift) // in [subBuckets, 2*subBuckets)
	return (shift+1)*subBuckets + sub - subBuckets
}

// bucketBounds returns the smallest value of bucket i and its width.
func bucketBounds(i int) (lo, width int64) {
	if i < subBuckets {
		return int64(i), 1
	}
	shift := i/subBuckets - 1
	sub := int64(subBuckets + i%subBuckets)
	return sub << shift, 1 << shift
}

// midpoint is the value that stands for bucket i.
func midpoint(i int) int64 {
	lo, width := bucketBounds(i)
	return lo + width/2
}

// Summary is the figures reported from a histogram.
type Summary struct {
	Count uint64
	Min   time.Duration
	Mean  time.Duration
	P50   time.Duration
	P99   time.Duration
	P999  time.Duration
	Max   time.Duration
}

// Summarize returns h's count, min, mean, p50, p99, p99.9 and max.
func (h *Histogram) Summarize() Summary {
	return Summary{
		Count: h.total,
		Min:   h.Min(),
		Mean:  h.Mean(),
		P50:   h.Percentile(0.50),
		P99:   h.Percentile(0.99),
		P999:  h.Percentile(0.999),
		Max:   h.Max(),
	}
}
