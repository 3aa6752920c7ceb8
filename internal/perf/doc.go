// Package perf owns the arithmetic of Strata's benchmarks: a latency
// histogram, the percentiles and rates reported from it, and an open-loop
// pacer that schedules sends at a target rate.
//
// # Histogram
//
// A Histogram counts non-negative durations in nanoseconds in log-linear
// buckets: values below 2^SubBucketBits are counted exactly; above, each
// power of two is split into 2^SubBucketBits equal buckets, so a bucket's
// width is at most 1/128 of its lower bound. A percentile is reported as
// the midpoint of its bucket, clamped to the exact minimum and maximum,
// which bounds its relative error by 0.4%. The counts live in a fixed array
// covering the whole int64 range (about 58 KiB), so recording never
// allocates, and two histograms merge by adding counts.
//
// # Latency without coordinated omission
//
// A Pacer computes the intended send time of the n-th record as
// start + n/rate and waits until then. When the system under test stalls,
// the sender falls behind but the schedule does not move: latency measured
// from the intended time includes the time a record waited to be sent,
// which a closed-loop measurement would silently omit.
//
// # Units
//
// MB is 10^6 bytes; rates are over the measured elapsed time.
package perf
