package handler

import (
	"context"
	"testing"
	"time"

	"github.com/strata-streaming/strata/tiered"
)

// coldFake is a partition the remote tier serves; its reads wait for gate
// (nil: they do not wait) or their context.
type coldFake struct {
	*fetchFake
	gate    chan struct{}
	started chan struct{} // closed by the first read
}

func (p *coldFake) ReadsRemote(int64) bool { return true }

func (p *coldFake) Read(ctx context.Context, offset int64, maxBytes int, isolation int8) (tiered.Records, error) {
	select {
	case <-p.started:
	default:
		close(p.started)
	}
	if p.gate != nil {
		select {
		case <-p.gate:
		case <-ctx.Done():
			return tiered.Records{}, ctx.Err()
		}
	}
	return p.fetchFake.Read(ctx, offset, maxBytes, isolation)
}

// TestFetchColdReadsDoNotHoldUpOthers fetches a cold partition whose read
// never finishes, a cold one that answers, and a hot one, with a max wait:
// the fetch answers after the max wait with the other two partitions'
// records and no records, and no error, for the stuck one.
func TestFetchColdReadsDoNotHoldUpOthers(t *testing.T) {
	h, f := newFetchHandler(t, nil), newFetchFakes()
	stuck := &coldFake{fetchFake: f.add(t, "a", 0), gate: make(chan struct{}), started: make(chan struct{})}
	fast := &coldFake{fetchFake: f.add(t, "b", 0), started: make(chan struct{})}
	hot := f.add(t, "c", 0)
	for _, p := range []*fetchFake{stuck.fetchFake, fast.fetchFake, hot} {
		p.produce(t, 3, 100, true)
	}
	defer close(stuck.gate)
	lookup := func(key fetchKey) (fetchPartition, int16) {
		switch key.topic {
		case "a":
			return stuck, 0
		case "b":
			return fast, 0
		}
		return f.lookup(key)
	}
	r := fetchRequest(12, fetchPart{topic: "a"}, fetchPart{topic: "b"}, fetchPart{topic: "c"})
	r.MaxWaitMillis, r.MinBytes = 2000, 1 // generous: the other reads finish well within it
	resp, err := h.serveFetch(fetchContextT(t), r, lookup)
	if err != nil {
		t.Fatal(err)
	}
	got := decodeFetchResponse(t, resp)
	a, b, c := fetchPartitionOf(t, got, "a", 0), fetchPartitionOf(t, got, "b", 0), fetchPartitionOf(t, got, "c", 0)
	if a.ErrorCode != 0 || len(a.RecordBatches) != 0 || a.HighWatermark != 3 {
		t.Fatalf("stuck cold partition: %+v", a)
	}
	if b.ErrorCode != 0 || len(b.RecordBatches) == 0 || c.ErrorCode != 0 || len(c.RecordBatches) == 0 {
		t.Fatalf("the other partitions: cold %d bytes (error %d), hot %d bytes (error %d)",
			len(b.RecordBatches), b.ErrorCode, len(c.RecordBatches), c.ErrorCode)
	}
}

// TestFetchColdReadsRunSideBySide checks that the reads of two cold
// partitions run at once: the second starts while the first still waits.
func TestFetchColdReadsRunSideBySide(t *testing.T) {
	h, f := newFetchHandler(t, nil), newFetchFakes()
	first := &coldFake{fetchFake: f.add(t, "a", 0), gate: make(chan struct{}), started: make(chan struct{})}
	second := &coldFake{fetchFake: f.add(t, "b", 0), started: make(chan struct{})}
	first.produce(t, 1, 100, true)
	second.produce(t, 1, 100, true)
	lookup := func(key fetchKey) (fetchPartition, int16) {
		if key.topic == "a" {
			return first, 0
		}
		return second, 0
	}
	go func() {
		<-second.started // the second read began while the first waits
		close(first.gate)
	}()
	r := fetchRequest(12, fetchPart{topic: "a"}, fetchPart{topic: "b"})
	r.MaxWaitMillis = int32(fetchFailAfter.Milliseconds())
	resp, err := h.serveFetch(fetchContextT(t), r, lookup)
	if err != nil {
		t.Fatal(err)
	}
	got := decodeFetchResponse(t, resp)
	if a := fetchPartitionOf(t, got, "a", 0); len(a.RecordBatches) == 0 {
		t.Fatalf("first cold partition: %+v", a)
	}
}

// A pass of a fetch that waits for data gives its remote reads only what
// is left of the fetch's max wait, and at least minPassWait.
func TestFetchPassWaitIsWhatIsLeft(t *testing.T) {
	fp := fetchParams{maxWait: 500 * time.Millisecond}
	if got := fp.until(time.Now().Add(200 * time.Millisecond)).maxWait; got > 200*time.Millisecond || got < minPassWait {
		t.Fatalf("200 ms left of 500: pass wait %v", got)
	}
	if got := fp.until(time.Now().Add(-time.Second)).maxWait; got != minPassWait {
		t.Fatalf("deadline passed: pass wait %v, want %v", got, minPassWait)
	}
	if got := (fetchParams{}).until(time.Now().Add(time.Second)).maxWait; got != 0 {
		t.Fatalf("no max wait: pass wait %v, want 0 (the remote reads' default)", got)
	}
}
