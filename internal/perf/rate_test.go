package perf

import (
	"math"
	"testing"
	"time"
)

func TestRate(t *testing.T) {
	cases := []struct {
		name       string
		r          Rate
		recs, mbps float64
	}{
		{"one second", Rate{Records: 1000, Bytes: 1_000_000, Elapsed: time.Second}, 1000, 1},
		{"half second", Rate{Records: 500, Bytes: 250_000_000, Elapsed: 500 * time.Millisecond}, 1000, 500},
		{"kibibyte records", Rate{Records: 1 << 20, Bytes: 1 << 30, Elapsed: 4 * time.Second}, 262144, 268.435456},
		{"nothing elapsed", Rate{Records: 10, Bytes: 10, Elapsed: 0}, 0, 0},
		{"negative elapsed", Rate{Records: 10, Bytes: 10, Elapsed: -time.Second}, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.r.RecordsPerSecond(); math.Abs(got-c.recs) > 1e-9*max(1, c.recs) {
				t.Errorf("records/s = %v, want %v", got, c.recs)
			}
			if got := c.r.MBPerSecond(); math.Abs(got-c.mbps) > 1e-9*max(1, c.mbps) {
				t.Errorf("MB/s = %v, want %v", got, c.mbps)
			}
		})
	}
}
