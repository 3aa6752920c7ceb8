package perf

import "time"

// MB is the byte count of the megabyte in MB/s: 10^6.
const MB = 1e6

// Rate is an amount of work done over a measured elapsed time.
type Rate struct {
	Records int64
	Bytes   int64
	Elapsed time.Duration
}

// RecordsPerSecond is Records over Elapsed; zero when nothing elapsed.
func (r Rate) RecordsPerSecond() float64 { return PerSecond(float64(r.Records), r.Elapsed) }

// MBPerSecond is Bytes over Elapsed in MB/s; zero when nothing elapsed.
func (r Rate) MBPerSecond() float64 { return MBPerSecond(r.Bytes, r.Elapsed) }

// MBPerSecond is bytes moved in elapsed, in MB/s; zero when nothing
// elapsed.
func MBPerSecond(bytes int64, elapsed time.Duration) float64 {
	return PerSecond(float64(bytes), elapsed) / MB
}

// PerSecond is n over elapsed; zero when elapsed is not positive.
func PerSecond(n float64, elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return n / elapsed.Seconds()
}
