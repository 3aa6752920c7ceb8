package replication

import (
	"context"
	"testing"
)

// The produce path allocates per request and per batch, never per record:
// appending a batch of a thousand records allocates no more than one of a
// single record.
func TestAppendAllocatesNothingPerRecord(t *testing.T) {
	_, p := openOne(t, DefaultTopicConfig())
	allocs := func(records int) float64 {
		b := plain(records, 1000)
		buf := make([]byte, len(b))
		return testing.AllocsPerRun(20, func() {
			copy(buf, b) // Append rewrites the batch in place
			pend, err := p.Append(context.Background(), buf, 1)
			if err == nil {
				_, err = pend.Wait(context.Background())
			}
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	one, thousand := allocs(1), allocs(1000)
	if thousand > one {
		t.Fatalf("a batch of 1000 records allocates %.0f times, one of 1 record %.0f: something allocates per record", thousand, one)
	}
	t.Logf("allocations per append: %.0f", one)
}
